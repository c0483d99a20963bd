import { sql } from 'drizzle-orm';
import type { RetentionAction, RetentionItemStatus } from '@p2p/domain';
import { bigint, check, index, integer, jsonb, pgTable, primaryKey, text, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
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

/**
 * One run of the retention review (SPEC 4.4), started by the nightly
 * Schedule or by a records manager; its workflow keeps the id across
 * continue-as-new. Its counts are read from its items, never stored.
 */
export const retentionReviews = pgTable(
  'retention_reviews',
  {
    id: uuid('id').primaryKey(),
    number: text('number').notNull().unique(),
    trigger: text('trigger').$type<'schedule' | 'manual'>().notNull(),
    startedById: uuid('started_by_id').references(() => users.id),
    workflowId: text('workflow_id').notNull(),
    status: text('status').$type<'running' | 'completed'>().notNull().default('running'),
    startedAt: at('started_at').notNull(),
    completedAt: at('completed_at'),
  },
  (table) => [index('retention_reviews_started_idx').on(table.startedAt, table.id)],
);

/**
 * A record a review took up, in the batch (one review task) it went in,
 * with the decision on it and what came of it. A record is in at most one
 * review at a time while undecided (the partial unique index), so two
 * reviews never ask about the same record.
 */
export const retentionReviewItems = pgTable(
  'retention_review_items',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    reviewId: uuid('review_id').notNull().references(() => retentionReviews.id),
    batch: integer('batch').notNull(),
    recordClass: text('record_class').notNull(),
    recordId: text('record_id').notNull(),
    number: text('number').notNull(),
    eventAt: at('event_at').notNull(),
    retentionDate: at('retention_date').notNull(),
    status: text('status').$type<RetentionItemStatus>().notNull().default('pending'),
    decision: text('decision').$type<RetentionAction>(),
    decidedById: uuid('decided_by_id').references(() => users.id),
    decidedAt: at('decided_at'),
    confirmedById: uuid('confirmed_by_id').references(() => users.id),
    extendedUntil: at('extended_until'),
    reason: text('reason'),
    note: text('note'),
  },
  (table) => [
    unique('retention_review_items_record').on(table.reviewId, table.recordClass, table.recordId),
    index('retention_review_items_batch_idx').on(table.reviewId, table.batch),
    uniqueIndex('retention_review_items_open_idx').on(table.recordClass, table.recordId).where(sql`${table.status} in ('pending', 'awaiting_confirmation')`),
  ],
);

/** A record kept past its date: the review selection skips it until `until`. The latest extension of a record is the one in force. */
export const retentionExtensions = pgTable(
  'retention_extensions',
  {
    recordClass: text('record_class').notNull(),
    recordId: text('record_id').notNull(),
    until: at('until').notNull(),
    reason: text('reason').notNull(),
    extendedById: uuid('extended_by_id').notNull().references(() => users.id),
    extendedAt: at('extended_at').notNull(),
    reviewItemId: uuid('review_item_id').references(() => retentionReviewItems.id),
  },
  (table) => [primaryKey({ columns: [table.recordClass, table.recordId] })],
);

/**
 * Proof of a disposal, kept for good: the class, id and number of what was
 * there, its dates, who decided (and confirmed), when it went and what the
 * disposal did. A disposed record is never reviewed again.
 */
export const retentionTombstones = pgTable(
  'retention_tombstones',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    reviewId: uuid('review_id').references(() => retentionReviews.id),
    reviewItemId: uuid('review_item_id').unique().references(() => retentionReviewItems.id),
    recordClass: text('record_class').notNull(),
    recordId: text('record_id').notNull(),
    number: text('number').notNull(),
    eventAt: at('event_at').notNull(),
    retentionDate: at('retention_date').notNull(),
    approvedById: uuid('approved_by_id').notNull().references(() => users.id),
    confirmedById: uuid('confirmed_by_id').references(() => users.id),
    disposedAt: at('disposed_at').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull(),
  },
  (table) => [uniqueIndex('retention_tombstones_record_idx').on(table.recordClass, table.recordId), index('retention_tombstones_disposed_idx').on(table.disposedAt, table.id)],
);

/**
 * A range of audit entries removed after their retention (always a prefix
 * of the chain): the verification of what remains starts after `lastSeq`
 * from `lastHash`. The database lets an entry be deleted only inside a range
 * recorded here (migration 0010), and this table only grows, each range
 * starting where the last ended.
 */
export const auditLogDisposals = pgTable(
  'audit_log_disposals',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    firstSeq: bigint('first_seq', { mode: 'number' }).notNull().unique(),
    lastSeq: bigint('last_seq', { mode: 'number' }).notNull().unique(),
    entryCount: integer('entry_count').notNull(),
    /** The hash of the last entry removed: the first entry kept names it as its prev_hash. */
    lastHash: text('last_hash').notNull(),
    lastAt: at('last_at').notNull(),
    disposedAt: at('disposed_at').notNull(),
  },
  (table) => [check('audit_log_disposals_range', sql`${table.firstSeq} >= 1 and ${table.lastSeq} >= ${table.firstSeq} and ${table.entryCount} = ${table.lastSeq} - ${table.firstSeq} + 1`)],
);
