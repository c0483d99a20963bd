import { holdReasonLabels, type Dashboard, type DashboardRole, type DashboardSection, type HoldReason } from '@p2p/domain';
import type { DashboardChange } from '../../db/queries/notify.ts';
import { accountantFigures, approverFigures, buyerFigures, financeFigures, requesterFigures } from '../../db/queries/dashboard.ts';
import { addMoney, subtractMoney } from '../../db/queries/reports.ts';
import type { RequestActor } from '../context.ts';
import type { ApiDeps } from '../deps.ts';

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());
const round1 = (value: number | null) => (value === null ? null : Math.round(value * 10) / 10);
const zero = (value: string | null) => value ?? '0.00';

export type DashboardService = ReturnType<typeof createDashboardService>;

/**
 * The sections of this person's dashboard a record change moves, so that
 * their home page reloads only when one of its numbers may have changed.
 * "Waiting for me" moves with the person's own task events (sent apart).
 */
export function dashboardSectionsMoved(change: DashboardChange, actor: Pick<RequestActor, 'user'>): DashboardRole[] {
  const roles = new Set<string>(actor.user.roles);
  const mine = change.userIds === undefined || change.userIds === null || change.userIds.includes(actor.user.id);
  const sections: DashboardRole[] = [];
  const add = (section: DashboardRole, when: boolean) => {
    if (when) sections.push(section);
  };
  switch (change.table) {
    case 'requisitions':
      add('requester', roles.has('requester') && mine);
      add('buyer', roles.has('buyer') || roles.has('procurement_manager'));
      break;
    case 'tasks':
      add('requester', roles.has('requester') && mine);
      add('accountant', roles.has('accountant') && (change.kinds ?? []).includes('invoice_approval'));
      break;
    case 'purchase_orders':
      add('buyer', roles.has('buyer') || roles.has('procurement_manager'));
      break;
    case 'invoices':
    case 'invoice_holds':
      add('accountant', roles.has('accountant'));
      break;
    case 'budgets':
    case 'report_spend_summary':
      add('finance_director', roles.has('finance_director'));
      break;
  }
  return sections;
}

/**
 * The home page's figures per role (issue #16): each person gets the views
 * their roles give them, computed now from the records (read from the
 * replica when there is one), except spend against budget, which reads
 * the spend summary a Schedule refreshes (its section says as of when). The
 * web reloads them on the event stream's `task` and `dashboard` events.
 */
export function createDashboardService(deps: Pick<ApiDeps, 'db' | 'readDb' | 'clock'>) {
  const db = deps.readDb ?? deps.db;
  const { clock } = deps;

  async function requester(actor: RequestActor): Promise<DashboardSection> {
    const { counts, waiting } = await requesterFigures(db, actor.user.id);
    return {
      role: 'requester',
      title: 'My requests',
      tiles: [
        { key: 'in_approval', label: 'In approval', value: counts.in_approval, unit: 'count', hint: waiting.length ? `the oldest waiting since ${iso(waiting[0]!.since)?.slice(0, 10) ?? 'its start'}` : null, href: '/requisitions?status=under_review', tone: 'neutral' },
        { key: 'approved', label: 'Approved, to be ordered', value: counts.approved, unit: 'count', hint: null, href: '/requisitions?status=approved', tone: 'good' },
        { key: 'ordered', label: 'Ordered', value: counts.ordered, unit: 'count', hint: null, href: '/requisitions?status=ordered', tone: 'neutral' },
        { key: 'drafts', label: 'Drafts', value: counts.drafts, unit: 'count', hint: null, href: '/requisitions?status=draft', tone: 'neutral' },
        { key: 'rejected', label: 'Rejected (90 days)', value: counts.rejected, unit: 'count', hint: null, href: '/requisitions?status=rejected', tone: counts.rejected ? 'warning' : 'neutral' },
      ],
      charts: [
        {
          key: 'by_status',
          title: 'My requests by status',
          kind: 'bar',
          unit: 'count',
          categories: ['Drafts', 'In approval', 'Approved', 'Ordered', 'Rejected (90 days)'],
          series: [{ name: 'Requests', values: [counts.drafts, counts.in_approval, counts.approved, counts.ordered, counts.rejected] }],
        },
      ],
      asOf: null,
      lists: [
        {
          key: 'waiting',
          title: 'Where my requests wait',
          items: waiting.map((row) => ({
            label: row.number ?? row.title,
            detail: row.holder ? `with ${row.holder}` : row.role ? `offered to every ${row.role.replaceAll('_', ' ')}` : 'on its way to the next step',
            href: `/requisitions/${row.id}`,
            since: iso(row.since),
          })),
        },
      ],
    };
  }

  async function approver(actor: RequestActor): Promise<DashboardSection | null> {
    const { figures, oldest } = await approverFigures(db, { id: actor.user.id, roles: actor.user.roles, delegatorIds: actor.delegatorIds });
    const approves = actor.user.roles.some((role) => ['manager', 'procurement_manager', 'finance_director'].includes(role));
    if (!approves && figures.waiting === 0) return null;
    return {
      role: 'approver',
      title: 'Waiting for me',
      tiles: [
        { key: 'waiting', label: 'Tasks waiting', value: figures.waiting, unit: 'count', hint: null, href: '/inbox', tone: figures.waiting ? 'warning' : 'good' },
        { key: 'oldest', label: 'Oldest waiting', value: round1(figures.oldest_hours), unit: 'hours', hint: null, href: '/inbox', tone: (figures.oldest_hours ?? 0) > 48 ? 'bad' : 'neutral' },
        { key: 'overdue', label: 'Overdue', value: figures.overdue, unit: 'count', hint: 'past their due date', href: '/inbox', tone: figures.overdue ? 'bad' : 'good' },
      ],
      charts: [
        { key: 'age', title: 'How long tasks have waited', kind: 'bar', unit: 'count', categories: ['under 1 day', '1 to 2 days', '2 to 5 days', 'over 5 days'], series: [{ name: 'Tasks', values: [figures.lt1, figures.d1to2, figures.d2to5, figures.gt5] }] },
      ],
      asOf: null,
      lists: [{ key: 'oldest', title: 'The longest waiting', items: oldest.map((task) => ({ label: task.title, detail: task.due_at ? `due ${iso(task.due_at)!.slice(0, 16).replace('T', ' ')} UTC` : 'no due date', href: `/inbox?task=${task.id}`, since: iso(task.created_at) })) }],
    };
  }

  async function buyer(): Promise<DashboardSection> {
    const { figures, bySupplier } = await buyerFigures(db);
    return {
      role: 'buyer',
      title: 'Purchasing',
      tiles: [
        { key: 'lines_to_order', label: 'Lines to order', value: figures.lines_to_order, unit: 'count', hint: `on ${figures.requisitions_to_order} approved requisitions`, href: '/purchase-orders?status=draft', tone: figures.lines_to_order ? 'warning' : 'good' },
        { key: 'unacknowledged', label: 'Awaiting acknowledgement', value: figures.unacknowledged, unit: 'count', hint: 'issued, the supplier has not confirmed', href: '/purchase-orders?status=issued', tone: figures.unacknowledged ? 'warning' : 'good' },
        { key: 'awaiting_receipt', label: 'Awaiting receipt', value: figures.awaiting_receipt, unit: 'count', hint: null, href: '/receiving', tone: 'neutral' },
        { key: 'open_value', label: 'Open order value', value: zero(figures.open_value), unit: 'money', hint: null, href: '/purchase-orders', tone: 'neutral' },
      ],
      asOf: null,
      charts: [{ key: 'open_by_supplier', title: 'Open order value by supplier', kind: 'bar', unit: 'money', categories: bySupplier.map((row) => row.name), series: [{ name: 'Open value', values: bySupplier.map((row) => Number(row.value)) }] }],
      lists: [],
    };
  }

  async function accountant(): Promise<DashboardSection> {
    const { figures, holds } = await accountantFigures(db, clock().toISOString().slice(0, 10));
    return {
      role: 'accountant',
      title: 'Payables',
      tiles: [
        { key: 'on_hold', label: 'Invoices on hold', value: figures.on_hold, unit: 'count', hint: null, href: '/invoices?status=on_hold', tone: figures.on_hold ? 'warning' : 'good' },
        { key: 'due_week', label: 'Due this week', value: zero(figures.due_week_amount), unit: 'money', hint: `${figures.due_week} invoice${figures.due_week === 1 ? '' : 's'}`, href: '/payments', tone: 'neutral' },
        { key: 'overdue', label: 'Overdue', value: figures.overdue, unit: 'count', hint: 'approved, past their due date', href: '/payments', tone: figures.overdue ? 'bad' : 'good' },
        { key: 'to_approve', label: 'To approve for payment', value: figures.to_approve, unit: 'count', hint: null, href: '/inbox', tone: 'neutral' },
        { key: 'discounts_open', label: 'Discounts still available', value: zero(figures.discounts_open), unit: 'money', hint: 'if paid by their discount date', href: '/payments', tone: 'good' },
      ],
      asOf: null,
      charts: [{ key: 'holds', title: 'Open holds by reason', kind: 'bar', unit: 'count', categories: holds.map((row) => holdReasonLabels[row.reason as HoldReason] ?? row.reason), series: [{ name: 'Holds', values: holds.map((row) => row.n) }] }],
      lists: [],
    };
  }

  async function finance(): Promise<DashboardSection> {
    const year = clock().getUTCFullYear();
    const { totals, months, budgets, refreshedAt } = await financeFigures(db, year);
    const budget = totals.budget;
    const spent = addMoney(zero(totals.actual), zero(totals.committed));
    const categories = Array.from({ length: 12 }, (_, index) => `${year}-${String(index + 1).padStart(2, '0')}`);
    const monthly = (list: { month: string; value: string }[]) => categories.map((month) => Number(list.find((row) => row.month === month)?.value ?? '0'));
    return {
      role: 'finance_director',
      title: `Spend against budget, ${year}`,
      tiles: [
        { key: 'budget', label: 'Budget', value: budget, unit: 'money', hint: budget === null ? 'no company-wide budget set' : null, href: '/budgets', tone: 'neutral' },
        { key: 'actual', label: 'Spent (invoiced)', value: zero(totals.actual), unit: 'money', hint: null, href: `/reports/spend-by-gl`, tone: 'neutral' },
        { key: 'committed', label: 'Committed (open orders)', value: zero(totals.committed), unit: 'money', hint: null, href: '/reports/po-summary', tone: 'neutral' },
        {
          key: 'remaining',
          label: 'Remaining',
          value: budget === null ? null : subtractMoney(budget, spent),
          unit: 'money',
          hint: budget === null ? null : 'budget less spent and committed',
          href: '/reports/budget-vs-actual',
          tone: budget === null ? 'neutral' : subtractMoney(budget, spent).startsWith('-') ? 'bad' : 'good',
        },
      ],
      charts: [
        {
          key: 'monthly',
          title: 'Spend and budget by month',
          kind: 'line',
          unit: 'money',
          categories,
          series: [
            { name: 'Spent (invoiced)', values: monthly(months.map((row) => ({ month: row.month, value: row.actual }))) },
            { name: 'Budget', values: monthly(budgets.map((row) => ({ month: row.month, value: row.budget }))) },
          ],
        },
      ],
      lists: [],
      asOf: iso(refreshedAt),
    };
  }

  return {
    async dashboard(actor: RequestActor): Promise<Dashboard> {
      const roles = new Set<string>(actor.user.roles);
      const sections: (DashboardSection | null)[] = [];
      if (roles.has('requester')) sections.push(await requester(actor));
      sections.push(await approver(actor));
      if (roles.has('buyer') || roles.has('procurement_manager')) sections.push(await buyer());
      if (roles.has('accountant')) sections.push(await accountant());
      if (roles.has('finance_director')) sections.push(await finance());
      return { generatedAt: clock().toISOString(), sections: sections.filter((section): section is DashboardSection => section !== null) };
    },
  };
}
