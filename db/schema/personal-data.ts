import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { ErasureKept, ErasureRequestStatus, PersonKind } from '@p2p/domain';
import { timestampColumn as at, users } from './users.ts';

/**
 * A request to erase one person's personal data (GDPR Art. 17): a user or a
 * supplier's contact. A records manager approves it through an inbox task
 * (workflows/personal-data-erasure.workflow.ts); the answer says what was
 * anonymised and what was kept and why. The row is itself the record of the
 * erasure: it names the person by id only.
 */
export const erasureRequests = pgTable(
  'erasure_requests',
  {
    id: uuid('id').primaryKey(),
    personKind: text('person_kind').$type<PersonKind>().notNull(),
    /** A user's id or a supplier's id (its contact), as the kind says. */
    personId: uuid('person_id').notNull(),
    reason: text('reason').notNull(),
    status: text('status').$type<ErasureRequestStatus>().notNull().default('pending_approval'),
    workflowId: text('workflow_id').notNull().unique(),
    requestedById: uuid('requested_by_id').notNull().references(() => users.id),
    requestedAt: at('requested_at').notNull(),
    decidedById: uuid('decided_by_id').references(() => users.id),
    decidedAt: at('decided_at'),
    decisionComment: text('decision_comment'),
    /** What the erasure did, in one paragraph; null until it is done (or rejected). */
    answer: text('answer'),
    /** What was kept, item by item, with why and until when. */
    kept: jsonb('kept').$type<ErasureKept[]>(),
    completedAt: at('completed_at'),
  },
  (table) => [
    index('erasure_requests_person_idx').on(table.personKind, table.personId),
    index('erasure_requests_requested_idx').on(table.requestedAt, table.id),
    // One open request per person: a second would race the first's approval.
    uniqueIndex('erasure_requests_one_open').on(table.personKind, table.personId).where(sql`${table.status} in ('pending_approval', 'approved')`),
  ],
);

export type ErasureRequestRow = typeof erasureRequests.$inferSelect;
