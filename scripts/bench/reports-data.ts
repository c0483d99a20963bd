import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { loadPeople, planOrganisation, type Organisation } from './inbox-data.ts';

/**
 * A year of procurement for the reports benchmark (issue #16), loaded with
 * set-based SQL (INSERT … SELECT over generate_series), not through the
 * processes: people (the inbox benchmark's organisation), suppliers,
 * projects, requisitions with their lines and approval steps, purchase
 * orders with five lines each, receipts, invoices with lines, holds and
 * payments, and budgets per GL code and month and per project. Ids are md5
 * of a kind and an index, so rows refer to each other by arithmetic.
 *
 * At scale 1: 2,000 people, 50,000 requisitions, 60,000 orders with 300,000
 * lines, about 57,000 receipts and 70,000 invoices.
 */
export interface ReportsDataSize {
  people: number;
  requisitions: number;
  orders: number;
  invoices: number;
  suppliers: number;
  projects: number;
  glCodes: number;
}

export function reportsDataSize(scale: number): ReportsDataSize {
  const at = (full: number, minimum: number) => Math.max(minimum, Math.round(full * scale));
  return { people: at(2_000, 200), requisitions: at(50_000, 100), orders: at(60_000, 120), invoices: at(70_000, 140), suppliers: at(200, 10), projects: at(50, 5), glCodes: 40 };
}

const n = (value: number) => sql.raw(String(Math.trunc(value)));
/** A uuid from a kind and an index, with the version and variant digits of a v4 (the API checks them in filters). */
const id = (kind: string, index: SQL) => sql`overlay(overlay(md5(${`bench-${kind}-`} || (${index})) placing '4' from 13) placing '8' from 17)::uuid`;
const person = (index: SQL) => sql`md5('bench-user-' || (${index}))::uuid`;
/** Day `i` of the year that ends today, spread over the whole year. */
const dayOf = (i: SQL, count: number) => sql`(now() - ((${i}) * 365 / ${n(count)}) * interval '1 day' - ((${i}) % 9) * interval '1 hour')`;

export async function loadReportsData(db: Database, size: ReportsDataSize): Promise<{ org: Organisation; timings: Record<string, number> }> {
  const timings: Record<string, number> = {};
  const timed = async (name: string, work: SQL) => {
    const started = performance.now();
    await db.execute(work);
    timings[name] = Math.round(performance.now() - started);
  };
  const org = planOrganisation(size.people, 10);
  const startedPeople = performance.now();
  await loadPeople(db, org, '!');
  timings.people = Math.round(performance.now() - startedPeople);
  const rq = org.requesters;
  const requester = (i: SQL) => person(sql`${n(rq.start)} + (${i}) % ${n(rq.count)}`);
  const manager = (i: SQL) => person(sql`${n(org.managers.start)} + (${i}) % ${n(org.managers.count)}`);
  const buyer = (i: SQL) => person(sql`${n(org.buyers.start)} + (${i}) % ${n(org.buyers.count)}`);
  const accountant = (i: SQL) => person(sql`${n(org.accountants.start)} + (${i}) % ${n(org.accountants.count)}`);
  const warehouse = (i: SQL) => person(sql`${n(org.warehouse.start)} + (${i}) % ${n(org.warehouse.count)}`);
  const i = sql.raw('i');
  const gl = (index: SQL) => sql`'6' || lpad(((${index}) % ${n(size.glCodes)})::text, 3, '0')`;

  await timed(
    'suppliers',
    sql`insert into suppliers (id, name, email, payment_terms_days, discount_percent, discount_days)
      select ${id('supplier', i)}, 'Bench supplier ' || i, 'ar-' || i || '@supplier.bench', 30, case when i % 3 = 0 then 2 end, case when i % 3 = 0 then 10 end
      from generate_series(0, ${n(size.suppliers - 1)}) as i`,
  );
  await timed('projects', sql`insert into projects (id, code, name) select ${id('project', i)}, 'BP-' || i, 'Bench project ' || i from generate_series(0, ${n(size.projects - 1)}) as i`);

  // Requisitions: one in eight for a project; 2 % under review, 5 % approved (not yet ordered), 8 % rejected, the rest ordered.
  const status = sql`case when i % 50 = 0 then 'under_review' when i % 20 = 1 then 'approved' when i % 12 = 2 then 'rejected' else 'ordered' end`;
  await timed(
    'requisitions',
    sql`insert into requisitions (id, number, requester_id, title, purpose, project_id, status, total, created_at, updated_at, submitted_at, decided_at, workflow_id)
      select ${id('req', i)}, 'REQ-B-' || i, ${requester(i)}, 'Bench requisition ' || i,
        case when i % 8 = 0 then 'project' else 'daily_operations' end, case when i % 8 = 0 then ${id('project', sql`i / 8 % ${n(size.projects)}`)} end,
        ${status}, 500.00, ${dayOf(i, size.requisitions)}, ${dayOf(i, size.requisitions)}, ${dayOf(i, size.requisitions)},
        case when i % 50 = 0 then null else ${dayOf(i, size.requisitions)} + (i % 72) * interval '1 hour' end, 'requisition-bench-' || i
      from generate_series(0, ${n(size.requisitions - 1)}) as i`,
  );
  await timed(
    'requisition lines',
    sql`insert into requisition_lines (requisition_id, line_no, description, quantity, unit, unit_price, amount, supplier_id, gl_code)
      select ${id('req', i)}, l, 'Item ' || l, 5, 'each', 50.00, 250.00, ${id('supplier', sql`i % ${n(size.suppliers)}`)}, ${gl(sql`i + l`)}
      from generate_series(0, ${n(size.requisitions - 1)}) as i cross join generate_series(1, 2) as l`,
  );
  // Approval steps: a manager's for every submitted requisition, a procurement manager's for one in three; waits of 1 to 71 hours.
  await timed(
    'approval steps',
    sql`insert into tasks (process_id, step_key, kind, title, subject_type, subject_id, assignee_id, candidate_role, status, outcome, completed_by_id, completed_at, due_at, escalation_level, actions, data, created_at, updated_at)
      select 'requisition-bench-' || i, 'approval-' || s, 'requisition_approval', 'Approve REQ-B-' || i, 'Requisition', ${id('req', i)}::text,
        ${manager(sql`i + s`)}, null, case when i % 50 = 0 then 'open' else 'completed' end,
        case when i % 50 = 0 then null when i % 12 = 2 then 'reject' else 'approve' end,
        case when i % 50 = 0 then null else ${manager(sql`i + s`)} end,
        case when i % 50 = 0 then null else ${dayOf(i, size.requisitions)} + ((i * 7 + s * 13) % 71 + 1) * interval '1 hour' end,
        ${dayOf(i, size.requisitions)} + interval '2 days', case when i % 97 = 0 then 1 else 0 end, '{approve,reject}',
        jsonb_build_object('level', case s when 1 then 'manager' else 'procurement_manager' end, 'stepLabel', case s when 1 then 'Manager step' else 'Procurement step' end),
        ${dayOf(i, size.requisitions)}, ${dayOf(i, size.requisitions)}
      from generate_series(0, ${n(size.requisitions - 1)}) as i cross join generate_series(1, 2) as s
      where s = 1 or i % 3 = 0`,
  );

  // Orders: order o for requisition o % requisitions among the ordered ones' indexes; statuses by o % 20.
  const orderStatus = sql`case when o % 20 = 0 then 'cancelled' when o % 20 in (1, 2) then 'issued' when o % 20 = 3 then 'partially_received' when o % 20 in (4, 5) then 'received' else 'closed' end`;
  const issued = sql`(${dayOf(sql`o % ${n(size.requisitions)}`, size.requisitions)} + interval '1 day')`;
  // A requisition index that is "ordered" (not 0 mod 50, not 1 mod 20, not 2 mod 12): step to the next such index.
  const reqOf = sql`(o % ${n(size.requisitions)})`;
  await timed(
    'orders',
    sql`insert into purchase_orders (id, number, requisition_id, supplier_id, requester_ids, status, revision, prepared_by_id, currency, delivery_date, payment_terms_days, subtotal, tax_total, total, acknowledgement, workflow_id, created_at, updated_at, issued_at, closed_at)
      select ${id('po', sql`o`)}, 'PO-B-' || o, ${id('req', reqOf)}, ${id('supplier', sql`o % ${n(size.suppliers)}`)}, array[${requester(reqOf)}],
        ${orderStatus}, case when o % 25 = 0 then 1 else 0 end, ${buyer(sql`o`)}, 'EUR', (${issued} + interval '10 days')::date, 30,
        1000.00, 50.00, 1050.00, case when o % 20 in (1, 2) and o % 3 = 0 then 'awaiting' else 'confirmed' end, 'purchase-order-bench-' || o,
        ${issued}, ${issued}, ${issued}, case when o % 20 >= 6 or o % 20 = 0 then ${issued} + interval '40 days' end
      from generate_series(0, ${n(size.orders - 1)}) as o`,
  );
  // Five lines each, 4 x 50.00; received per status (partly: half of each line), invoiced where an invoice follows.
  await timed(
    'order lines',
    sql`insert into purchase_order_lines (id, purchase_order_id, line_no, description, unit, quantity, unit_price, tax_rate, amount, tax_amount, gl_code, received_quantity, rejected_quantity, returned_quantity, invoiced_quantity, cancelled_quantity)
      select ${id('pol', sql`o * 10 + l`)}, ${id('po', sql`o`)}, l, 'Item ' || l, 'each', 4, 50.00, 5, 200.00, 10.00, ${gl(sql`o + l`)},
        case when o % 20 = 3 then 2 when o % 20 >= 4 then 4 else 0 end,
        case when o % 20 >= 3 and (o + l) % 41 = 0 then 1 else 0 end,
        case when o % 20 >= 3 and (o + l) % 83 = 0 and (o + l) % 41 <> 0 then 1 else 0 end,
        case when o % 20 >= 4 then 4 else 0 end,
        case when o % 20 = 0 then 4 else 0 end
      from generate_series(0, ${n(size.orders - 1)}) as o cross join generate_series(1, 5) as l`,
  );
  // Receipts: one for every order received at least in part, two (half each) for one received order in three; a week after issue, late for one in five.
  const twoReceipts = sql`(o % 20 >= 4 and o % 3 = 0)`;
  const receipts = sql`from generate_series(0, ${n(size.orders - 1)}) as o cross join generate_series(0, 1) as r where o % 20 >= 3 and (r = 0 or ${twoReceipts})`;
  await timed(
    'receipts',
    sql`insert into goods_receipts (id, number, purchase_order_id, received_by_id, received_at)
      select ${id('gr', sql`o * 2 + r`)}, 'GR-B-' || (o * 2 + r), ${id('po', sql`o`)}, ${warehouse(sql`o`)},
        least(now(), ${issued} + case when o % 5 = 0 then interval '14 days' else interval '7 days' end + r * interval '3 days')
      ${receipts}`,
  );
  await timed(
    'receipt lines',
    sql`insert into goods_receipt_lines (receipt_id, purchase_order_line_id, quantity_received, quantity_rejected, quantity_returned, location)
      select ${id('gr', sql`o * 2 + r`)}, ${id('pol', sql`o * 10 + l`)}, case when ${twoReceipts} or o % 20 = 3 then 2 else 4 end,
        case when r = 0 and (o + l) % 41 = 0 then 1 else 0 end, case when r = 0 and (o + l) % 83 = 0 and (o + l) % 41 <> 0 then 1 else 0 end, 'Main store'
      from generate_series(0, ${n(size.orders - 1)}) as o cross join generate_series(0, 1) as r cross join generate_series(1, 5) as l
      where o % 20 >= 3 and (r = 0 or ${twoReceipts})`,
  );
  // Invoices: k for order (received or closed) k % eligible; 80 % paid, 10 % approved, 5 % on hold, 5 % rejected.
  const eligible = Math.floor((size.orders * 16) / 20);
  const orderOfInvoice = sql`((k % ${n(eligible)}) / 16 * 20 + 4 + (k % ${n(eligible)}) % 16)`;
  const invoiceStatus = sql`case when k % 20 < 16 then 'paid' when k % 20 < 18 then 'approved' when k % 20 = 18 then 'on_hold' else 'rejected' end`;
  const invoiceDate = sql`(${dayOf(sql`${orderOfInvoice} % ${n(size.requisitions)}`, size.requisitions)} + interval '12 days' + (k / ${n(eligible)}) * interval '5 days')::date`;
  await timed(
    'invoices',
    sql`insert into invoices (id, number, kind, supplier_id, invoice_number, purchase_order_id, invoice_date, currency, subtotal, tax_amount, total, status, entered_by_id, workflow_id, terms,
        due_date, discount_date, discount_amount, matched_at, approved_at, approved_automatically, rejected_at, paid_at, created_at, updated_at)
      select ${id('inv', sql`k`)}, 'INV-B-' || k, 'invoice', ${id('supplier', sql`${orderOfInvoice} % ${n(size.suppliers)}`)}, 'SUP-' || k, ${id('po', orderOfInvoice)},
        least(${invoiceDate}, current_date), 'EUR', case when k % 10 = 3 then 1004.00 else 1000.00 end, 50.00, case when k % 10 = 3 then 1054.00 else 1050.00 end, ${invoiceStatus}, ${accountant(sql`k`)}, 'invoice-bench-' || k, 'net 30',
        least(${invoiceDate}, current_date) + 30, case when k % 3 = 0 then least(${invoiceDate}, current_date) + 10 end, case when k % 3 = 0 then 21.00 end,
        now(), case when k % 20 < 18 then now() end, case when k % 20 < 18 then k % 4 <> 0 end, case when k % 20 = 19 then now() end,
        case when k % 20 < 16 then least(${invoiceDate}, current_date) + (20 + k % 15) * interval '1 day' end, now(), now()
      from generate_series(0, ${n(size.invoices - 1)}) as k`,
  );
  await timed(
    'invoice lines',
    sql`insert into invoice_lines (invoice_id, line_no, purchase_order_line_id, quantity, unit_price, amount)
      select ${id('inv', sql`k`)}, l, ${id('pol', sql`${orderOfInvoice} * 10 + l`)}, 4,
        case when l = 1 and k % 10 = 3 then 51.00 else 50.00 end, case when l = 1 and k % 10 = 3 then 204.00 else 200.00 end
      from generate_series(0, ${n(size.invoices - 1)}) as k cross join generate_series(1, 5) as l`,
  );
  await timed(
    'holds',
    sql`insert into invoice_holds (invoice_id, reason, line_no, expected, actual, variance, allowed, above_twice_tolerance, detail, placed_round, placed_at, released_at, release)
      select i.id, (array['price_over', 'not_received', 'quantity_over_received', 'tax_mismatch'])[1 + i.seq::int % 4], 1, '50.00', '51.00', '1.00', '1.00', false, 'bench hold', 0, i.created_at,
        case when i.status = 'on_hold' then null else i.created_at + interval '2 days' end, case when i.status = 'on_hold' then null else 'accepted' end
      from invoices i where i.number like 'INV-B-%' and (i.status = 'on_hold' or i.seq % 9 = 0)`,
  );
  await timed(
    'payments',
    sql`insert into invoice_payments (invoice_id, reference, paid_on, amount, recorded_at)
      select id, 'PAY-' || number, (paid_at at time zone 'UTC')::date, total, paid_at from invoices where number like 'INV-B-%' and status = 'paid'`,
  );
  // Budgets: every GL code by month of the year that ends this month, and every project for the year, company-wide codes apart.
  await timed(
    'budgets',
    sql`insert into budgets (gl_code, period, period_kind, period_start, period_end, amount, updated_by_id)
      select '6' || lpad(g::text, 3, '0'), to_char(m, 'YYYY-MM'), 'month', m::date, (m + interval '1 month - 1 day')::date, 40000.00, ${person(n(org.financeDirectors.start))}
      from generate_series(0, ${n(size.glCodes - 1)}) as g cross join generate_series(date_trunc('month', now()) - interval '11 months', date_trunc('month', now()), interval '1 month') as m
`,
  );
  await timed(
    'project budgets',
    sql`insert into budgets (project_id, period, period_kind, period_start, period_end, amount, updated_by_id)
      select ${id('project', i)}, extract(year from now())::text, 'year', date_trunc('year', now())::date, (date_trunc('year', now()) + interval '1 year - 1 day')::date, 600000.00, ${person(n(org.financeDirectors.start))}
      from generate_series(0, ${n(size.projects - 1)}) as i`,
  );
  const started = performance.now();
  await db.execute(sql`analyze`);
  timings.analyze = Math.round(performance.now() - started);
  return { org, timings };
}

