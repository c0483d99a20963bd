import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { addMoney, rows } from './reports.ts';

/**
 * The figures of the role dashboards (issue #16): small, indexed reads of
 * what is open now (tasks, requisitions, orders, invoices) plus this year's
 * spend by month. Money comes back as text with two decimals.
 */

type Row = Record<string, unknown>;

async function one<T extends Row>(db: Executor, query: SQL): Promise<T> {
  return (await rows<T>(db, query))[0]!;
}

export async function requesterFigures(db: Executor, userId: string) {
  const counts = await one<{ drafts: number; in_approval: number; approved: number; ordered: number; rejected: number }>(
    db,
    sql`select count(*) filter (where status = 'draft')::int as drafts,
        count(*) filter (where status in ('submitted', 'under_review', 'questioned'))::int as in_approval,
        count(*) filter (where status = 'approved')::int as approved,
        count(*) filter (where status = 'ordered')::int as ordered,
        count(*) filter (where status = 'rejected' and updated_at > now() - interval '90 days')::int as rejected
      from requisitions where requester_id = ${userId} and status not in ('closed', 'withdrawn')`,
  );
  // Where each request in approval waits: the open step of its process, who holds it, since when.
  const waiting = await rows<{ id: string; number: string | null; title: string; status: string; holder: string | null; role: string | null; since: Date | string | null }>(
    db,
    sql`select r.id, r.number, r.title, r.status, u.name as holder, t.candidate_role as role, t.created_at as since
      from requisitions r
      left join lateral (select t.assignee_id, t.candidate_role, t.created_at from tasks t where t.process_id = r.workflow_id and t.status = 'open' order by t.created_at limit 1) t on true
      left join users u on u.id = t.assignee_id
      where r.requester_id = ${userId} and r.status in ('submitted', 'under_review', 'questioned')
      order by t.created_at nulls last limit 10`,
  );
  return { counts, waiting };
}

export async function approverFigures(db: Executor, user: { id: string; roles: readonly string[]; delegatorIds: readonly string[] }) {
  const mine = [user.id, ...user.delegatorIds];
  const holders = sql.join(mine.map((id) => sql`${id}::uuid`), sql`, `);
  const roles = user.roles.length ? sql.join(user.roles.map((role) => sql`${role}`), sql`, `) : sql`null`;
  const waitingFor = sql`t.status = 'open' and (t.assignee_id in (${holders}) or (t.assignee_id is null and t.candidate_role in (${roles}) and not (${user.id}::uuid = any(t.excluded_ids))))`;
  const figures = await one<{ waiting: number; overdue: number; oldest_hours: number | null; lt1: number; d1to2: number; d2to5: number; gt5: number }>(
    db,
    sql`select count(*)::int as waiting,
        count(*) filter (where t.due_at < now())::int as overdue,
        (extract(epoch from now() - min(t.created_at)) / 3600.0)::float8 as oldest_hours,
        count(*) filter (where t.created_at > now() - interval '1 day')::int as lt1,
        count(*) filter (where t.created_at <= now() - interval '1 day' and t.created_at > now() - interval '2 days')::int as d1to2,
        count(*) filter (where t.created_at <= now() - interval '2 days' and t.created_at > now() - interval '5 days')::int as d2to5,
        count(*) filter (where t.created_at <= now() - interval '5 days')::int as gt5
      from tasks t where ${waitingFor}`,
  );
  const oldest = await rows<{ id: string; title: string; created_at: Date | string; due_at: Date | string | null }>(db, sql`select t.id, t.title, t.created_at, t.due_at from tasks t where ${waitingFor} order by t.created_at limit 5`);
  return { figures, oldest };
}

export async function buyerFigures(db: Executor) {
  const figures = await one<{ lines_to_order: number; requisitions_to_order: number; unacknowledged: number; awaiting_receipt: number; open_value: string | null }>(
    db,
    sql`select
        (select count(*) from requisition_lines l join requisitions r on r.id = l.requisition_id where r.status = 'approved')::int as lines_to_order,
        (select count(*) from requisitions r where r.status = 'approved')::int as requisitions_to_order,
        (select count(*) from purchase_orders po where po.status in ('issued', 'partially_received') and po.acknowledgement = 'awaiting')::int as unacknowledged,
        (select count(*) from purchase_orders po where po.status in ('issued', 'partially_received'))::int as awaiting_receipt,
        (select sum(po.total) from purchase_orders po where po.status in ('issued', 'partially_received'))::numeric(18, 2)::text as open_value`,
  );
  const bySupplier = await rows<{ name: string; value: string }>(
    db,
    sql`select s.name, sum(po.total)::numeric(18, 2)::text as value from purchase_orders po join suppliers s on s.id = po.supplier_id
      where po.status in ('issued', 'partially_received') group by s.name order by sum(po.total) desc limit 6`,
  );
  return { figures, bySupplier };
}

export async function accountantFigures(db: Executor, today: string) {
  const figures = await one<{ on_hold: number; due_week: number; due_week_amount: string | null; overdue: number; to_approve: number; discounts_open: string | null }>(
    db,
    sql`select
        (select count(*) from invoices where status = 'on_hold')::int as on_hold,
        (select count(*) from invoices where status = 'approved' and due_date between ${today}::date and ${today}::date + 7)::int as due_week,
        (select sum(total) from invoices where status = 'approved' and due_date between ${today}::date and ${today}::date + 7)::numeric(18, 2)::text as due_week_amount,
        (select count(*) from invoices where status = 'approved' and due_date < ${today}::date)::int as overdue,
        (select count(*) from tasks where kind = 'invoice_approval' and status = 'open')::int as to_approve,
        (select sum(discount_amount) from invoices where status = 'approved' and discount_date >= ${today}::date)::numeric(18, 2)::text as discounts_open`,
  );
  const holds = await rows<{ reason: string; n: number }>(db, sql`select reason, count(*)::int as n from invoice_holds where released_at is null group by reason order by 2 desc`);
  return { figures, holds };
}

/**
 * This year's spend against budget, from the spend summary (migration 0013,
 * refreshed by the `report-summaries` Schedule): summing every open order's
 * lines and their invoices when asked took a quarter of a second on a year
 * of data. Committed is what open orders still owe, whenever issued; the
 * year's actual by invoice month. Budgets are read as they stand.
 */
export async function financeFigures(db: Executor, year: number) {
  const from = `${year}-01-01`;
  const to = `${year}-12-31`;
  const totals = await one<{ budget: string | null; committed: string | null; refreshed_at: Date | string | null }>(
    db,
    sql`select
        (select sum(amount) from budgets where project_id is null and period_start >= ${from}::date and period_end <= ${to}::date)::numeric(18, 2)::text as budget,
        (select sum(case kind when 'ordered' then amount else -amount end) from report_spend_summary where kind in ('ordered', 'billed'))::numeric(18, 2)::text as committed,
        (select refreshed_at from report_summary_refreshes where name = 'spend') as refreshed_at`,
  );
  const months = await rows<{ month: string; actual: string }>(
    db,
    sql`select to_char(month, 'YYYY-MM') as month, sum(amount)::numeric(18, 2)::text as actual from report_spend_summary
      where kind = 'actual' and month between ${from}::date and ${to}::date group by 1 order by 1`,
  );
  const budgets = await rows<{ month: string; budget: string }>(
    db,
    sql`select to_char(m, 'YYYY-MM') as month,
        sum(b.amount / (case b.period_kind when 'year' then 12 when 'quarter' then 3 else 1 end))::numeric(18, 2)::text as budget
      from budgets b cross join lateral generate_series(b.period_start, b.period_end, interval '1 month') as m
      where b.project_id is null and b.period_start >= ${from}::date and b.period_end <= ${to}::date group by 1 order by 1`,
  );
  const actual = months.length ? months.map((row) => row.actual).reduce((sum, value) => addMoney(sum, value)) : null;
  return { totals: { budget: totals.budget, actual, committed: totals.committed }, months, budgets, refreshedAt: totals.refreshed_at === null ? null : new Date(totals.refreshed_at) };
}
