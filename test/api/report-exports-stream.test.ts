import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { eq, sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { startHttpServer, type HttpServer } from '../../api/server.ts';
import { openProjectRecords, rows as queryRows } from '../../db/queries/reports.ts';
import { auditLog } from '../../db/schema/index.ts';
import { loadReportsData, reportsDataSize } from '../../scripts/bench/reports-data.ts';
import { createTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

/** Pages of 7: a project of a hundred-odd records spans many pages, and page ends fall inside runs of records sharing a date and a type. */
const PAGE_SIZE = 7;
const types = ['Requisition', 'Purchase order', 'Goods receipt', 'Invoice', 'Credit note'];

interface Download {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The chunked body ended with its last chunk (false: the connection was broken off). */
  complete: boolean;
}

/**
 * Exports that stream (issue #16): the project details report over real
 * HTTP, its records read through a cursor in pages of 7, each page read
 * counted (and, where a test says so, slowed or failed). A small year of
 * bench data is loaded with SQL, and the project's records are moved onto
 * three days so that many share a date and a type.
 */
describe('report exports stream', () => {
  let database: TestDatabase;
  let api: TestApi;
  let http: HttpServer;
  let app: ReturnType<typeof createApp>;
  let token: string;
  let projectId: string;
  const range = (() => {
    const today = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
    return `from=${from}&to=${today}`;
  })();
  /** The project's records as the database holds them, in the report's order: (date, type, number), compared as code points. */
  let expected: { type: string; number: string; date: string }[] = [];
  const reads = { count: 0, delayMs: 0, failAt: 0 };

  const path = (format?: string) => `/api/v1/reports/project-details?${range}&projectId=${projectId}${format ? `&format=${format}` : ''}`;

  /** A GET over HTTP; `abortAfterFirstChunk` hangs up as soon as the first bytes of the body arrive. */
  const download = (target: string, options: { abortAfterFirstChunk?: boolean } = {}) =>
    new Promise<Download>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: http.port, path: target, headers: { authorization: `Bearer ${token}` } }, (res) => {
        const chunks: Buffer[] = [];
        const done = () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), complete: res.complete });
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          if (options.abortAfterFirstChunk) {
            req.destroy();
            done();
          }
        });
        res.on('end', done);
        res.on('error', done);
        res.on('close', done);
      });
      req.on('error', (error) => (options.abortAfterFirstChunk ? undefined : reject(error)));
      req.end();
    });

  beforeAll(async () => {
    database = await createTestDatabase();
    api = await createTestApi({}, { database });
    await loadReportsData(database.db, reportsDataSize(0.02));
    const [project] = await queryRows<{ id: string }>(database.db, sql`select id::text as id from projects where code = 'BP-1'`);
    projectId = project!.id;
    // The project's records onto three recent days (UTC), by their number: long runs of one date and type, ordered by number within.
    const day = (k: string) => sql`((now() at time zone 'UTC')::date - 2 - (${sql.raw(k)}) % 3)`;
    const at = (k: string) => sql`(${day(k)}::timestamp at time zone 'UTC' + interval '5 hours')`;
    const ofProject = sql`(select id from requisitions where project_id = ${projectId})`;
    const digits = (column: string) => `regexp_replace(${column}, '\\D', '', 'g')::int`;
    await database.db.execute(sql`update requisitions set submitted_at = ${at(digits('number'))}, created_at = ${at(digits('number'))} where project_id = ${projectId}`);
    await database.db.execute(sql`update purchase_orders set issued_at = ${at(digits('number'))} where requisition_id in ${ofProject}`);
    await database.db.execute(sql`update goods_receipts set received_at = ${at(digits('number'))} where purchase_order_id in (select id from purchase_orders where requisition_id in ${ofProject})`);
    await database.db.execute(sql`update invoices set invoice_date = ${day(digits('number'))} where purchase_order_id in (select id from purchase_orders where requisition_id in ${ofProject})`);
    // What the report must list, read apart from the report's own query.
    const held = await queryRows<{ type: string; number: string; date: string }>(
      database.db,
      sql`select 'Requisition' as type, r.number, (coalesce(r.submitted_at, r.created_at) at time zone 'UTC')::date::text as date from requisitions r where r.project_id = ${projectId} and r.number is not null
        union all select 'Purchase order', po.number, (po.issued_at at time zone 'UTC')::date::text from purchase_orders po where po.requisition_id in ${ofProject} and po.issued_at is not null
        union all select 'Goods receipt', g.number, (g.received_at at time zone 'UTC')::date::text from goods_receipts g join purchase_orders po on po.id = g.purchase_order_id where po.requisition_id in ${ofProject}
        union all select case when i.kind = 'credit_note' then 'Credit note' else 'Invoice' end, i.number, i.invoice_date::text from invoices i join purchase_orders po on po.id = i.purchase_order_id where po.requisition_id in ${ofProject}`,
    );
    const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    expected = held.sort((a, b) => compare(a.date, b.date) || compare(a.type, b.type) || compare(a.number, b.number));

    app = createApp({
      ...api.deps,
      reportPaging: {
        pageSize: PAGE_SIZE,
        idleTimeoutMs: 30_000,
        // The real cursor, its page reads counted; slowed or failed where a test asks.
        open: async (db, params) => {
          const cursor = await openProjectRecords(db, params);
          return {
            next: async () => {
              reads.count += 1;
              if (reads.delayMs) await sleep(reads.delayMs);
              if (reads.count === reads.failAt) throw new Error('the database went away');
              return cursor.next();
            },
            close: () => cursor.close(),
          };
        },
      },
    });
    http = await startHttpServer({ app, port: 0, host: '127.0.0.1' });
    token = await api.login('finance_director');
  }, 120_000);

  /** A requisition of the project, numbered, dated on the first day of the range: written behind the report's back. */
  async function addRequisitionToProject(): Promise<string> {
    const number = `REQ-LATE-${Date.now()}`;
    await database.db.execute(sql`insert into requisitions (number, requester_id, title, purpose, project_id, status, total, submitted_at)
      select ${number}, requester_id, 'Written during the export', purpose, project_id, 'submitted', 1, now() - interval '29 days' from requisitions where project_id = ${projectId} limit 1`);
    return number;
  }

  afterAll(async () => {
    await http?.close();
    await api?.close();
    await database?.drop();
  });

  beforeEach(() => {
    Object.assign(reads, { count: 0, delayMs: 0, failAt: 0 });
  });

  const pagesFor = (records: number) => Math.floor(records / PAGE_SIZE) + 1;

  it('the data spans many pages, and page ends fall inside runs of one date and type', () => {
    expect(expected.length).toBeGreaterThan(PAGE_SIZE * 10);
    expect(new Set(expected.map((record) => record.type))).toEqual(new Set(['Requisition', 'Purchase order', 'Goods receipt', 'Invoice']));
    const splitRuns = expected.filter((record, index) => index > 0 && index % PAGE_SIZE === 0 && record.date === expected[index - 1]!.date && record.type === expected[index - 1]!.type);
    expect(splitRuns.length).toBeGreaterThan(3);
  });

  it('JSON: every record once, in order, read through the same pages', async () => {
    const answer = await download(path());
    expect(answer.status).toBe(200);
    const rows = (JSON.parse(answer.body.toString('utf8')) as { sections: { key: string; rows: Record<string, unknown>[] }[] }).sections[0]!.rows;
    expect(rows.map((row) => ({ type: row.type, number: row.number, date: row.date }))).toEqual(expected);
    expect(Object.keys(rows[0]!)).toEqual(['type', 'number', 'date', 'status', 'supplier', 'reference', 'amount']);
    expect(reads.count).toBe(pagesFor(expected.length));
  });

  it('CSV: chunked with no length, every record once and in order across the pages, stamped and audited once', async () => {
    const before = await database.db.select().from(auditLog).where(eq(auditLog.action, 'report.exported'));
    const file = await download(path('csv'));
    expect(file.status).toBe(200);
    expect(file.complete).toBe(true);
    expect(file.headers['content-length']).toBeUndefined();
    expect(file.headers['transfer-encoding']).toBe('chunked');
    expect(file.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(reads.count).toBe(pagesFor(expected.length));
    const lines = file.body.toString('utf8').split('\r\n');
    expect(lines.slice(0, 3)).toEqual([
      'Report,Project details',
      expect.stringMatching(/^Filters,"\d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}; project BP-1 Bench project 1"$/),
      expect.stringMatching(/^Exported,\d{4}-\d{2}-\d{2}T[^,]+ by Fiona Finch$/),
    ]);
    expect(lines.slice(3, 6)).toEqual(['', '"Requisitions, orders, receipts and invoices"', 'Record,Number,Date,Status,Supplier,Reference,Amount']);
    // Bench names and numbers hold no comma or quote: a plain split reads them.
    const records = lines.slice(6, -1).map((line) => line.split(','));
    expect(lines.at(-1)).toBe('');
    expect(records.map(([type, number, date]) => ({ type, number, date }))).toEqual(expected);
    for (const record of records) expect(record[6]).toMatch(/^\d+\.\d{2}$/);
    const after = await database.db.select().from(auditLog).where(eq(auditLog.action, 'report.exported'));
    const added = after.filter((entry) => !before.some((old) => old.id === entry.id));
    expect(added).toHaveLength(1);
    // How many rows is not known when the file starts (they are read as it is written): null, not a guess.
    expect(added[0]!.after).toMatchObject({ format: 'csv', rows: null, filters: { projectId } });
  });

  it('XLSX: typed cells (dates, money with its format), every record once and in order, the stamp sheet and a frozen header', async () => {
    const file = await download(path('xlsx'));
    expect(file.status).toBe(200);
    expect(file.headers['content-length']).toBeUndefined();
    expect(file.headers['transfer-encoding']).toBe('chunked');
    expect(reads.count).toBe(pagesFor(expected.length));
    const json = JSON.parse((await download(path())).body.toString('utf8')) as { sections: { rows: { amount: string; status: string }[] }[] };
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(file.body as unknown as ArrayBuffer);
    const about = workbook.getWorksheet('About')!;
    expect(about.getCell('B1').value).toBe('Project details');
    expect(about.getCell('B2').value).toMatch(/project BP-1 Bench project 1$/);
    expect(about.getCell('B3').value).toMatch(/by Fiona Finch$/);
    const sheet = workbook.worksheets[1]!;
    expect(sheet.name).toBe('Requisitions, orders, receipts ');
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheet.getRow(1).values).toEqual([undefined, 'Record', 'Number', 'Date', 'Status', 'Supplier', 'Reference', 'Amount']);
    expect(sheet.getRow(1).font).toMatchObject({ bold: true });
    expect(sheet.rowCount).toBe(expected.length + 1);
    const read = sheet.getRows(2, expected.length)!.map((row) => {
      const date = row.getCell(3);
      const amount = row.getCell(7);
      expect(date.type).toBe(ExcelJS.ValueType.Date);
      expect(date.numFmt).toBe('yyyy-mm-dd');
      expect(amount.type).toBe(ExcelJS.ValueType.Number);
      expect(amount.numFmt).toBe('#,##0.00');
      expect(row.getCell(2).type).toBe(ExcelJS.ValueType.String);
      return { type: row.getCell(1).value, number: row.getCell(2).value, date: (date.value as Date).toISOString().slice(0, 10), status: row.getCell(4).value, amount: amount.value };
    });
    expect(read.map(({ type, number, date }) => ({ type, number, date }))).toEqual(expected);
    expect(read.map(({ status, amount }) => ({ status, amount }))).toEqual(json.sections[0]!.rows.map((row) => ({ status: row.status, amount: Number(row.amount) })));
  });

  it('PDF: every record once and in order across the pages, stamped', async () => {
    const file = await download(path('pdf'));
    expect(file.status).toBe(200);
    expect(file.headers['content-length']).toBeUndefined();
    expect(file.headers['transfer-encoding']).toBe('chunked');
    expect(reads.count).toBe(pagesFor(expected.length));
    const dir = mkdtempSync(join(tmpdir(), 'report-stream-'));
    writeFileSync(join(dir, 'r.pdf'), file.body);
    const text = execFileSync('pdftotext', ['-layout', join(dir, 'r.pdf'), '-']).toString();
    expect(text).toContain('Project details');
    expect(text).toContain('by Fiona Finch');
    const record = new RegExp(`^\\s*(${types.join('|')})\\s{2,}(\\S+)\\s+(\\d{4}-\\d{2}-\\d{2})`);
    const listed = text.split('\n').flatMap((line) => {
      const match = record.exec(line);
      return match ? [{ type: match[1]!, number: match[2]!, date: match[3]! }] : [];
    });
    expect(listed).toEqual(expected);
  });

  it('nothing is read ahead: while the reader takes nothing, no page is read; reading on reads the rest', async () => {
    for (const format of ['csv', 'xlsx', 'pdf']) {
      reads.count = 0;
      // In process (the app's own Response): no socket buffers between the body and this reader.
      const response = await app.request(path(format), { headers: { authorization: `Bearer ${token}` } });
      expect(response.status, format).toBe(200);
      const reader = response.body!.getReader();
      expect((await reader.read()).done, format).toBe(false);
      await sleep(200);
      const held = reads.count;
      // The first page is read before the answer; the zip may take a page or two more before its first bytes.
      expect(held, format).toBeLessThanOrEqual(3);
      await sleep(300);
      expect(reads.count, format).toBe(held);
      while (!(await reader.read()).done);
      expect(reads.count, format).toBe(pagesFor(expected.length));
    }
  });

  it('a client that hangs up after the first bytes stops the page reads', async () => {
    for (const format of ['csv', 'xlsx', 'pdf']) {
      Object.assign(reads, { count: 0, delayMs: 40 });
      const file = await download(path(format), { abortAfterFirstChunk: true });
      expect(file.status, format).toBe(200);
      const atHangUp = reads.count;
      await sleep(600);
      // The read under way when the client left may finish; none starts after it.
      expect(reads.count, format).toBeLessThanOrEqual(atHangUp + 1);
      expect(reads.count, format).toBeLessThan(pagesFor(expected.length) / 2);
    }
    // The server is still well: the next export is whole.
    reads.delayMs = 0;
    expect((await download(path('csv'))).complete).toBe(true);
  });

  it('the cursor reads one snapshot: a record written between pages is not in the file', async () => {
    const cursor = await openProjectRecords(database.db, { scope: { from: range.slice(5, 15), to: range.slice(-10), projectId, requesterIds: null }, pageSize: PAGE_SIZE, idleTimeoutMs: 30_000 });
    const first = await cursor.next();
    expect(first).toHaveLength(PAGE_SIZE);
    // Written while the cursor is open (another connection on PostgreSQL; on PGlite, after the export: one connection).
    const late = database.kind === 'postgres' ? await addRequisitionToProject() : null;
    const seen = [...first];
    for (let page = await cursor.next(); page.length; page = await cursor.next()) seen.push(...page);
    await cursor.close();
    expect(seen.map((row) => ({ type: row.type, number: row.number, date: row.date }))).toEqual(expected);
    if (late) {
      expect(seen.some((row) => row.number === late)).toBe(false);
      await database.db.execute(sql`delete from requisitions where number = ${late}`);
    }
  });

  it('a reader that stalls past the idle timeout loses its cursor (no connection pinned by a stalled client)', async () => {
    const cursor = await openProjectRecords(database.db, { scope: { from: range.slice(5, 15), to: range.slice(-10), projectId, requesterIds: null }, pageSize: PAGE_SIZE, idleTimeoutMs: 150 });
    expect(await cursor.next()).toHaveLength(PAGE_SIZE);
    await sleep(400);
    await expect(cursor.next()).rejects.toThrow(/asked for nothing for 150 ms/);
    await cursor.close();
    // The database is free: a query runs at once.
    expect(await queryRows(database.db, sql`select 1 as one`)).toEqual([{ one: 1 }]);
  });

  it('a query failing mid-file breaks the answer off (no clean ending); failing on the first page is an error answer', async () => {
    for (const format of ['csv', 'xlsx', 'pdf']) {
      Object.assign(reads, { count: 0, failAt: 4 });
      const broken = await download(path(format));
      expect(broken.status, format).toBe(200);
      expect(broken.complete, format).toBe(false);
      expect(broken.body.toString('latin1'), format).not.toContain('database went away');
      expect(reads.count, format).toBe(4);
    }
    Object.assign(reads, { count: 0, failAt: 0 });
    expect((await download(path('csv'))).complete).toBe(true);
    Object.assign(reads, { count: 0, failAt: 1 });
    const failed = await download(path('csv'));
    expect(failed.status).toBe(500);
    expect(failed.headers['content-type']).toBe('application/problem+json');
  });
});
