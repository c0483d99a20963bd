import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import { roleLabels, type ReportFilters, type ReportName, type ReportSection, type Role } from '@p2p/domain';
import type { Executor } from '../client.ts';
import { budgets, projects, type BudgetRow } from '../schema/index.ts';

/**
 * The reports' queries (issue #16), in SQL over the records themselves: every
 * figure is computed when asked (nothing is summed into a second table), in
 * exact numeric (money comes back as text with two decimals), grouped in the
 * database, and bounded by the date range, so no report reads a whole table
 * into the process.
 *
 * What the figures mean, once for all reports:
 * - actual: approved and paid invoices' lines (net of tax), credit notes
 *   negative, by invoice date;
 * - committed: what open orders (issued, partly or fully received) still owe
 *   (ordered less cancelled less what approved or paid invoices bill, at the
 *   order's price), by issue date, plus approved requisitions not yet
 *   ordered, by approval date;
 * - a line belongs to the project of its requisition, and to the requester's
 *   department.
 *
 * The finance dashboard's spend summary (the materialised view of migration
 * 0013) repeats the order and invoice parts of these definitions in SQL of
 * its own: a change to them here needs a migration redefining the view.
 */

export interface ReportScope extends ReportFilters {
  /** A manager's reports: only their requisitions' spend counts (null: everyone's). */
  requesterIds: string[] | null;
}

type Row = Record<string, unknown>;

/** The rows of a raw query, whichever driver runs it. */
export async function rows<T extends Row>(db: Executor, query: SQL): Promise<T[]> {
  // postgres.js answers an array of rows, PGlite an object holding them.
  const result: unknown = await db.execute(query);
  return Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows;
}

/** A value the database sent as text (numeric cast to text, a name, a date): as a string. */
const str = (value: unknown): string => (typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'bigint' ? value.toString() : JSON.stringify(value));
const strOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : str(value));
const money = (value: unknown) => (value === null || value === undefined ? '0.00' : str(value));
const int = (value: unknown) => Number(value ?? 0);
const percent = (part: number, whole: number) => (whole === 0 ? null : Math.round((part / whole) * 1000) / 10);
const day = (column: SQL) => sql`((${column}) at time zone 'UTC')::date`;

/** Conditions on a requisition `r` (and its requester `u`) that every report applies. */
function requisitionScope(scope: ReportScope): SQL {
  const parts: SQL[] = [sql`true`];
  if (scope.projectId) parts.push(sql`r.project_id = ${scope.projectId}`);
  if (scope.department) parts.push(sql`u.department = ${scope.department}`);
  if (scope.requesterIds) parts.push(scope.requesterIds.length ? sql`r.requester_id in (${sql.join(scope.requesterIds.map((id) => sql`${id}::uuid`), sql`, `)})` : sql`false`);
  return sql.join(parts, sql` and `);
}
/** …and on an order `po` and its line `pol`. */
function orderScope(scope: ReportScope, line = true): SQL {
  const parts: SQL[] = [requisitionScope(scope)];
  if (scope.supplierId) parts.push(sql`po.supplier_id = ${scope.supplierId}`);
  if (scope.glCode && line) parts.push(sql`pol.gl_code = ${scope.glCode}`);
  return sql.join(parts, sql` and `);
}
const inRange = (scope: ReportScope, dateExpression: SQL) => sql`${dateExpression} between ${scope.from}::date and ${scope.to}::date`;
/**
 * An instant on one of the range's days (UTC), compared on the column itself:
 * the planner then knows from the column's statistics how many rows match (a
 * cast to a date hides that, and a year of rows was planned as a handful).
 */
const inRangeAt = (scope: ReportScope, instant: SQL) =>
  sql`${instant} >= (${scope.from}::date)::timestamp at time zone 'UTC' and ${instant} < (${scope.to}::date + 1)::timestamp at time zone 'UTC'`;

/** The scope reads the requisition or its requester (project, department, a manager's reports). */
const needsRequisition = (scope: ReportScope) => Boolean(scope.projectId || scope.department || scope.requesterIds);
/** The requisition `r` of an order `po` and its requester `u`, joined only when the scope (or the caller) reads them: a year of orders joins faster without. */
const requisitionJoins = (scope: ReportScope, always = false) =>
  always || needsRequisition(scope) ? sql`join requisitions r on r.id = po.requisition_id ${scope.department ? sql`join users u on u.id = r.requester_id` : sql``}` : sql``;
/** An order line's order, and its requisition where needed. */
const orderJoins = (scope: ReportScope, always = false) => sql`join purchase_orders po on po.id = pol.purchase_order_id ${requisitionJoins(scope, always)}`;
const OPEN_ORDER = sql`po.status in ('issued', 'partially_received', 'received')`;
const SPENT = sql`i.status in ('approved', 'paid')`;

/** Actual spend per key: approved and paid invoices' lines in the range. */
function actualBy(scope: ReportScope, key: SQL, withRequisition = false, extra: SQL = sql`true`): SQL {
  return sql`select ${key} as key, sum(il.amount) as amount
    from invoice_lines il join invoices i on i.id = il.invoice_id join purchase_order_lines pol on pol.id = il.purchase_order_line_id ${orderJoins(scope, withRequisition)}
    where ${SPENT} and ${inRange(scope, sql`i.invoice_date`)} and ${orderScope(scope)} and ${extra}
    group by 1`;
}

/**
 * Committed per key: open orders' lines at the order's price (ordered less
 * cancelled), less what approved or paid invoices bill of them (at the
 * order's price), plus approved requisitions not yet ordered. The two order
 * parts are summed apart, set against set, not line by line: matching keeps
 * an invoice's quantity within what was ordered.
 */
function committedBy(scope: ReportScope, orderKey: SQL, requisitionKey: SQL, withRequisition = false, extra: SQL = sql`true`): SQL {
  const requisitionLines = scope.supplierId ? sql`rl.supplier_id = ${scope.supplierId}` : sql`true`;
  const requisitionCode = scope.glCode ? sql`rl.gl_code = ${scope.glCode}` : sql`true`;
  const openLines = sql`from purchase_order_lines pol ${orderJoins(scope, withRequisition)}
      where ${OPEN_ORDER} and ${inRangeAt(scope, sql`po.issued_at`)} and ${orderScope(scope)} and ${extra}`;
  return sql`select key, sum(amount) as amount from (
      select ${orderKey} as key, round((pol.quantity - pol.cancelled_quantity) * pol.unit_price, 2) as amount ${openLines}
      union all
      select ${orderKey} as key, -round(sil.quantity * pol.unit_price, 2)
      from invoice_lines sil join invoices si on si.id = sil.invoice_id and si.status in ('approved', 'paid')
        join purchase_order_lines pol on pol.id = sil.purchase_order_line_id ${orderJoins(scope, withRequisition)}
      where ${OPEN_ORDER} and ${inRangeAt(scope, sql`po.issued_at`)} and ${orderScope(scope)} and ${extra}
      union all
      select ${requisitionKey} as key, rl.amount
      from requisition_lines rl join requisitions r on r.id = rl.requisition_id ${scope.department ? sql`join users u on u.id = r.requester_id` : sql``}
      where r.status = 'approved' and ${inRangeAt(scope, sql`r.decided_at`)} and ${requisitionScope(scope)} and ${requisitionLines} and ${requisitionCode} and ${extra}
    ) committed group by key`;
}

/** Budgets whose period lies inside the range, per key. */
function budgetBy(scope: ReportScope, key: SQL, where: SQL): SQL {
  return sql`select ${key} as key, sum(b.amount) as amount from budgets b
    where b.period_start >= ${scope.from}::date and b.period_end <= ${scope.to}::date and ${where}
    group by 1`;
}

const NO_CODE = '(no code)';

async function spendByGl(db: Executor, scope: ReportScope): Promise<ReportSection[]> {
  const gl = (alias: string) => sql`coalesce(${sql.raw(alias)}.gl_code, ${NO_CODE})`;
  const budgetWhere = sql`b.gl_code is not null and ${scope.projectId ? sql`b.project_id = ${scope.projectId}` : sql`b.project_id is null`}${scope.glCode ? sql` and b.gl_code = ${scope.glCode}` : sql``}`;
  const result = await rows<{ key: string; budget: string | null; committed: string | null; actual: string | null }>(
    db,
    sql`with actual as (${actualBy(scope, gl('pol'))}),
      committed as (${committedBy(scope, gl('pol'), gl('rl'))}),
      budget as (${budgetBy(scope, sql`b.gl_code`, budgetWhere)}),
      keys as (select key from actual union select key from committed union select key from budget)
    select k.key, b.amount::text as budget, c.amount::text as committed, a.amount::text as actual
    from keys k left join actual a on a.key = k.key left join committed c on c.key = k.key left join budget b on b.key = k.key
    order by k.key`,
  );
  // The totals add up the rows (every key of every part is a row), in cents.
  const sum = (values: (string | null)[]) => values.filter((value): value is string => value !== null).reduce((total, value) => add(total, value), '0.00');
  const budgets = result.map((row) => row.budget).filter((value) => value !== null);
  const sums = [{ budget: budgets.length ? sum(budgets) : null, committed: sum(result.map((row) => money(row.committed))), actual: sum(result.map((row) => money(row.actual))) }];
  const line = (row: { budget: string | null; committed: string | null; actual: string | null }) => {
    const budget = row.budget === null ? null : money(row.budget);
    const committed = money(row.committed);
    const actual = money(row.actual);
    return { budget, committed, actual, remaining: budget === null ? null : subtract(budget, committed, actual), used: budget === null ? null : usedPercent(budget, committed, actual) };
  };
  return [
    {
      key: 'spend',
      title: 'Spend by GL / cost code',
      columns: [
        { key: 'glCode', label: 'GL / cost code', type: 'text' },
        { key: 'budget', label: 'Budget', type: 'money' },
        { key: 'committed', label: 'Committed', type: 'money' },
        { key: 'actual', label: 'Actual', type: 'money' },
        { key: 'remaining', label: 'Remaining', type: 'money' },
        { key: 'used', label: 'Budget used', type: 'percent' },
      ],
      rows: result.map((row) => ({ glCode: row.key, ...line(row) })),
      totals: { glCode: 'Total', ...line(sums[0]!) },
    },
  ];
}

// Exact decimal arithmetic on two-decimal strings, in cents.
const cents = (value: string) => BigInt(value.replace('.', '').replace(/^(-?)0+(?=\d)/, '$1'));
const fromCents = (value: bigint) => {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(3, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
};
function subtract(from: string, ...amounts: string[]): string {
  return fromCents(amounts.reduce((left, amount) => left - cents(amount), cents(from)));
}
function usedPercent(budget: string, ...spent: string[]): number | null {
  const whole = cents(budget);
  if (whole === 0n) return null;
  const part = spent.reduce((sum, amount) => sum + cents(amount), 0n);
  return Number((part * 1000n) / whole) / 10;
}

async function supplierPerformance(db: Executor, scope: ReportScope): Promise<ReportSection[]> {
  const supplierFilter = scope.supplierId ? sql`s.id = ${scope.supplierId}` : sql`true`;
  const result = await rows<Row>(
    db,
    sql`with spend as materialized (
        select po.supplier_id, sum(il.amount) as amount,
          sum(round((il.unit_price - pol.unit_price) * il.quantity, 2)) as price_variance
        from invoice_lines il join invoices i on i.id = il.invoice_id join purchase_order_lines pol on pol.id = il.purchase_order_line_id ${orderJoins(scope)}
        where ${SPENT} and ${inRange(scope, sql`i.invoice_date`)} and ${orderScope(scope)}
        group by 1),
      orders as materialized (
        select po.supplier_id, count(*)::int as orders
        from purchase_orders po ${requisitionJoins(scope)}
        where po.issued_at is not null and ${inRangeAt(scope, sql`po.issued_at`)} and ${orderScope(scope, false)}
        group by 1),
      deliveries as materialized (
        select po.supplier_id, count(*)::int as receipts,
          count(*) filter (where po.delivery_date is not null)::int as promised,
          count(*) filter (where ${day(sql`g.received_at`)} <= po.delivery_date)::int as on_time
        from goods_receipts g join purchase_orders po on po.id = g.purchase_order_id ${requisitionJoins(scope)}
        where ${inRangeAt(scope, sql`g.received_at`)} and ${orderScope(scope, false)}
        group by 1),
      quality as materialized (
        select po.supplier_id, sum(l.quantity_rejected)::text as rejected, sum(l.quantity_returned)::text as returned
        from goods_receipt_lines l join goods_receipts g on g.id = l.receipt_id join purchase_orders po on po.id = g.purchase_order_id ${requisitionJoins(scope)}
        where ${inRangeAt(scope, sql`g.received_at`)} and ${orderScope(scope, false)}
        group by 1),
      held as materialized (
        select i.supplier_id, count(*)::int as held
        from invoices i join purchase_orders po on po.id = i.purchase_order_id ${requisitionJoins(scope)}
        where ${inRange(scope, sql`i.invoice_date`)} and ${orderScope(scope, false)} and exists (select 1 from invoice_holds h where h.invoice_id = i.id)
        group by 1)
    select s.id, s.name, sp.amount::text as spend, sp.price_variance::text as price_variance, coalesce(o.orders, 0) as orders,
      coalesce(d.receipts, 0) as receipts, coalesce(d.promised, 0) as promised, coalesce(d.on_time, 0) as on_time,
      coalesce(q.rejected, '0') as rejected, coalesce(q.returned, '0') as returned, coalesce(h.held, 0) as held
    from suppliers s left join spend sp on sp.supplier_id = s.id left join orders o on o.supplier_id = s.id
      left join deliveries d on d.supplier_id = s.id left join quality q on q.supplier_id = s.id left join held h on h.supplier_id = s.id
    where ${supplierFilter} and (sp.supplier_id is not null or o.supplier_id is not null or d.supplier_id is not null or h.supplier_id is not null)
    order by sp.amount desc nulls last, s.name`,
  );
  return [
    {
      key: 'suppliers',
      title: 'Supplier performance',
      columns: [
        { key: 'supplier', label: 'Supplier', type: 'text' },
        { key: 'spend', label: 'Spend', type: 'money' },
        { key: 'orders', label: 'POs issued', type: 'int' },
        { key: 'receipts', label: 'Receipts', type: 'int' },
        { key: 'onTimeRate', label: 'On time', type: 'percent' },
        { key: 'rejected', label: 'Qty rejected', type: 'text' },
        { key: 'returned', label: 'Qty returned', type: 'text' },
        { key: 'priceVariance', label: 'Price variance', type: 'money' },
        { key: 'invoicesHeld', label: 'Invoices held', type: 'int' },
      ],
      rows: result.map((row) => ({
        supplierId: String(row.id),
        supplier: String(row.name),
        spend: money(row.spend),
        orders: int(row.orders),
        receipts: int(row.receipts),
        onTimeRate: percent(int(row.on_time), int(row.promised)),
        rejected: trimQuantity(row.rejected),
        returned: trimQuantity(row.returned),
        priceVariance: money(row.price_variance),
        invoicesHeld: int(row.held),
      })),
      totals: null,
    },
  ];
}

/** A quantity without trailing zeros: 2.0000 -> 2, 1.5000 -> 1.5. */
const trimQuantity = (value: unknown) => str(value ?? '0').replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');

async function budgetVsActual(db: Executor, scope: ReportScope): Promise<ReportSection[]> {
  const month = (expression: SQL) => sql`to_char(${expression}, 'YYYY-MM')`;
  const key = (dateExpression: SQL) => sql`(r.project_id::text || '|' || ${month(dateExpression)})`;
  const requisitionKey = key(sql`r.decided_at at time zone 'UTC'`);
  const projectFilter = scope.projectId ? sql`p.id = ${scope.projectId}` : sql`true`;
  // Budgets per project and month: a quarter's or a year's amount is shown in its first month.
  const result = await rows<Row>(
    db,
    sql`with actual as (${actualBy(scope, key(sql`i.invoice_date`), true, sql`r.project_id is not null`)}),
      committed as (${committedBy(scope, key(sql`po.issued_at at time zone 'UTC'`), requisitionKey, true, sql`r.project_id is not null`)}),
      budget as (${budgetBy(scope, sql`(b.project_id::text || '|' || to_char(b.period_start, 'YYYY-MM'))`, sql`b.project_id is not null${scope.glCode ? sql` and b.gl_code = ${scope.glCode}` : sql` and b.gl_code is null`}`)}),
      keys as (select key from actual union select key from committed union select key from budget)
    select p.id, p.code, p.name, split_part(k.key, '|', 2) as month, b.amount::text as budget, c.amount::text as committed, a.amount::text as actual
    from keys k join projects p on p.id::text = split_part(k.key, '|', 1)
      left join actual a on a.key = k.key left join committed c on c.key = k.key left join budget b on b.key = k.key
    where ${projectFilter}
    order by p.code, month`,
  );
  // Running sums per project: budget, committed and spend up to each month.
  const running = new Map<string, { budget: string; committed: string; actual: string }>();
  const rowsOut = result.map((row) => {
    const id = String(row.id);
    const before = running.get(id) ?? { budget: '0.00', committed: '0.00', actual: '0.00' };
    const now = { budget: add(before.budget, money(row.budget)), committed: add(before.committed, money(row.committed)), actual: add(before.actual, money(row.actual)) };
    running.set(id, now);
    return {
      projectId: id,
      project: `${String(row.code)} ${String(row.name)}`,
      month: String(row.month),
      budget: money(row.budget),
      committed: money(row.committed),
      actual: money(row.actual),
      budgetToDate: now.budget,
      spentToDate: add(now.committed, now.actual),
      remaining: subtract(now.budget, now.committed, now.actual),
    };
  });
  return [
    {
      key: 'projects',
      title: 'Budget vs actual by project and month (with running totals)',
      columns: [
        { key: 'project', label: 'Project', type: 'text' },
        { key: 'month', label: 'Month', type: 'text' },
        { key: 'budget', label: 'Budget', type: 'money' },
        { key: 'committed', label: 'Committed', type: 'money' },
        { key: 'actual', label: 'Actual', type: 'money' },
        { key: 'budgetToDate', label: 'Budget to date', type: 'money' },
        { key: 'spentToDate', label: 'Committed + actual to date', type: 'money' },
        { key: 'remaining', label: 'Remaining', type: 'money' },
      ],
      rows: rowsOut,
      totals: null,
    },
  ];
}

const add = (left: string, right: string) => fromCents(cents(left) + cents(right));

async function approvalBottleneck(db: Executor, scope: ReportScope): Promise<ReportSection[]> {
  const steps = sql`from tasks t left join users x on x.id = coalesce(t.completed_by_id, t.assignee_id)
    ${needsRequisition(scope) ? sql`join requisitions r on r.id::text = t.subject_id join users u on u.id = r.requester_id` : sql``}
    where t.kind = 'requisition_approval' and ${inRangeAt(scope, sql`t.created_at`)} and ${requisitionScope(scope)}`;
  const waited = sql`extract(epoch from (coalesce(t.completed_at, ${`${scope.to}T23:59:59Z`}::timestamptz) - t.created_at)) / 3600.0`;
  // One pass over the steps, grouped three ways at once (grouping sets): by level, by role, by person.
  const person = sql`coalesce(t.completed_by_id, t.assignee_id)`;
  const grouped = await rows<Row>(
    db,
    sql`with s as (
        select coalesce(t.data->>'level', '?') as level, coalesce(t.data->>'stepLabel', t.data->>'level', '?') as level_label,
          coalesce(t.candidate_role, x.roles[1], '?') as role, ${person}::text as person, coalesce(x.name, 'Pool') as person_name,
          t.status, ${waited} as waited, t.due_at, t.completed_at, t.escalation_level
        ${steps})
      select grouping(level, level_label, role, person, person_name) as g, level, level_label, role, person, person_name, count(*)::int as steps,
        count(*) filter (where status = 'open')::int as open,
        percentile_cont(0.5) within group (order by waited)::float8 as p50,
        percentile_cont(0.9) within group (order by waited)::float8 as p90,
        count(*) filter (where due_at is not null and coalesce(completed_at, now()) > due_at)::int as overdue,
        count(*) filter (where escalation_level > 0)::int as escalated
      from s group by grouping sets ((level, level_label), (role), (person, person_name))`,
  );
  const byKey = (key: 'level' | 'role' | 'person') => grouped.filter((row) => row[key] !== null && (key !== 'person' || row.level === null)).sort((a, b) => str(a[key]).localeCompare(str(b[key])));
  const byLevel = byKey('level').map((row) => ({ ...row, key: row.level, label: row.level_label }));
  const byRole = byKey('role').map((row) => ({ ...row, key: row.role }));
  const byPerson = grouped.filter((row) => row.person_name !== null && row.level === null && row.role === null).map((row) => ({ ...row, key: row.person, label: row.person_name }));
  const stepColumns = [
    { key: 'steps', label: 'Steps', type: 'int' as const },
    { key: 'open', label: 'Waiting now', type: 'int' as const },
    { key: 'p50Hours', label: 'Wait p50 (h)', type: 'days' as const },
    { key: 'p90Hours', label: 'Wait p90 (h)', type: 'days' as const },
    { key: 'overdue', label: 'Overdue', type: 'int' as const },
    { key: 'escalated', label: 'Escalated', type: 'int' as const },
  ];
  const stepRow = (row: Row) => ({ steps: int(row.steps), open: int(row.open), p50Hours: hours(row.p50), p90Hours: hours(row.p90), overdue: int(row.overdue), escalated: int(row.escalated) });

  // Cycle times of the requisitions submitted in the range, from submission to each milestone.
  const cycles = await rows<Row>(
    db,
    sql`with req as (
        select r.id, r.submitted_at, r.decided_at, r.status from requisitions r ${needsRequisition(scope) ? sql`join users u on u.id = r.requester_id` : sql``}
        where r.submitted_at is not null and ${inRangeAt(scope, sql`r.submitted_at`)} and ${requisitionScope(scope)}),
      -- Each order's first receipt and first payment, then each requisition's first order, receipt and payment, in one pass.
      firsts as (
        select po.requisition_id as id, min(po.issued_at) as ordered, min(g.at) as received, min(p.at) as paid
        from purchase_orders po
          left join (select purchase_order_id, min(received_at) as at from goods_receipts group by 1) g on g.purchase_order_id = po.id
          left join (select purchase_order_id, min(paid_at) as at from invoices where paid_at is not null group by 1) p on p.purchase_order_id = po.id
        where po.issued_at is not null group by 1),
      milestones as (
        select v.milestone, extract(epoch from (v.at - req.submitted_at))::float8 / 86400.0 as days
        from req left join firsts f on f.id = req.id
          cross join lateral (values ('approval', case when req.status in ('approved', 'ordered', 'closed') then req.decided_at end),
            ('purchase order', f.ordered), ('receipt', f.received), ('payment', f.paid)) as v(milestone, at)
        where v.at is not null)
    select milestone, count(*)::int as n,
      percentile_cont(0.5) within group (order by days)::float8 as p50,
      percentile_cont(0.9) within group (order by days)::float8 as p90
    from milestones group by milestone`,
  );
  const order = ['approval', 'purchase order', 'receipt', 'payment'];
  return [
    { key: 'levels', title: 'By approval level', columns: [{ key: 'level', label: 'Level', type: 'text' }, ...stepColumns], rows: byLevel.map((row) => ({ level: String(row.label), ...stepRow(row) })), totals: null },
    { key: 'roles', title: 'By role', columns: [{ key: 'role', label: 'Role', type: 'text' }, ...stepColumns], rows: byRole.map((row) => ({ role: roleLabels[str(row.key) as Role] ?? str(row.key), ...stepRow(row) })), totals: null },
    { key: 'people', title: 'By person', columns: [{ key: 'person', label: 'Person', type: 'text' }, ...stepColumns], rows: byPerson.map((row) => ({ person: String(row.label), ...stepRow(row) })), totals: null },
    {
      key: 'cycle',
      title: 'Cycle time from submission (days)',
      columns: [
        { key: 'milestone', label: 'From submission to', type: 'text' },
        { key: 'requisitions', label: 'Requisitions', type: 'int' },
        { key: 'p50Days', label: 'p50 (days)', type: 'days' },
        { key: 'p90Days', label: 'p90 (days)', type: 'days' },
      ],
      rows: cycles
        .sort((a, b) => order.indexOf(String(a.milestone)) - order.indexOf(String(b.milestone)))
        .map((row) => ({ milestone: String(row.milestone), requisitions: int(row.n), p50Days: hours(row.p50), p90Days: hours(row.p90) })),
      totals: null,
    },
  ];
}

/** A figure with its unit for a column of mixed measures: "100 %", "32.5 days"; a dash when there is nothing to measure. */
const withUnit = (value: number | null, unit: string) => (value === null ? '–' : `${value} ${unit}`);

/** Hours or days with two decimals, as a number. */
const hours = (value: unknown) => (value === null || value === undefined ? null : Math.round(Number(value) * 100) / 100);

async function poSummary(db: Executor, scope: ReportScope): Promise<ReportSection[]> {
  const orders = sql`from purchase_orders po ${requisitionJoins(scope)}
    where po.status not in ('draft', 'pending_approval') and po.issued_at is not null and ${inRangeAt(scope, sql`po.issued_at`)} and ${orderScope(scope, false)}
    ${scope.glCode ? sql`and exists (select 1 from purchase_order_lines pol where pol.purchase_order_id = po.id and pol.gl_code = ${scope.glCode})` : sql``}`;
  const openValue = sql`coalesce((select sum(round(greatest(l.quantity - l.cancelled_quantity - (l.received_quantity - l.rejected_quantity - l.returned_quantity), 0) * l.unit_price, 2))
      from purchase_order_lines l where l.purchase_order_id = po.id), 0)`;
  // One pass over the range's orders, summed four ways at once (grouping sets): by status, supplier, month and overall.
  const grouped = await rows<Row>(
    db,
    sql`with o as (
        select po.status, po.supplier_id, to_char(po.issued_at at time zone 'UTC', 'YYYY-MM') as month, po.total, po.revision,
          case when po.status in ('issued', 'partially_received') then ${openValue} else 0 end as open_value
        ${orders})
      select grouping(status, supplier_id, month) as level, status, supplier_id::text as supplier_id, month,
        count(*)::int as orders, sum(total)::numeric(18, 2)::text as value, sum(open_value)::numeric(18, 2)::text as open_value,
        count(*) filter (where status in ('issued', 'partially_received'))::int as awaiting_receipt, sum(revision)::int as revisions
      from o group by grouping sets ((status), (supplier_id), (month), ())`,
  );
  const supplierNames = new Map(
    (await rows<{ id: string; name: string }>(db, sql`select s.id::text as id, s.name from suppliers s where s.id in (select po.supplier_id ${orders})`)).map((row) => [row.id, row.name]),
  );
  const of = (present: 'status' | 'supplier_id' | 'month' | null) =>
    grouped
      .filter((row) => (present === null ? row.status === null && row.supplier_id === null && row.month === null && int(row.level) === 7 : row[present] !== null))
      .sort((a, b) => str(a[present ?? 'level']).localeCompare(str(b[present ?? 'level'])));
  const byStatus = of('status').map((row) => ({ ...row, key: row.status }));
  const bySupplier = of('supplier_id').map((row) => ({ ...row, key: row.supplier_id, label: supplierNames.get(str(row.supplier_id)) ?? str(row.supplier_id) }));
  const byMonth = of('month').map((row) => ({ ...row, key: row.month }));
  const [total] = of(null);
  const columns = [
    { key: 'orders', label: 'POs', type: 'int' as const },
    { key: 'value', label: 'Value', type: 'money' as const },
    { key: 'openValue', label: 'Open value', type: 'money' as const },
    { key: 'awaitingReceipt', label: 'Awaiting receipt', type: 'int' as const },
    { key: 'revisions', label: 'Revisions', type: 'int' as const },
  ];
  const figures = (row: Row) => ({ orders: int(row.orders), value: money(row.value), openValue: money(row.open_value), awaitingReceipt: int(row.awaiting_receipt), revisions: int(row.revisions) });
  return [
    { key: 'status', title: 'By status', columns: [{ key: 'status', label: 'Status', type: 'text' }, ...columns], rows: byStatus.map((row) => ({ status: String(row.key), ...figures(row) })), totals: total ? { status: 'Total', ...figures(total) } : null },
    { key: 'suppliers', title: 'By supplier', columns: [{ key: 'supplier', label: 'Supplier', type: 'text' }, ...columns], rows: bySupplier.map((row) => ({ supplierId: String(row.key), supplier: String(row.label), ...figures(row) })), totals: null },
    { key: 'months', title: 'By month issued', columns: [{ key: 'month', label: 'Month', type: 'text' }, ...columns], rows: byMonth.map((row) => ({ month: String(row.key), ...figures(row) })), totals: null },
  ];
}

/** The project details' one section, without its rows: they are read a page at a time (`openProjectRecords`). */
export const projectRecordsSection: Omit<ReportSection, 'rows'> = {
  key: 'records',
  title: 'Requisitions, orders, receipts and invoices',
  columns: [
    { key: 'type', label: 'Record', type: 'text' },
    { key: 'number', label: 'Number', type: 'text' },
    { key: 'date', label: 'Date', type: 'date' },
    { key: 'status', label: 'Status', type: 'text' },
    { key: 'supplier', label: 'Supplier', type: 'text' },
    { key: 'reference', label: 'Reference', type: 'text' },
    { key: 'amount', label: 'Amount', type: 'money' },
  ],
  totals: null,
};

export interface ProjectRecordsParams {
  scope: ReportScope;
  /** Records per FETCH. */
  pageSize: number;
  /** The cursor's snapshot is let go when nobody asks for a page this long (a reader that stalled). */
  idleTimeoutMs: number;
}

/** A project's records, a page at a time: `next` answers an empty page at the end; `close` lets the snapshot go. */
export interface ProjectRecordsCursor {
  next(): Promise<ReportSection['rows']>;
  close(): Promise<void>;
}

/**
 * A project's requisitions, orders, receipts and invoices (the project
 * details report, which has no bound: every record of a project) in the
 * order of (date, type, number, id), through a server-side cursor in a
 * read-only REPEATABLE READ transaction: the query runs once, each page is a
 * FETCH, and every page comes from the same snapshot (an export is the
 * project as it stood when it began). Keyset pages were tried first: each
 * re-read and re-sorted the project's records from its key on (no index
 * orders a union), so a 142,000-record project took 316 s in 143 pages; the
 * cursor reads it once.
 *
 * The transaction holds a connection (of the read replica when there is
 * one) while the reader reads; a reader that asks for nothing for
 * `idleTimeoutMs` loses it (the next `next` fails), so a stalled client
 * cannot pin it. Type and number sort in the "C" collation: the same order
 * on every server, whatever its locale.
 */
export async function openProjectRecords(db: Executor, params: ProjectRecordsParams): Promise<ProjectRecordsCursor> {
  const { scope, pageSize, idleTimeoutMs } = params;
  const project = sql`r.project_id = ${scope.projectId!} and ${requisitionScope(scope)}`;
  const supplier = scope.supplierId ? sql`and po.supplier_id = ${scope.supplierId}` : sql``;
  const query = sql`select type, number, date::text as date, status, supplier, description, amount from (
      select 'Requisition' as type, r.number, ${day(sql`coalesce(r.submitted_at, r.created_at)`)} as date, r.status, r.total::text as amount, null::text as supplier, r.title as description, r.id
        from requisitions r join users u on u.id = r.requester_id
        where ${project} and r.number is not null and ${inRangeAt(scope, sql`coalesce(r.submitted_at, r.created_at)`)}
      union all
      select 'Purchase order', po.number, ${day(sql`po.issued_at`)}, po.status, po.total::text, s.name, r.number, po.id
        from purchase_orders po join requisitions r on r.id = po.requisition_id join users u on u.id = r.requester_id join suppliers s on s.id = po.supplier_id
        where ${project} ${supplier} and po.issued_at is not null and ${inRangeAt(scope, sql`po.issued_at`)}
      union all
      select 'Goods receipt', g.number, ${day(sql`g.received_at`)}, 'received',
          (select sum(round((l.quantity_received - l.quantity_rejected) * pol.unit_price, 2)) from goods_receipt_lines l join purchase_order_lines pol on pol.id = l.purchase_order_line_id where l.receipt_id = g.id)::text, s.name, po.number, g.id
        from goods_receipts g join purchase_orders po on po.id = g.purchase_order_id join requisitions r on r.id = po.requisition_id join users u on u.id = r.requester_id join suppliers s on s.id = po.supplier_id
        where ${project} ${supplier} and ${inRangeAt(scope, sql`g.received_at`)}
      union all
      select case when i.kind = 'credit_note' then 'Credit note' else 'Invoice' end, i.number, i.invoice_date, i.status, i.total::text, s.name, i.invoice_number, i.id
        from invoices i join purchase_orders po on po.id = i.purchase_order_id join requisitions r on r.id = po.requisition_id join users u on u.id = r.requester_id join suppliers s on s.id = i.supplier_id
        where ${project} ${supplier} and ${inRange(scope, sql`i.invoice_date`)}
    ) records
    order by records.date, records.type collate "C", coalesce(records.number, '') collate "C", records.id`;

  // The transaction runs as its own task and serves one request at a time: a page, or the end.
  type Request = { close: boolean; resolve: (rows: Row[]) => void; reject: (error: unknown) => void };
  const queue: Request[] = [];
  let wake: (() => void) | null = null;
  let failure: Error | null = null;
  let finished = false;
  const closedError = () => failure ?? new Error('the export’s cursor is closed');
  const nextRequest = () =>
    new Promise<Request>((resolve, reject) => {
      const take = () => {
        clearTimeout(timer);
        wake = null;
        resolve(queue.shift()!);
      };
      const timer = setTimeout(() => {
        wake = null;
        reject(new Error(`the export's reader asked for nothing for ${idleTimeoutMs} ms: its snapshot was let go`));
      }, idleTimeoutMs);
      if (queue.length) take();
      else wake = take;
    });
  let opened!: () => void;
  const ready = new Promise<void>((resolve) => (opened = resolve));
  const done = db
    .transaction(
      async (tx) => {
        await tx.execute(sql`declare project_records no scroll cursor for ${query}`);
        opened();
        for (;;) {
          const request = await nextRequest();
          if (request.close) return request.resolve([]);
          try {
            request.resolve(await rows<Row>(tx, sql`fetch forward ${sql.raw(String(pageSize))} from project_records`));
          } catch (error) {
            request.reject(error);
            throw error;
          }
        }
      },
      { isolationLevel: 'repeatable read', accessMode: 'read only' },
    )
    .catch((error: unknown) => {
      failure = error instanceof Error ? error : new Error(String(error));
      opened();
    })
    .finally(() => {
      finished = true;
      for (const request of queue.splice(0)) {
        if (request.close) request.resolve([]);
        else request.reject(closedError());
      }
    });
  await ready;
  // The cursor could not be declared (the transaction ended before it was): its error.
  if (failure !== null) throw closedError();

  const ask = (close: boolean) =>
    new Promise<Row[]>((resolve, reject) => {
      if (finished) return close ? resolve([]) : reject(closedError());
      queue.push({ close, resolve, reject });
      wake?.();
    });
  return {
    async next() {
      return (await ask(false)).map((row) => ({
        type: String(row.type),
        number: strOrNull(row.number),
        date: strOrNull(row.date),
        status: str(row.status),
        supplier: strOrNull(row.supplier),
        reference: strOrNull(row.description),
        amount: money(row.amount),
      }));
    },
    async close() {
      await ask(true);
      await done;
    },
  };
}

async function apHealth(db: Executor, scope: ReportScope): Promise<ReportSection[]> {
  const [figures] = await rows<Row>(
    db,
    sql`select
        count(*) filter (where i.approved_at is not null)::int as approved,
        count(*) filter (where i.approved_automatically and not exists (select 1 from invoice_holds h where h.invoice_id = i.id))::int as first_pass,
        count(*) filter (where i.status = 'on_hold')::int as on_hold,
        count(*) filter (where i.paid_at is not null)::int as paid,
        (sum(extract(epoch from (i.paid_at - i.invoice_date::timestamptz)) / 86400.0 * i.total) filter (where i.paid_at is not null)
          / nullif(sum(i.total) filter (where i.paid_at is not null), 0))::float8 as dpo,
        sum(i.discount_amount) filter (where i.discount_amount is not null and p.paid_on <= i.discount_date)::text as taken,
        sum(i.discount_amount) filter (where i.discount_amount is not null and (p.paid_on > i.discount_date or (p.paid_on is null and i.discount_date < ${scope.to}::date and i.status <> 'rejected')))::text as missed
      ${sql`from invoices i left join invoice_payments p on p.invoice_id = i.id join purchase_orders po on po.id = i.purchase_order_id ${requisitionJoins(scope)}
        where i.kind = 'invoice' and ${inRange(scope, sql`i.invoice_date`)} and ${orderScope(scope, false)}`}`,
  );
  const holds = await rows<Row>(
    db,
    sql`select h.reason, count(*)::int as placed, count(*) filter (where h.released_at is null)::int as open
      from invoice_holds h join invoices i on i.id = h.invoice_id join purchase_orders po on po.id = i.purchase_order_id ${requisitionJoins(scope)}
      where ${inRange(scope, sql`i.invoice_date`)} and ${orderScope(scope, false)}
      group by 1 order by 2 desc, 1`,
  );
  const f = figures ?? {};
  return [
    {
      key: 'health',
      title: 'Accounts payable health',
      columns: [
        { key: 'measure', label: 'Measure', type: 'text' },
        { key: 'value', label: 'Value', type: 'text' },
      ],
      rows: [
        { measure: 'Invoices approved', value: String(int(f.approved)) },
        { measure: 'First-pass match rate (approved with no person touching them)', value: withUnit(percent(int(f.first_pass), int(f.approved)), '%') },
        { measure: 'Invoices on hold now', value: String(int(f.on_hold)) },
        { measure: 'Invoices paid', value: String(int(f.paid)) },
        { measure: 'Days payable outstanding (days from invoice date to payment, weighted by amount)', value: withUnit(hours(f.dpo), 'days') },
        { measure: 'Early-payment discounts taken', value: money(f.taken) },
        { measure: 'Early-payment discounts missed', value: money(f.missed) },
      ],
      totals: null,
    },
    {
      key: 'holds',
      title: 'Holds by reason',
      columns: [
        { key: 'reason', label: 'Reason', type: 'text' },
        { key: 'placed', label: 'Placed', type: 'int' },
        { key: 'open', label: 'Still open', type: 'int' },
      ],
      rows: holds.map((row) => ({ reason: String(row.reason), placed: int(row.placed), open: int(row.open) })),
      totals: null,
    },
  ];
}

/** The report whose rows have no bound (every record of a project): read a page at a time through `openProjectRecords`, never as one result. */
export type PagedReportName = 'project-details';

/** The reports bounded by their groups (codes, suppliers, months, statuses, levels): each read whole, in one transaction. */
export const reportQueries = {
  'spend-by-gl': spendByGl,
  'supplier-performance': supplierPerformance,
  'budget-vs-actual': budgetVsActual,
  'approval-bottleneck': approvalBottleneck,
  'po-summary': poSummary,
  'ap-health': apHealth,
} satisfies Record<Exclude<ReportName, PagedReportName>, (db: Executor, scope: ReportScope) => Promise<ReportSection[]>>;

// ---- budgets ----

export async function upsertBudget(db: Executor, params: Omit<typeof budgets.$inferInsert, 'id' | 'createdAt'>): Promise<BudgetRow> {
  const [row] = await db
    .insert(budgets)
    .values(params)
    .onConflictDoUpdate({ target: [budgets.projectId, budgets.glCode, budgets.period], set: { amount: params.amount, updatedById: params.updatedById, updatedAt: params.updatedAt } })
    .returning();
  return row!;
}

export async function findBudget(db: Executor, id: string): Promise<BudgetRow | undefined> {
  const [row] = await db.select().from(budgets).where(eq(budgets.id, id)).limit(1);
  return row;
}

export async function deleteBudget(db: Executor, id: string): Promise<BudgetRow | undefined> {
  const [row] = await db.delete(budgets).where(eq(budgets.id, id)).returning();
  return row;
}

export async function listBudgets(db: Executor, params: { projectId?: string | undefined; glCode?: string | undefined; year?: number | undefined; limit: number }) {
  return db
    .select({ budget: budgets, projectName: sql<string | null>`${projects.code} || ' ' || ${projects.name}` })
    .from(budgets)
    .leftJoin(projects, eq(projects.id, budgets.projectId))
    .where(
      and(
        params.projectId ? eq(budgets.projectId, params.projectId) : undefined,
        params.glCode ? eq(budgets.glCode, params.glCode) : undefined,
        params.year ? sql`${budgets.periodStart} >= ${`${params.year}-01-01`}::date and ${budgets.periodEnd} <= ${`${params.year}-12-31`}::date` : undefined,
      ),
    )
    .orderBy(asc(budgets.periodStart), asc(budgets.projectId), asc(budgets.glCode))
    .limit(params.limit);
}

/** What a budget's scope has committed and spent in its period (the same definitions as the reports). */
export async function budgetFigures(db: Executor, budget: Pick<BudgetRow, 'projectId' | 'glCode' | 'periodStart' | 'periodEnd'>): Promise<{ committed: string; actual: string }> {
  const scope: ReportScope = { from: budget.periodStart, to: budget.periodEnd, projectId: budget.projectId ?? undefined, glCode: budget.glCode ?? undefined, requesterIds: null };
  const [row] = await rows<{ committed: string | null; actual: string | null }>(
    db,
    sql`select (select sum(amount) from (${committedBy(scope, sql`1`, sql`1`)}) c)::text as committed, (select sum(amount) from (${actualBy(scope, sql`1`)}) a)::text as actual`,
  );
  return { committed: money(row?.committed), actual: money(row?.actual) };
}

export { add as addMoney, subtract as subtractMoney };
