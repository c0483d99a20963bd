import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../support/api.ts';

/** A minimal RFC 4180 reader: the cells as a spreadsheet would read them. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const endCell = () => {
    row.push(cell);
    cell = '';
  };
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i]!;
    if (quoted && char === '"' && text[i + 1] === '"') {
      cell += '"';
      i += 1;
    } else if (char === '"') {
      quoted = !quoted;
    } else if (!quoted && char === ',') {
      endCell();
    } else if (!quoted && char === '\r' && text[i + 1] === '\n') {
      endCell();
      rows.push(row);
      row = [];
      i += 1;
    } else {
      cell += char;
    }
  }
  return rows;
}

const FORMULA = /^[=+\-@\t\r\n＝＋－＠]/;

/**
 * Spreadsheet formula injection in every CSV export: a requisition titled
 * =HYPERLINK(...) by a requester whose name is a formula must reach the
 * auditor's exports as text, per OWASP (a leading quote), in every cell.
 */
describe('CSV exports never carry a live formula', () => {
  let api: TestApi;
  let auditor: string;
  let workflowId: string;
  const title = '=HYPERLINK("http://x","y")';
  const name = '@SUM(1+1)*cmd|\' /C calc\'!A0';

  beforeAll(async () => {
    api = await createTestApi();
    const admin = await api.login('admin');
    auditor = await api.login('auditor');
    const person = await api.request('POST', '/users', { token: admin, body: { email: 'formula@example.com', name, password: 'a-long-password-1', roles: ['requester'], managerId: await api.userId('manager') } });
    expect(person.status).toBe(201);
    const requester = await api.login('formula@example.com', 'a-long-password-1');
    const created = await api.request('POST', '/requisitions', { token: requester, body: { title, purpose: 'daily_operations', lines: [{ description: '+1 lot;=1+1', quantity: '1', unitPrice: '10' }] } });
    expect(created.status).toBe(201);
    const submitted = await api.request('POST', `/requisitions/${created.body.id}/submit`, { token: requester, body: {} });
    expect(submitted.status).toBe(202);
    workflowId = submitted.body.workflowId as string;
  });
  afterAll(async () => api?.close());

  const exports = () => [`/processes?format=csv&q=${encodeURIComponent('HYPERLINK')}`, `/processes/${workflowId}/history?format=csv`];

  it.each([0, 1])('export %#: every cell that would start a formula starts with a quote instead', async (which) => {
    const response = await api.request('GET', exports()[which]!, { token: auditor });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows = readCsv(response.body as string);
    expect(rows.length).toBeGreaterThan(1);
    const cells = rows.flat();
    for (const cell of cells) expect(cell, cell).not.toMatch(FORMULA);
    // The hostile text is all there, as text.
    if (which === 0) expect(cells).toEqual(expect.arrayContaining([`'${title}`, `'${name}`]));
    else expect(cells).toContain(`'${name}`);
  });
});
