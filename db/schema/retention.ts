import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { projects, suppliers } from './reference.ts';
import { timestampColumn as at, users } from './users.ts';

/**
 * A legal hold (SPEC 4.4): while it is in force (not released), the records
 * it covers never reach a retention review, whatever their date. It names one
 * record (class and id), or a supplier or a project, whose records it covers
 * as each class says (db/queries/retention.ts). Released holds stay, with who
 * released them and why: they are part of the record.
 */
export const legalHolds = pgTable(
  'legal_holds',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    scope: text('scope').$type<'record' | 'supplier' | 'project'>().notNull(),
    recordClass: text('record_class'),
    /** A uuid, or an audit entry's number, as text. */
    recordId: text('record_id'),
    supplierId: uuid('supplier_id').references(() => suppliers.id),
    projectId: uuid('project_id').references(() => projects.id),
    /** What is held, in words, as it was named when the hold was placed (a number, a supplier's or project's name). */
    target: text('target').notNull(),
    reason: text('reason').notNull(),
    placedById: uuid('placed_by_id').notNull().references(() => users.id),
    placedAt: at('placed_at').notNull(),
    releasedAt: at('released_at'),
    releasedById: uuid('released_by_id').references(() => users.id),
    releaseReason: text('release_reason'),
  },
  (table) => [
    // The selection asks "is this record held?" per candidate: only holds in force are in these indexes.
    index('legal_holds_record_idx').on(table.recordClass, table.recordId).where(sql`${table.releasedAt} is null`),
    index('legal_holds_supplier_idx').on(table.supplierId).where(sql`${table.releasedAt} is null`),
    index('legal_holds_project_idx').on(table.projectId).where(sql`${table.releasedAt} is null`),
    index('legal_holds_placed_idx').on(table.placedAt, table.id),
    check(
      'legal_holds_scope_target',
      sql`(${table.scope} = 'record' and ${table.recordClass} is not null and ${table.recordId} is not null and ${table.supplierId} is null and ${table.projectId} is null)
        or (${table.scope} = 'supplier' and ${table.supplierId} is not null and ${table.recordClass} is null and ${table.recordId} is null and ${table.projectId} is null)
        or (${table.scope} = 'project' and ${table.projectId} is not null and ${table.recordClass} is null and ${table.recordId} is null and ${table.supplierId} is null)`,
    ),
    check('legal_holds_release_whole', sql`(${table.releasedAt} is null) = (${table.releasedById} is null) and (${table.releasedAt} is null) = (${table.releaseReason} is null)`),
  ],
);

export type LegalHoldRow = typeof legalHolds.$inferSelect;
