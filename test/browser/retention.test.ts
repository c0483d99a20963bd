import { eq } from 'drizzle-orm';
import { describe, expect, test } from 'vitest';
import { requisitions } from '../../db/schema/index.ts';
import { useBrowserStack } from '../support/browser.ts';

/**
 * Retention in Chromium (SPEC 4.4): a records manager finds a requisition
 * past its date among the records due for review, places a legal hold on it
 * (it leaves the list), and releases it (it comes back); they read the
 * retention policy, which an admin edits (a period below the legal minimum is
 * refused at its field). Real API, database, worker and Temporal server.
 */
const browser = useBrowserStack('retention');
const { newPage, shoot, signIn, api, login, eventually } = browser;

/** A requisition rejected through its process, then aged: it ended 8 years ago. */
async function oldRejectedRequisition(): Promise<{ id: string; number: string }> {
  const [requesterToken, managerToken] = (await Promise.all(['requester', 'manager'].map(login))) as [string, string];
  const created = await api('POST', '/requisitions', requesterToken, { title: 'Shelving for the old plant', purpose: 'daily_operations', lines: [{ description: 'Shelf', quantity: '2', unit: 'each', unitPrice: '40.00' }] });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const submitted = await api('POST', `/requisitions/${created.body.id}/submit`, requesterToken);
  expect(submitted.status).toBe(202);
  const task = await eventually(async () => {
    const { body } = await api('GET', `/tasks?status=open&subjectId=${created.body.id}`, managerToken);
    return (body.items as { id: string }[])[0];
  }, 'the approval task');
  expect((await api('POST', `/tasks/${task.id}/complete`, managerToken, { action: 'reject', comment: 'The plant closes' })).status).toBe(200);
  await eventually(async () => ((await api('GET', `/requisitions/${created.body.id}`, requesterToken)).body.status === 'rejected' ? true : undefined), 'rejected');
  await browser.stack.api.database.db.update(requisitions).set({ updatedAt: new Date(Date.now() - 8 * 365.25 * 86_400_000) }).where(eq(requisitions.id, created.body.id));
  return { id: created.body.id as string, number: submitted.body.number as string };
}

describe('retention in the browser', () => {
  test('a records manager holds a record due for review and releases it; an admin edits the policy', async () => {
    const old = await oldRejectedRequisition();
    const page = await newPage();
    await signIn(page, 'records_manager');
    await page.getByRole('link', { name: 'Legal holds' }).click();
    await page.waitForURL((url) => url.pathname === '/retention/holds');
    const due = page.getByTestId('due-table');
    await expect.poll(() => due.getByRole('row', { name: new RegExp(old.number) }).count()).toBe(1);
    await shoot(page, 'due-for-review');

    await page.getByTestId(`hold-${old.id}`).click();
    const placeForm = page.getByTestId('place-hold-form');
    await expect.poll(() => page.getByLabel('Record id').inputValue()).toBe(old.id);
    await placeForm.getByLabel('Reason').fill('Dispute with the landlord of the old plant');
    await shoot(page, 'place-hold');
    await placeForm.getByRole('button', { name: 'Place hold' }).click();
    await page.getByRole('status').filter({ hasText: `Hold placed on Requisition ${old.number}` }).waitFor();
    const holds = page.getByTestId('holds-table');
    const holdRow = holds.getByRole('row', { name: new RegExp(`Requisition ${old.number}`) });
    await expect.poll(() => holdRow.textContent()).toMatch(/In force/);
    // A held record is not due for review.
    await expect.poll(() => due.getByRole('row', { name: new RegExp(old.number) }).count()).toBe(0);
    await shoot(page, 'hold-placed');

    await holdRow.getByRole('link', { name: 'Release' }).click();
    const releaseForm = page.getByTestId('release-hold-form');
    await releaseForm.getByLabel('Why it is released').fill('Settled out of court');
    await releaseForm.getByRole('button', { name: 'Release hold' }).click();
    await page.getByRole('status').filter({ hasText: `Hold on Requisition ${old.number} released` }).waitFor();
    await expect.poll(() => holds.getByRole('row', { name: new RegExp(`Requisition ${old.number}`) }).textContent()).toMatch(/Released/);
    // Released: due again.
    await expect.poll(() => due.getByRole('row', { name: new RegExp(old.number) }).count()).toBe(1);
    await shoot(page, 'hold-released');

    // The records manager reads the policy; only an admin changes it.
    await page.getByRole('link', { name: 'Retention policy' }).click();
    await page.waitForURL((url) => url.pathname === '/settings/retention-policy');
    expect(await page.getByLabel('Invoice', { exact: true }).isDisabled()).toBe(true);
    await page.getByText('Only an administrator changes it.').waitFor();

    const admin = await newPage();
    await signIn(admin, 'admin');
    await admin.getByRole('link', { name: 'Retention policy' }).click();
    await admin.waitForURL((url) => url.pathname === '/settings/retention-policy');
    await admin.getByLabel('Invoice', { exact: true }).fill('P5Y');
    await admin.getByRole('button', { name: 'Save policy' }).click();
    await admin.getByText(/must not be below the legal minimum of P7Y after closing for invoices/).waitFor();
    await shoot(admin, 'policy-below-minimum');
    await admin.getByLabel('Invoice', { exact: true }).fill('P10Y');
    await admin.getByLabel('Requisition', { exact: true }).fill('P9Y');
    await admin.getByRole('button', { name: 'Save policy' }).click();
    await admin.getByRole('status').filter({ hasText: 'Retention policy saved' }).waitFor();
    await shoot(admin, 'policy-saved');
    const policy = await api('GET', '/policies/retention', await login('records_manager'));
    expect((policy.body.classes as { recordClass: string; period: string }[]).filter((row) => ['invoice', 'requisition'].includes(row.recordClass)).map((row) => row.period)).toEqual(['P9Y', 'P10Y']);

    // Re-dated at once: under 9 years the requisition that ended 8 years ago is no longer due.
    await page.getByRole('link', { name: 'Legal holds' }).click();
    await page.waitForURL((url) => url.pathname === '/retention/holds');
    expect(await due.getByRole('row', { name: new RegExp(old.number) }).count()).toBe(0);
  });
});
