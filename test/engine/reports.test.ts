import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { eq, inArray, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditLog, requisitions, tasks } from '../../db/schema/index.ts';
import { orderFixtures, type FixtureOrder } from '../support/orders.ts';
import { useProcessFixture } from '../support/process-fixture.ts';

interface Section {
  key: string;
  columns: { key: string; type: string }[];
  rows: Record<string, string | number | null>[];
  totals: Record<string, string | number | null> | null;
}
interface Report {
  report: string;
  scope: string | null;
  filters: Record<string, string>;
  sections: Section[];
}

const year = new Date().getUTCFullYear();
const today = () => new Date().toISOString().slice(0, 10);
const month = today().slice(0, 7);
const range = `from=${year}-01-01&to=${year}-12-31`;

/**
 * The reports on data made through the processes (issue #16): requisitions
 * approved, orders issued, goods received, invoices matched and approved,
 * budgets set over the API; then each report's figures against what these
 * records make by hand. Only the waiting times are set by SQL afterwards,
 * so that the percentiles have known inputs.
 */
describe('reports and budgets', () => {
  const fx = useProcessFixture(['requester', 'manager', 'buyer', 'warehouse', 'accountant', 'admin', 'auditor', 'finance_director']);
  const { token } = fx;
  const get = (who: string, path: string) => fx.api.request('GET', path, { token: token[who] });
  const report = async (name: string, query = range, who = 'finance_director') => {
    const response = await get(who, `/reports/${name}?${query}`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body as Report;
  };
  const section = (r: Report, key: string) => r.sections.find((s) => s.key === key)!;
  const data: { supplierA: string; supplierB: string; projectId: string; order1: FixtureOrder; order2: FixtureOrder; pending: string; steps: string[] } = {} as never;

  beforeAll(async () => {
    const orders = orderFixtures(fx.api, fx.h, { requester: token.requester!, manager: token.manager!, buyer: token.buyer!, warehouse: token.warehouse! });
    const newSupplier = async (name: string) => {
      const response = await fx.api.request('POST', '/suppliers', { token: token.buyer, body: { name, email: `ar@${name.toLowerCase().replaceAll(' ', '')}.example`, paymentTermsDays: 30, discountPercent: '2', discountDays: 10 } });
      expect(response.status).toBe(201);
      return (response.body as { id: string }).id;
    };
    data.supplierA = await newSupplier('Alpha Tools');
    data.supplierB = await newSupplier('Beta Parts');
    data.projectId = ((await get('requester', '/projects')).body as { items: { id: string }[] }).items[0]!.id;

    // Order 1 (Alpha, the project): 10 x 20.00 on 6100 and 4 x 50.00 on a code a spreadsheet would read as a formula; all received,
    // invoiced at 50.50 for the second line (1% over: inside the 2% tolerance, approved at once).
    data.order1 = await orders.issuedOrder({ supplierId: data.supplierA, projectId: data.projectId, lines: [{ description: 'Wrench', quantity: '10', unitPrice: '20.00', glCode: '6100' }, { description: 'Sockets', quantity: '4', unitPrice: '50.00', glCode: '=SUM(A1)' }] });
    await orders.receive(data.order1.id, ['10', '4']);
    const invoice = await fx.api.request('POST', '/invoices', {
      token: token.accountant,
      body: { supplierId: data.supplierA, invoiceNumber: 'A-1', invoiceDate: today(), purchaseOrderId: data.order1.id, lines: [{ purchaseOrderLineId: data.order1.lines[0]!.id, quantity: '10', unitPrice: '20.00' }, { purchaseOrderLineId: data.order1.lines[1]!.id, quantity: '4', unitPrice: '50.50' }], taxAmount: '20.10', total: '422.10' },
    });
    expect(invoice.status, JSON.stringify(invoice.body)).toBe(201);
    const invoiceId = (invoice.body as { id: string }).id;
    await fx.h.eventually(() => get('accountant', `/invoices/${invoiceId}`), (r) => (r.body as { status: string }).status === 'approved', 'the invoice approved', 45_000);

    // Order 2 (Beta, no project): 5 x 100.00 on 6100, issued, nothing received: all of it committed.
    data.order2 = await orders.issuedOrder({ supplierId: data.supplierB, lines: [{ description: 'Valves', quantity: '5', unitPrice: '100.00', glCode: '6100' }] });

    // A requisition approved but not yet ordered: 300.00 on 6300, committed.
    const pending = await fx.h.createRequisition(token.requester!, '300.00', { lines: [{ description: 'Cable', quantity: '1', unit: 'each', unitPrice: '300.00', glCode: '6300' }] });
    await fx.h.submit(token.requester!, pending.id);
    const approval = await fx.h.taskFor(token.manager!, pending.id);
    expect((await fx.h.decide(token.manager!, approval.id, 'approve')).status).toBe(200);
    await fx.h.waitForStatus(token.requester!, pending.id, 'approved');
    data.pending = pending.id;
    // A rejected one: counts nowhere but in the approval steps.
    const rejected = await fx.h.createRequisition(token.requester!, '70.00');
    await fx.h.submit(token.requester!, rejected.id);
    const rejection = await fx.h.taskFor(token.manager!, rejected.id);
    expect((await fx.h.decide(token.manager!, rejection.id, 'reject', 'No')).status).toBe(200);

    // Known waiting times for the four approval steps (1, 2, 3 and 10 hours) and known cycle times (submission to approval 1, 2, 3 days).
    const steps = await fx.database.db.select({ id: tasks.id, subjectId: tasks.subjectId }).from(tasks).where(eq(tasks.kind, 'requisition_approval')).orderBy(tasks.createdAt);
    expect(steps).toHaveLength(4);
    data.steps = steps.map((step) => step.id);
    for (const [index, waited] of [1, 2, 3, 10].entries()) {
      await fx.database.db.update(tasks).set({ completedAt: sql`${tasks.createdAt} + ${`${waited} hours`}::interval` }).where(eq(tasks.id, steps[index]!.id));
    }
    const approvedIds = [data.order1.requisitionId, data.order2.requisitionId, data.pending];
    for (const [index, days] of [1, 2, 3].entries()) {
      await fx.database.db.update(requisitions).set({ decidedAt: sql`${requisitions.submittedAt} + ${`${days} days`}::interval` }).where(eq(requisitions.id, approvedIds[index]!));
    }

    // Budgets: 5,000.00 on 6100 for the year (company-wide), 2,000.00 for the project for the year.
    for (const body of [{ glCode: '6100', period: String(year), amount: '5000.00' }, { projectId: data.projectId, period: String(year), amount: '2000.00' }]) {
      const response = await fx.api.request('PUT', '/budgets', { token: token.admin, body });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
    }
  }, 240_000);

  it('budgets: set by admins (audited), committed, actual and remaining computed from the records', async () => {
    const budgets = (await get('finance_director', `/budgets?year=${year}`)).body as { items: { glCode: string | null; projectId: string | null; amount: string; committed: string; actual: string; remaining: string }[] };
    const byCode = budgets.items.find((b) => b.glCode === '6100')!;
    // 6100: order 2's 500.00 still owed; order 1's 200.00 invoiced.
    expect(byCode).toMatchObject({ amount: '5000.00', committed: '500.00', actual: '200.00', remaining: '4300.00' });
    const byProject = budgets.items.find((b) => b.projectId === data.projectId)!;
    expect(byProject).toMatchObject({ amount: '2000.00', committed: '0.00', actual: '402.00', remaining: '1598.00' });
    // Setting the same scope and period again changes its amount.
    const changed = await fx.api.request('PUT', '/budgets', { token: token.admin, body: { glCode: '6100', period: String(year), amount: '5500.00' } });
    expect(changed.body).toMatchObject({ amount: '5500.00', remaining: '4800.00' });
    await fx.api.request('PUT', '/budgets', { token: token.admin, body: { glCode: '6100', period: String(year), amount: '5000.00' } });
    expect((await fx.database.db.select().from(auditLog).where(eq(auditLog.action, 'budget.set'))).length).toBe(4);
    // Bad input changes nothing: not an admin, a negative amount, a period that is none, neither project nor code.
    expect((await fx.api.request('PUT', '/budgets', { token: token.finance_director, body: { glCode: '6100', period: String(year), amount: '1.00' } })).status).toBe(403);
    expect((await fx.api.request('PUT', '/budgets', { token: token.admin, body: { glCode: '6100', period: String(year), amount: '-1.00' } })).status).toBe(400);
    expect((await fx.api.request('PUT', '/budgets', { token: token.admin, body: { glCode: '6100', period: `${year}-13`, amount: '1.00' } })).status).toBe(400);
    const neither = await fx.api.request('PUT', '/budgets', { token: token.admin, body: { period: String(year), amount: '1.00' } });
    expect(neither.status).toBe(422);
    expect((neither.body as { errors: { path: string }[] }).errors[0]!.path).toBe('projectId');
    expect((await get('requester', '/budgets')).status).toBe(403);
  });

  it('spend by GL code with budget variance', async () => {
    const r = await report('spend-by-gl');
    const spend = section(r, 'spend');
    const row = (code: string) => spend.rows.find((x) => x.glCode === code)!;
    expect(row('6100')).toMatchObject({ budget: '5000.00', committed: '500.00', actual: '200.00', remaining: '4300.00', used: 14 });
    expect(row('=SUM(A1)')).toMatchObject({ budget: null, committed: '0.00', actual: '202.00', remaining: null });
    expect(row('6300')).toMatchObject({ budget: null, committed: '300.00', actual: '0.00' });
    expect(spend.totals).toMatchObject({ budget: '5000.00', committed: '800.00', actual: '402.00' });
    // Filtered to the project: its own lines only, against the project's code budgets (none).
    const project = section(await report('spend-by-gl', `${range}&projectId=${data.projectId}`), 'spend');
    expect(project.rows.map((x) => [x.glCode, x.actual, x.committed])).toEqual([
      ['6100', '200.00', '0.00'],
      ['=SUM(A1)', '202.00', '0.00'],
    ]);
  });

  it('supplier performance: spend, orders, on-time deliveries, price variance, held invoices', async () => {
    const rows = section(await report('supplier-performance'), 'suppliers').rows;
    expect(rows.find((x) => x.supplierId === data.supplierA)).toMatchObject({ supplier: 'Alpha Tools', spend: '402.00', orders: 1, receipts: 1, onTimeRate: 100, rejected: '0', returned: '0', priceVariance: '2.00', invoicesHeld: 0 });
    expect(rows.find((x) => x.supplierId === data.supplierB)).toMatchObject({ supplier: 'Beta Parts', spend: '0.00', orders: 1, receipts: 0, onTimeRate: null });
    const only = section(await report('supplier-performance', `${range}&supplierId=${data.supplierB}`), 'suppliers').rows;
    expect(only.map((x) => x.supplier)).toEqual(['Beta Parts']);
  });

  it('budget vs actual per project and month, with running totals', async () => {
    const rows = section(await report('budget-vs-actual'), 'projects').rows.filter((x) => x.projectId === data.projectId);
    const january = `${year}-01`;
    expect(rows.map((x) => [x.month, x.budget, x.committed, x.actual, x.budgetToDate, x.spentToDate, x.remaining])).toEqual(
      month === january
        ? [[january, '2000.00', '0.00', '402.00', '2000.00', '402.00', '1598.00']]
        : [
            [january, '2000.00', '0.00', '0.00', '2000.00', '0.00', '2000.00'],
            [month, '0.00', '0.00', '402.00', '2000.00', '402.00', '1598.00'],
          ],
    );
  });

  it('approval bottlenecks: waits by level, role and person with percentiles, and cycle times from submission', async () => {
    const r = await report('approval-bottleneck');
    // Waits of 1, 2, 3 and 10 hours: p50 2.5, p90 7.9 (linear interpolation).
    expect(section(r, 'roles').rows).toEqual([{ role: 'Manager', steps: 4, open: 0, p50Hours: 2.5, p90Hours: 7.9, overdue: 0, escalated: 0 }]);
    expect(section(r, 'people').rows).toEqual([{ person: 'Marco Meyer', steps: 4, open: 0, p50Hours: 2.5, p90Hours: 7.9, overdue: 0, escalated: 0 }]);
    expect(section(r, 'levels').rows.map((x) => x.steps)).toEqual([4]);
    const cycle = section(r, 'cycle').rows;
    // Approval after 1, 2 and 3 days: p50 2, p90 2.8.
    expect(cycle.find((x) => x.milestone === 'approval')).toMatchObject({ requisitions: 3, p50Days: 2, p90Days: 2.8 });
    expect(cycle.find((x) => x.milestone === 'purchase order')).toMatchObject({ requisitions: 2 });
    expect(cycle.find((x) => x.milestone === 'receipt')).toMatchObject({ requisitions: 1 });
    expect(cycle.find((x) => x.milestone === 'payment')).toBeUndefined();
  });

  it('purchase order summary by status, supplier and month', async () => {
    const r = await report('po-summary');
    const status = section(r, 'status');
    // Order 1: received (420.00 with tax; nothing open); order 2: issued, 525.00 with tax, 500.00 net still to receive.
    expect(status.rows.map((x) => [x.status, x.orders, x.value, x.openValue, x.awaitingReceipt])).toEqual([
      ['issued', 1, '525.00', '500.00', 1],
      ['received', 1, '420.00', '0.00', 0],
    ]);
    expect(status.totals).toMatchObject({ orders: 2, value: '945.00', openValue: '500.00', awaitingReceipt: 1, revisions: 0 });
    expect(section(r, 'months').rows).toEqual([{ month, orders: 2, value: '945.00', openValue: '500.00', awaitingReceipt: 1, revisions: 0 }]);
  });

  it('project details: every requisition, order, receipt and invoice of the project', async () => {
    const missing = await get('finance_director', `/reports/project-details?${range}`);
    expect(missing.status).toBe(422);
    expect((missing.body as { errors: { path: string }[] }).errors[0]!.path).toBe('query.projectId');
    const rows = section(await report('project-details', `${range}&projectId=${data.projectId}`), 'records').rows;
    expect(rows.map((x) => [x.type, x.amount])).toEqual(expect.arrayContaining([
      ['Requisition', '400.00'],
      ['Purchase order', '420.00'],
      ['Goods receipt', '400.00'],
      ['Invoice', '422.10'],
    ]));
    expect(rows).toHaveLength(4);
  });

  it('accounts payable health: first-pass rate, holds, discounts', async () => {
    const r = await report('ap-health');
    const measure = (start: string) => section(r, 'health').rows.find((x) => String(x.measure).startsWith(start))!.value;
    expect(measure('Invoices approved')).toBe('1');
    expect(measure('First-pass')).toBe('100 %');
    expect(measure('Invoices on hold')).toBe('0');
    expect(measure('Early-payment discounts taken')).toBe('0.00');
    expect(section(r, 'holds').rows).toEqual([]);
  });

  it('who may read what: a manager sees their reports’ spend only and not another department; a requester nothing; bad filters are 4xx', async () => {
    const managed = await report('spend-by-gl', range, 'manager');
    expect(managed.scope).toMatch(/reports only/);
    expect(section(managed, 'spend').totals).toMatchObject({ actual: '402.00' });
    const other = await get('manager', `/reports/spend-by-gl?${range}&department=Finance`);
    expect(other.status).toBe(403);
    expect((await get('requester', `/reports/spend-by-gl?${range}`)).status).toBe(403);
    const backwards = await get('finance_director', `/reports/spend-by-gl?from=${year}-06-01&to=${year}-01-01`);
    expect(backwards.status).toBe(422);
    expect((backwards.body as { errors: { path: string }[] }).errors[0]!.path).toBe('query.to');
    expect((await get('finance_director', `/reports/spend-by-gl?from=${year - 3}-01-01&to=${year}-01-01`)).status).toBe(422);
    const unknown = await get('finance_director', `/reports/spend-by-gl?${range}&supplierId=00000000-0000-4000-8000-000000000000`);
    expect(unknown.status).toBe(422);
    expect((unknown.body as { errors: { path: string }[] }).errors[0]!.path).toBe('query.supplierId');
    expect((await get('finance_director', '/reports/no-such-report')).status).toBe(400);
  });

  it('dashboards: each person gets the views of their roles, with figures from the records', async () => {
    const dashboard = async (who: string) => {
      const response = await get(who, '/dashboard');
      expect(response.status).toBe(200);
      return response.body as { sections: { role: string; tiles: { key: string; value: unknown }[]; charts: { key: string; categories: string[]; series: { values: number[] }[] }[]; lists: { items: unknown[] }[] }[] };
    };
    const tiles = (d: Awaited<ReturnType<typeof dashboard>>, role: string) => Object.fromEntries(d.sections.find((s) => s.role === role)!.tiles.map((t) => [t.key, t.value]));
    const requester = await dashboard('requester');
    expect(requester.sections.map((s) => s.role)).toEqual(['requester']);
    expect(tiles(requester, 'requester')).toMatchObject({ in_approval: 0, approved: 1, ordered: 2, rejected: 1 });
    expect((await dashboard('manager')).sections.map((s) => s.role)).toEqual(['approver']);
    expect(tiles(await dashboard('manager'), 'approver')).toMatchObject({ waiting: 0, overdue: 0 });
    expect(tiles(await dashboard('buyer'), 'buyer')).toMatchObject({ lines_to_order: 1, unacknowledged: 1, awaiting_receipt: 1, open_value: '525.00' });
    expect(tiles(await dashboard('accountant'), 'accountant')).toMatchObject({ on_hold: 0, overdue: 0 });
    // Spend against budget reads the summary the `report-summaries` Schedule refreshes: its workflow runs here as the Schedule would start it.
    await fx.engine.client.workflow.execute('reportSummariesWorkflow', { taskQueue: fx.engine.taskQueue, workflowId: `report-summaries-${Date.now()}`, args: [] });
    const finance = await dashboard('finance_director');
    expect(finance.sections.map((s) => s.role)).toEqual(['approver', 'finance_director']);
    // The company-wide budget (6100, 5,000.00); spent: the invoice's 402.00 net; committed: order 2's 500.00.
    expect(tiles(finance, 'finance_director')).toEqual({ budget: '5000.00', actual: '402.00', committed: '500.00', remaining: '4098.00' });
    const monthly = finance.sections.find((s) => s.role === 'finance_director')!.charts[0]!;
    expect(monthly.categories).toHaveLength(12);
    expect(monthly.series[0]!.values[Number(month.slice(5)) - 1]).toBe(402);
    expect(monthly.series[1]!.values.reduce((sum, value) => sum + value, 0)).toBeCloseTo(5000, 1);
    expect((await dashboard('auditor')).sections).toEqual([]);
  });

  it('exports: CSV safe against formulas, XLSX with typed cells, a printable PDF; each stamped and audited', async () => {
    const csv = await get('auditor', `/reports/spend-by-gl?${range}&format=csv`);
    expect(csv.status).toBe(200);
    const text = String(csv.body);
    expect(text).toMatch(/^Report,Spend by GL \/ cost code\r\n/);
    expect(text).toContain(`Filters,${year}-01-01 to ${year}-12-31`);
    expect(text).toMatch(/Exported,\d{4}-\d{2}-\d{2}T[^,]+ by Aud Ingram/);
    expect(text).toContain("'=SUM(A1),,0.00,202.00,,");
    expect(text).not.toMatch(/(^|,)=SUM/m);

    const xlsx = await fx.api.request('GET', `/reports/spend-by-gl?${range}&format=xlsx`, { token: token.finance_director, raw: true });
    expect(xlsx.status).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(xlsx.bytes!) as unknown as ArrayBuffer);
    expect(workbook.getWorksheet('About')!.getCell('B3').value).toMatch(/by Fiona Finch$/);
    const sheet = workbook.getWorksheet('Spend by GL   cost code')!;
    const rowOf = (code: string) => sheet.getRows(2, sheet.rowCount - 1)!.find((row) => row.getCell(1).value === code)!;
    expect(rowOf('6100').getCell(2).value).toBe(5000);
    expect(rowOf('6100').getCell(2).numFmt).toBe('#,##0.00');
    expect(rowOf('6100').getCell(6).value).toBeCloseTo(0.14);
    // A code that looks like a formula is a text cell in a spreadsheet, not a formula.
    expect(rowOf('=SUM(A1)').getCell(1).type).toBe(ExcelJS.ValueType.String);

    const pdf = await fx.api.request('GET', `/reports/supplier-performance?${range}&format=pdf`, { token: token.finance_director, raw: true });
    expect(pdf.status).toBe(200);
    const dir = mkdtempSync(join(tmpdir(), 'report-'));
    writeFileSync(join(dir, 'r.pdf'), pdf.bytes!);
    const pdfText = execFileSync('pdftotext', ['-layout', join(dir, 'r.pdf'), '-']).toString();
    expect(pdfText).toContain('Supplier performance');
    expect(pdfText).toContain('Alpha Tools');
    expect(pdfText).toContain('by Fiona Finch');

    const exports = await fx.database.db.select().from(auditLog).where(inArray(auditLog.action, ['report.exported']));
    expect(exports.map((entry) => (entry.after as { format: string }).format).sort()).toEqual(['csv', 'pdf', 'xlsx']);
    expect((await get('manager', `/reports/spend-by-gl?${range}&format=csv`)).status).toBe(200);
    expect((await get('requester', `/reports/spend-by-gl?${range}&format=csv`)).status).toBe(403);
  });

  it('an invoice still on hold leaves its order line committed until it is approved', async () => {
    const orders = orderFixtures(fx.api, fx.h, { requester: token.requester!, manager: token.manager!, buyer: token.buyer!, warehouse: token.warehouse! });
    const order = await orders.issuedOrder({ supplierId: data.supplierB, lines: [{ description: 'Seals', quantity: '3', unitPrice: '100.00', glCode: '6500' }] });
    await orders.receive(order.id, ['3']);
    // 110.00 is 10% over: outside the tolerance, held.
    const held = await fx.api.request('POST', '/invoices', { token: token.accountant, body: { supplierId: data.supplierB, invoiceNumber: 'B-HOLD', invoiceDate: today(), purchaseOrderId: order.id, lines: [{ purchaseOrderLineId: order.lines[0]!.id, quantity: '3', unitPrice: '110.00' }], taxAmount: '16.50', total: '346.50' } });
    expect(held.status, JSON.stringify(held.body)).toBe(201);
    await fx.h.eventually(() => get('accountant', `/invoices/${(held.body as { id: string }).id}`), (r) => (r.body as { status: string }).status === 'on_hold', 'the invoice on hold', 45_000);
    const row = section(await report('spend-by-gl'), 'spend').rows.find((x) => x.glCode === '6500')!;
    expect(row).toMatchObject({ committed: '300.00', actual: '0.00' });
    const health = section(await report('ap-health'), 'holds').rows;
    // The price over tolerance makes the total differ too: both named.
    expect(health).toEqual([
      { reason: 'price_over', placed: 1, open: 1 },
      { reason: 'total_mismatch', placed: 1, open: 1 },
    ]);
  });
});
