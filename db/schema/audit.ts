import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, check, index, jsonb, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { timestampColumn as at } from './users.ts';

/**
 * Append-only and tamper-evident. A writer inserts an entry unsealed, inside
 * the transaction of the change it records; the sealer (db/audit-sealer.ts)
 * later gives it, once, its place in the hash chain: a gapless `sealSeq`, the
 * hash of the entry sealed before it, and its own hash. Triggers (migrations
 * 0001, 0005) refuse DELETE, TRUNCATE and every UPDATE except that one-time
 * NULL -> value of the seal columns.
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
    /** Position in the chain, 1, 2, 3... in the order the sealer sealed; null until sealed. */
    sealSeq: bigint('seal_seq', { mode: 'number' }),
    prevHash: text('prev_hash'),
    hash: text('hash'),
    sealedAt: at('sealed_at'),
  },
  (table) => [
    index('audit_subject_idx').on(table.subjectType, table.subjectId),
    index('audit_process_idx').on(table.processId),
    index('audit_actor_idx').on(table.actorId),
    // A second seal of one entry, or two entries in one place, is refused even if the sealer's lock failed.
    unique('audit_seal_seq_unique').on(table.sealSeq),
    // The sealer's queue: only the (few) unsealed entries are in this index.
    index('audit_unsealed_idx').on(table.id).where(sql`${table.sealSeq} is null`),
    // Sealed means all four seal columns, unsealed means none: no half-sealed entry.
    check(
      'audit_sealed_whole',
      sql`(${table.sealSeq} is null) = (${table.prevHash} is null) and (${table.sealSeq} is null) = (${table.hash} is null) and (${table.sealSeq} is null) = (${table.sealedAt} is null)`,
    ),
  ],
);

export type AuditRow = typeof auditLog.$inferSelect;

/**
 * The head of the chain, one row. Its row lock is the sealers' mutex (writers
 * never touch it); it says where the next seal goes and which hash it links to.
 */
export const auditSealState = pgTable(
  'audit_seal_state',
  {
    id: boolean('id').primaryKey().default(true),
    lastSeq: bigint('last_seq', { mode: 'number' }).notNull().default(0),
    lastHash: text('last_hash').notNull(),
    sealedAt: at('sealed_at'),
  },
  (table) => [check('audit_seal_state_single_row', sql`${table.id}`)],
);
