import { bigserial, index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { timestampColumn as at } from './users.ts';

/**
 * Append-only, hash-chained: each entry stores the hash of the one before.
 * A trigger (migration 0001) refuses UPDATE, DELETE and TRUNCATE.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: at('at').notNull(),
    actorId: uuid('actor_id'),
    onBehalfOfId: uuid('on_behalf_of_id'),
    action: text('action').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id').notNull(),
    /** Workflow id of the process this entry belongs to, for the merged history. */
    processId: text('process_id'),
    before: jsonb('before'),
    after: jsonb('after'),
    requestId: text('request_id'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (table) => [
    index('audit_subject_idx').on(table.subjectType, table.subjectId),
    index('audit_process_idx').on(table.processId),
    index('audit_actor_idx').on(table.actorId),
  ],
);

export type AuditRow = typeof auditLog.$inferSelect;
