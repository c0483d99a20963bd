import { readFile } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import { useBrowserStack } from '../support/browser.ts';

/**
 * The auditor's workspace in Chromium: search a process by its number, read
 * its merged timeline (business entries and the engine's history), download
 * the CSV export and open the printable version, on the real API, database,
 * worker and Temporal server.
 */
const browser = useBrowserStack('audit');
const { newPage, shoot, signIn, api, login, eventually } = browser;

/** RFC 4180: quoted fields may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') endField();
    else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      endField();
      rows.push(row);
      row = [];
    } else field += char;
  }
  if (field !== '' || row.length) {
    endField();
    rows.push(row);
  }
  return rows;
}

/** A requisition created and submitted by the requester, approved by the manager, all through the API. */
async function approvedRequisition(title: string): Promise<{ id: string; number: string; workflowId: string }> {
  const requesterToken = await login('requester');
  const managerToken = await login('manager');
  const created = await api('POST', '/requisitions', requesterToken, {
    title,
    purpose: 'daily_operations',
    lines: [{ description: `${title}, one lot`, quantity: '1', unit: 'lot', unitPrice: '212.40' }],
  });
  expect(created.status).toBe(201);
  const submitted = await api('POST', `/requisitions/${created.body.id}/submit`, requesterToken);
  expect(submitted.status).toBe(202);
  const task = await eventually(async () => {
    const { body } = await api('GET', `/tasks?subjectId=${created.body.id}`, managerToken);
    return (body.items as { id: string; status?: string }[]).find((item) => item.status === undefined || item.status === 'open');
  }, 'the manager task');
  const completed = await api('POST', `/tasks/${task.id}/complete`, managerToken, { action: 'approve' });
  expect(completed.status).toBe(200);
  await eventually(
    async () => ((await api('GET', `/requisitions/${created.body.id}`, requesterToken)).body.status === 'approved' ? true : undefined),
    'the requisition approved',
  );
  return { id: created.body.id, number: submitted.body.number, workflowId: submitted.body.workflowId };
}

describe('the audit workspace in the browser', { timeout: 90_000 }, () => {
  test('an auditor finds an approved requisition, reads its timeline, exports the CSV and prints it', async () => {
    const { id, number, workflowId } = await approvedRequisition('Torque wrench for assembly line 2');

    const auditor = await newPage();
    await signIn(auditor, 'auditor');
    await auditor.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).click();
    await auditor.waitForURL((url) => url.pathname === '/audit');
    const banner = auditor.getByTestId('audit-verification');
    expect(await banner.getAttribute('data-verified')).toBe('true');
    expect(await banner.textContent()).toMatch(/Audit chain verified: [\d,]+ entries, at/);

    await auditor.getByLabel('Document number').fill(number);
    await auditor.getByRole('button', { name: 'Search' }).click();
    await auditor.waitForURL((url) => url.searchParams.get('number') === number);
    const rows = auditor.getByTestId('audit-results').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    const row = rows.first();
    expect(await row.textContent()).toContain('Torque wrench for assembly line 2');
    expect(await row.textContent()).toContain('Rita Reyes');
    expect(await row.locator('[data-status="approved"]').count()).toBe(1);
    await shoot(auditor, 'search');

    // A number nothing has: the list's empty state says so and offers the way back.
    await auditor.getByLabel('Document number').fill('REQ-1999-99999');
    await auditor.getByRole('button', { name: 'Search' }).click();
    await auditor.getByRole('heading', { name: 'No process matches' }).waitFor();
    await shoot(auditor, 'search-empty');
    await auditor.getByRole('link', { name: 'Clear all filters' }).click();
    await auditor.waitForURL((url) => url.search === '');
    await auditor.getByLabel('Document number').fill(number);
    await auditor.getByRole('button', { name: 'Search' }).click();
    await auditor.waitForURL((url) => url.searchParams.get('number') === number);
    await expect.poll(() => rows.count()).toBe(1);

    await row.getByRole('link', { name: number }).click();
    await auditor.waitForURL((url) => url.pathname === `/audit/processes/${workflowId}`);
    const timeline = auditor.getByTestId('process-timeline');
    await timeline.waitFor();
    const submittedEntry = timeline.locator('[data-type="requisition.submitted"]');
    expect(await submittedEntry.count()).toBe(1);
    expect(await submittedEntry.textContent()).toContain('Rita Reyes');
    const approvals = timeline.locator('[data-source="audit"]', { hasText: 'Marco Meyer' }).filter({ hasText: /approve/i });
    expect(await approvals.count()).toBeGreaterThan(0);
    expect(await timeline.locator('[data-source="engine"]').count()).toBeGreaterThan(0);
    await shoot(auditor, 'timeline');

    // Only the business entries: the engine's are filtered out, and the count says so.
    await auditor.getByRole('navigation', { name: 'Source' }).getByRole('link', { name: 'Business' }).click();
    await auditor.waitForURL((url) => url.searchParams.get('source') === 'audit');
    await expect.poll(() => timeline.locator('[data-source="engine"]').count()).toBe(0);
    expect(await auditor.getByTestId('timeline-count').textContent()).toMatch(/\d+ of \d+ entries/);
    await auditor.getByRole('navigation', { name: 'Source' }).getByRole('link', { name: 'All' }).click();
    await auditor.waitForURL((url) => !url.searchParams.has('source'));

    const [download] = await Promise.all([auditor.waitForEvent('download'), auditor.getByTestId('export-history-csv').click()]);
    expect(download.suggestedFilename()).toBe(`${workflowId}-history.csv`);
    const [header, ...entries] = parseCsv(await readFile(await download.path(), 'utf8')).filter((cells) => cells.some((cell) => cell !== ''));
    expect(header).toEqual(['exported_at', 'chain_verified', 'at', 'source', 'type', 'actor', 'on_behalf_of', 'detail']);
    expect(entries.length).toBeGreaterThan(2);
    for (const entry of entries) expect(entry).toHaveLength(header!.length);
    expect(entries.every((entry) => entry[1] === 'true')).toBe(true);
    expect(entries.some((entry) => entry[4] === 'requisition.submitted')).toBe(true);
    expect(entries.some((entry) => entry[3] === 'audit' && entry[5] === 'Marco Meyer' && /approve/i.test(`${entry[4]} ${entry[7]}`))).toBe(true);

    await auditor.getByRole('link', { name: 'Print' }).click();
    await auditor.waitForURL((url) => url.pathname === `/audit/processes/${workflowId}/print`);
    const sheet = auditor.getByTestId('print-sheet');
    await sheet.waitFor();
    expect(await auditor.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
    expect(await sheet.textContent()).toContain(number);
    expect(await auditor.getByTestId('print-verification').textContent()).toContain('Audit chain verified');
    expect(await sheet.locator('tbody tr').count()).toBe(entries.length);
    await shoot(auditor, 'print');
    await auditor.emulateMedia({ media: 'print' });
    await shoot(auditor, 'print-media');
    await auditor.context().close();

    // The requester reaches the same history from the requisition page; a colleague who may not read it gets the not-found page.
    const requester = await newPage();
    await signIn(requester, 'requester');
    expect(await requester.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).count()).toBe(0);
    await requester.goto(`${browser.stack.url}/requisitions/${id}`);
    await requester.getByRole('link', { name: 'History' }).click();
    await requester.waitForURL((url) => url.pathname === `/audit/processes/${workflowId}`);
    await requester.getByTestId('process-timeline').waitFor();
    await requester.context().close();

    const colleague = await newPage();
    await signIn(colleague, 'engineer');
    const response = await colleague.goto(`${browser.stack.url}/audit/processes/${workflowId}`);
    expect(response?.status()).toBe(404);
    await colleague.getByRole('heading', { name: 'Page not found' }).waitFor();
    await colleague.context().close();
  });
});
