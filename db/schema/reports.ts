import { bigint, date, index, integer, numeric, pgMaterializedView, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import type { BudgetPeriodKind } from '@p2p/domain';
import { projects } from './reference.ts';
import { timestampColumn as at, users } from './users.ts';

/**
 * A budget (issue #16): an amount for a project, a GL / cost code or both,
 * over a month, a quarter or a year. Only the amount is stored: what is
 * committed, spent and left is computed from the records whenever it is read
 * (db/queries/reports.ts), never stored twice. One budget per project, code
 * and period (a missing project or code is one value of its own).
 */
export const budgets = pgTable(
  'budgets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: uuid('project_id').references(() => projects.id),
    glCode: text('gl_code'),
    /** As written: 2027, 2027-Q1, 2027-01. */
    period: text('period').notNull(),
    periodKind: text('period_kind').$type<BudgetPeriodKind>().notNull(),
    periodStart: date('period_start', { mode: 'string' }).notNull(),
    periodEnd: date('period_end', { mode: 'string' }).notNull(),
    amount: numeric('amount', { precision: 18, scale: 2 }).notNull(),
    updatedById: uuid('updated_by_id').notNull().references(() => users.id),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (table) => [unique('budgets_scope_period').on(table.projectId, table.glCode, table.period).nullsNotDistinct(), index('budgets_period_idx').on(table.periodStart, table.periodEnd)],
);

export type BudgetRow = typeof budgets.$inferSelect;

/**
 * When each materialised report summary was last refreshed (by the
 * `report-summaries` Schedule), how long it took and a checksum of what it
 * holds: a refresh that changed nothing tells no one.
 */
export const reportSummaryRefreshes = pgTable('report_summary_refreshes', {
  name: text('name').primaryKey(),
  /** When the summary was last known to match the records: recomputed then, or found with nothing changed since. */
  refreshedAt: at('refreshed_at').notNull(),
  tookMs: integer('took_ms').notNull(),
  checksum: text('checksum').notNull(),
  /**
   * The `report_spend_changes` counter the summary reflects (migration 0015:
   * bumped by every statement writing orders, their lines, invoices and
   * their lines); -1 when writers were still at work as it was read, so the
   * next round recomputes.
   */
  changes: bigint('changes', { mode: 'number' }).notNull().default(-1),
});

/**
 * The company's spend by month, kind and project, materialised (migration
 * 0013) because the finance director's dashboard sums every open order's
 * lines and their invoices: a quarter of a second of SQL on a year of data,
 * against its 200 ms bar. Kinds: `ordered` (open orders' lines less
 * cancelled, by issue month), `billed` (what approved or paid invoices bill
 * of those lines, at the order's price, by the order's issue month) and
 * `actual` (approved and paid invoice lines, by invoice month) — the
 * reports' definitions (db/queries/reports.ts). Refreshed concurrently by a
 * Temporal Schedule; read only by the dashboard, never written to.
 */
export const reportSpendSummary = pgMaterializedView('report_spend_summary', {
  kind: text('kind').$type<'ordered' | 'billed' | 'actual'>().notNull(),
  month: date('month', { mode: 'string' }).notNull(),
  projectId: uuid('project_id'),
  amount: numeric('amount', { precision: 18, scale: 2 }).notNull(),
}).existing();
