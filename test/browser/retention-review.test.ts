import { eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { requisitions } from '../../db/schema/index.ts';
import { useBrowserStack } from '../support/browser.ts';

/**
 * A retention review in Chromium (SPEC 4.4, issue #14): two requisitions
 * rejected through their process and aged 8 years; a records manager starts
 * a review from its page, decides the batch in the inbox (a refusal for a
 * record without a decision lands at the bulk choice, one for a record put
 * under a legal hold meanwhile at its row), disposes one record and extends
 * the other, and reads the outcome and the tombstone on the review's page.
 * Real API, database, worker and Temporal server.
 */
const browser = useBrowserStack('retention-review');
const { newPage, shoot, signIn, api, login, eventually } = browser;

/** A requisition rejected through its process, then aged: it ended 8 years ago. */
async function oldRejectedRequisition(title: string): Promise<{ id: string; number: string }> {
  const [requesterToken, managerToken] = (await Promise.all(['requester', 'manager'].map(login))) as [string, string];
  const created = await api('POST', '/requisitions', requesterToken, { title, purpose: 'daily_operations', lines: [{ description: 'Shelf', quantity: '2', unit: 'each', unitPrice: '40.00' }] });
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

/** The inbox row of a task, reloading until it has arrived. */
async function taskRow(page: Page, taskId: string) {
  const row = page.locator(`tr[data-task-id="${taskId}"]`);
  await eventually(async () => {
    if ((await row.count()) > 0) return true;
    await page.reload();
    return undefined;
  }, `task ${taskId} in the inbox`);
  return row;
}

const isoDay = (date: Date) => date.toISOString().slice(0, 10);

describe('a retention review in the browser', { timeout: 150_000 }, () => {
  test('a records manager starts a review, disposes one record and extends another, and reads the tombstone', async () => {
    const disposed = await oldRejectedRequisition('Shelving for the old plant');
    const extended = await oldRejectedRequisition('Racking for the old warehouse');
    const [managerToken, requesterToken] = (await Promise.all(['records_manager', 'requester'].map(login))) as [string, string];

    // The records manager starts a review now from the report's page; its page waits for the workflow to write it.
    const page = await newPage();
    await signIn(page, 'records_manager');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Retention reviews' }).click();
    await page.waitForURL((url) => url.pathname === '/retention/reviews');
    await page.getByRole('button', { name: 'Start a review now' }).click();
    await page.waitForURL((url) => /^\/retention\/reviews\/[0-9a-f-]{36}$/.test(url.pathname));
    const reviewId = page.url().split('/').at(-1)!.split('?')[0]!;
    const reviewNumber = (await page.getByTestId('review-number').textContent({ timeout: 30_000 }))!.trim();

    // Its batch reaches the records manager as one task: both records, nothing else.
    const task = await eventually(async () => {
      const { body } = await api('GET', '/tasks?status=open&kind=retention_review', managerToken);
      return (body.items as { id: string; details: { reviewId: string; records: { recordId: string }[] } }[]).find((item) => item.details.reviewId === reviewId);
    }, 'the review task', 45_000);
    expect(task.details.records.map((record) => record.recordId).sort()).toEqual([disposed.id, extended.id].sort());

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Inbox' }).click();
    await page.waitForURL((url) => url.pathname === '/inbox');
    await (await taskRow(page, task.id)).getByRole('button', { name: 'Record the decisions' }).click();
    const dialog = page.getByRole('dialog');
    const form = dialog.getByTestId('retention-review-form');
    const rowOf = (number: string) => form.getByRole('row', { name: new RegExp(number) });
    await expect.poll(() => form.getByTestId('retention-summary').textContent()).toBe('2 without a decision of 2 records');
    expect(await rowOf(disposed.number).textContent()).toMatch(/Requisition.*8 years/);

    // Nothing decided: the API's refusal stands at the bulk choice.
    await dialog.getByRole('button', { name: 'Record the decisions' }).click();
    await form.getByRole('alert').filter({ hasText: 'every record needs a decision: 2 have none' }).waitFor();

    // "Extend all…" asks for the date next: the cursor is there, the rows follow it.
    await form.getByRole('button', { name: 'Extend all…' }).click();
    await expect.poll(() => form.getByLabel('Keep all until').evaluate((input) => input === input.ownerDocument.activeElement)).toBe(true);
    await expect.poll(() => form.getByTestId('retention-summary').textContent()).toBe('2 to extend of 2 records');
    expect(await form.getByRole('alert').count()).toBe(0);
    await shoot(page, 'task-form-extend-all');

    // Dispose all, then the second record extended on its own row: the first follows "all", the second is a decision of its own.
    await form.getByRole('button', { name: 'Dispose all' }).click();
    await expect.poll(() => form.getByTestId('retention-summary').textContent()).toBe('2 to dispose of 2 records');
    await rowOf(extended.number).getByRole('radio', { name: 'Extend' }).check();
    const until = isoDay(new Date(Date.now() + 2 * 365 * 86_400_000));
    await rowOf(extended.number).getByLabel('Keep until').fill(until);
    await rowOf(extended.number).getByLabel('Reason').fill('Warranty claim on the racking still open');
    await expect.poll(() => form.getByTestId('retention-summary').textContent()).toBe('1 to dispose, 1 to extend of 2 records');
    expect(await form.getByRole('alert').count()).toBe(0);
    await shoot(page, 'task-form');

    // Meanwhile a legal hold covers the first record: disposing it on its row is refused at that row.
    const hold = await api('POST', '/retention/holds', managerToken, { recordClass: 'requisition', recordId: disposed.id, reason: 'Landlord dispute' });
    expect(hold.status, JSON.stringify(hold.body)).toBe(201);
    // Dispose is already chosen there (as all): a click makes it the row's own decision.
    await rowOf(disposed.number).getByRole('radio', { name: 'Dispose' }).click();
    expect(await rowOf(disposed.number).textContent()).not.toMatch(/as all/);
    await dialog.getByRole('button', { name: 'Record the decisions' }).click();
    await rowOf(disposed.number).locator('.field-error').filter({ hasText: `${disposed.number} cannot be disposed: a legal hold` }).waitFor();
    expect(await rowOf(extended.number).locator('.field-error').count()).toBe(0);
    await shoot(page, 'task-form-refused');

    // The hold is released; the row follows "all" again (dispose), and the decisions are recorded.
    expect((await api('POST', `/retention/holds/${hold.body.id}/release`, managerToken, { reason: 'Settled' })).status).toBe(200);
    await rowOf(disposed.number).getByRole('button', { name: `Undo the choice on ${disposed.number}` }).click();
    await expect.poll(() => form.getByTestId('retention-summary').textContent()).toBe('1 to dispose, 1 to extend of 2 records');
    await dialog.getByRole('button', { name: 'Record the decisions' }).click();
    await page.getByTestId('outcome').waitFor();
    expect(await dialog.isVisible()).toBe(false);

    // The review's page: one disposed with its tombstone, one extended to the date given.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Retention reviews' }).click();
    await page.getByTestId('reviews-table').getByRole('link', { name: reviewNumber }).click();
    await page.waitForURL((url) => url.pathname === `/retention/reviews/${reviewId}`);
    const items = page.getByTestId('review-items');
    await eventually(async () => {
      const [first, second] = await Promise.all([disposed, extended].map((record) => items.getByRole('row', { name: new RegExp(record.number) }).textContent()));
      if (first?.includes('Disposed') && second?.includes('Extended')) return true;
      await page.reload();
      return undefined;
    }, 'the decisions carried out', 45_000);
    expect(await items.getByRole('row', { name: new RegExp(extended.number) }).textContent()).toMatch(/Extend until .*Warranty claim on the racking still open/);
    const tombstones = page.getByTestId('review-tombstones');
    expect(await tombstones.getByRole('row').count()).toBe(2); // header and one tombstone
    const tombstone = await tombstones.getByRole('row', { name: new RegExp(disposed.number) }).textContent();
    expect(tombstone).toMatch(/Requisition/);
    expect(tombstone).toMatch(/Rosa Ruiz/);
    expect(tombstone).toMatch(/Anonymised: title/);
    expect(await page.getByTestId('review-counts').textContent()).toMatch(/1 disposed, 1 extended/);
    await shoot(page, 'review-page');

    // The report lists it with its counts.
    await page.getByRole('link', { name: '← Retention reviews' }).click();
    const listed = await page.getByTestId('reviews-table').getByRole('row', { name: new RegExp(reviewNumber) }).textContent();
    expect(listed).toMatch(/By Rosa Ruiz/);
    expect(listed).toMatch(/1 disposed\s*1 extended/);
    await shoot(page, 'reviews');

    // Disposed: the title is anonymised, the number kept; the extended one is untouched.
    expect((await api('GET', `/requisitions/${disposed.id}`, requesterToken)).body.title).toBe(`Requisition ${disposed.number} (disposed)`);
    expect((await api('GET', `/requisitions/${extended.id}`, requesterToken)).body.title).toBe('Racking for the old warehouse');
  });
});
