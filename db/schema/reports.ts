import { date, index, numeric, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
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
