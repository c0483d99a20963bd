import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, primaryKey, text, unique, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';
import type { TaskAction, TaskKind, TaskStatus } from '@p2p/domain';
import { timestampColumn as at, users } from './users.ts';

/**
 * The inbox order: earliest due (so overdue) first, undated last. The open
 * task indexes below are keyed by this same expression, so an inbox query
 * reads its first page in order from one of them instead of sorting every match.
 */
export const inboxDueKey = (dueAt: AnyPgColumn) => sql`coalesce(${dueAt}, 'infinity'::timestamptz)`;

/**
 * The inbox projection of waiting workflow steps. Workflows create and close
 * rows through activities; the workflow stays the source of truth. One row per
 * (process, step key), so a retried activity never makes a second task.
 */
export const tasks = pgTable(
  'tasks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    processId: text('process_id').notNull(),
    stepKey: text('step_key').notNull(),
    kind: text('kind').$type<TaskKind>().notNull(),
    title: text('title').notNull(),
    businessKey: text('business_key'),
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id').notNull(),
    assigneeId: uuid('assignee_id').references(() => users.id),
    candidateRole: text('candidate_role'),
    /** Earlier assignees (before escalation) keep read access. */
    watcherIds: uuid('watcher_ids').array().notNull().default(sql`'{}'::uuid[]`),
    /** Segregation of duties: people the step's rule keeps off it; a pool task is never offered to them to claim. */
    excludedIds: uuid('excluded_ids').array().notNull().default(sql`'{}'::uuid[]`),
    dueAt: at('due_at'),
    remindedAt: at('reminded_at'),
    escalationLevel: integer('escalation_level').notNull().default(0),
    actions: text('actions').array().$type<TaskAction[]>().notNull(),
    status: text('status').$type<TaskStatus>().notNull().default('open'),
    outcome: text('outcome'),
    comment: text('comment'),
    completedById: uuid('completed_by_id').references(() => users.id),
    onBehalfOfId: uuid('on_behalf_of_id').references(() => users.id),
    completedAt: at('completed_at'),
    /** Process-specific facts (approval level, role, round, reroute reason). */
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (table) => [
    unique('tasks_process_step').on(table.processId, table.stepKey),
    index('tasks_assignee_inbox_idx').on(table.assigneeId, inboxDueKey(table.dueAt), table.id).where(sql`${table.status} = 'open'`),
    index('tasks_pool_inbox_idx').on(table.candidateRole, inboxDueKey(table.dueAt), table.id).where(sql`${table.status} = 'open' and ${table.assigneeId} is null`),
    index('tasks_subject_idx').on(table.subjectType, table.subjectId),
    index('tasks_completed_by_idx').on(table.completedById, table.completedAt),
  ],
);

export type TaskRow = typeof tasks.$inferSelect;

/**
 * Record changes a process's transitions have applied, by request id: a
 * transition that runs again (Temporal lost the workflow task that ran it,
 * and runs it anew) finds its row and leaves the record as it is now, so a
 * status never steps back and no audit entry is written twice.
 */
export const appliedTransitions = pgTable(
  'applied_transitions',
  {
    processId: text('process_id').notNull(),
    requestId: text('request_id').notNull(),
    appliedAt: at('applied_at').notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.processId, table.requestId] })],
);
