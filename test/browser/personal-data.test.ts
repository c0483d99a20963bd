import { describe, expect, test } from 'vitest';
import { useBrowserStack } from '../support/browser.ts';

/**
 * Personal-data requests in Chromium (SPEC 4.4, GDPR Art. 15 and 17): a
 * records manager downloads a supplier contact's access export, files an
 * erasure request, approves it in the inbox, and reads its answer on the
 * page. Real API, database, worker and Temporal server.
 */
const browser = useBrowserStack('personal-data');
const { newPage, shoot, signIn, api, login, eventually } = browser;

describe('personal data in the browser', () => {
  test('a records manager exports a supplier contact, files an erasure, approves it in the inbox and reads the answer', async () => {
    const buyer = await login('buyer');
    const created = await api('POST', '/suppliers', buyer, { name: 'Browser Contact GmbH', email: 'orders@browser-contact.example', paymentTermsDays: 30, contactName: 'Bea Browser', phone: '+49 89 555 0101', address: 'Fensterweg 1, München' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const supplierId = created.body.id as string;

    const page = await newPage();
    await signIn(page, 'records_manager');
    await page.getByRole('link', { name: 'Personal data' }).click();
    await page.waitForURL((url) => url.pathname === '/personal-data');

    // Access export: a JSON file with the contact's data, opened from its encrypted form.
    await page.getByTestId('export-form').getByLabel('Person').selectOption(`supplier_contact:${supplierId}`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download JSON' }).click()]);
    expect(download.suggestedFilename()).toBe(`personal-data-supplier_contact-${supplierId}.json`);
    const stream = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const exported = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { person: Record<string, unknown> };
    expect(exported.person).toMatchObject({ contactName: 'Bea Browser', phone: '+49 89 555 0101', address: 'Fensterweg 1, München' });

    const form = page.getByTestId('erase-form');
    await form.getByLabel('Person').selectOption(`supplier_contact:${supplierId}`);
    await form.getByLabel('Reason').fill('The contact asked by phone on leaving the company');
    await shoot(page, 'file-erasure');
    await form.getByRole('button', { name: 'File erasure request' }).click();
    await page.getByRole('status').filter({ hasText: 'Erasure request for Bea Browser at Browser Contact GmbH filed' }).waitFor();
    const table = page.getByTestId('erasure-requests-table');
    await expect.poll(() => table.getByRole('row', { name: /Bea Browser/ }).textContent()).toMatch(/Awaiting approval/);

    // The approval is an inbox task like any other, once the request's process has opened it (the page is opened after, not raced).
    const records = await login('records_manager');
    await eventually(async () => {
      const { body } = await api('GET', '/tasks?status=open&kind=erasure_approval', records);
      return (body.items as unknown[]).length > 0 ? true : undefined;
    }, 'the erasure approval task');
    await page.getByRole('link', { name: 'Inbox' }).first().click();
    await page.waitForURL((url) => url.pathname === '/inbox');
    const row = page.locator('tr', { hasText: 'Erase a supplier contact' });
    await row.first().waitFor();
    await shoot(page, 'inbox');
    await row.first().getByRole('button', { name: 'Approve' }).click();

    const request = await eventually(async () => {
      const { body } = await api('GET', '/personal-data/erasure-requests', records);
      const found = (body.items as { personId: string; status: string; answer: string | null }[]).find((item) => item.personId === supplierId);
      return found?.status === 'erased' ? found : undefined;
    }, 'the erasure carried out');
    expect(request.answer).toMatch(/Erased/);

    await page.goto(`${browser.stack.url}/personal-data`);
    const erasedRow = page.getByTestId('erasure-requests-table').getByRole('row', { name: /Contact at Browser Contact GmbH/ });
    await expect.poll(() => erasedRow.textContent()).toMatch(/Erased.*contact person, e-mail, phone and address are replaced/);
    await shoot(page, 'answered');
  });
});
