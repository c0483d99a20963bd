import { and, asc, eq, lt, sql, type SQL } from 'drizzle-orm';
import type { TaskAction, TaskKind, TaskStatus } from '@p2p/domain';
import type { Executor } from '../client.ts';
import { appliedTransitions, inboxDueKey, tasks, type TaskRow } from '../schema/index.ts';

export interface OpenTaskParams {
  id?: string;
  processId: string;
  stepKey: string;
  kind: TaskKind;
  title: string;
  businessKey: string | null;
  subjectType: string;
  subjectId: string;
  assigneeId: string | null;
  candidateRole: string | null;
  dueAt: Date | null;
  actions: TaskAction[];
  data: Record<string, unknown>;
  /** Segregation of duties: never offered to these people to claim. */
  excludedIds?: string[];
}

/** Creates the task once per (process, step key); a retry returns the existing row and `created: false`. */
export async function openTask(db: Executor, params: OpenTaskParams): Promise<{ task: TaskRow; created: boolean }> {
  const [inserted] = await db.insert(tasks).values(params).onConflictDoNothing({ target: [tasks.processId, tasks.stepKey] }).returning();
  if (inserted) return { task: inserted, created: true };
  const [existing] = await db.select().from(tasks).where(and(eq(tasks.processId, params.processId), eq(tasks.stepKey, params.stepKey))).limit(1);
  return { task: existing!, created: false };
}

export async function findTask(db: Executor, id: string): Promise<TaskRow | undefined> {
  const [row] = await db.select().from(tasks).where(eq(tasks.id, id)).limit(1);
  return row;
}

export interface CloseTaskParams {
  id: string;
  status: Exclude<TaskStatus, 'open'>;
  outcome: string;
  completedById: string | null;
  onBehalfOfId: string | null;
  comment: string | null;
  /** Form data the decision carried, kept with the task under `decision`. */
  data?: Record<string, unknown> | null;
  now: Date;
}

/** Closes an open task; undefined when it was already closed (a retried activity changes nothing). */
export async function closeTask(db: Executor, params: CloseTaskParams): Promise<TaskRow | undefined> {
  const [row] = await db
    .update(tasks)
    .set({
      status: params.status,
      outcome: params.outcome,
      completedById: params.completedById,
      onBehalfOfId: params.onBehalfOfId,
      comment: params.comment,
      completedAt: params.now,
      updatedAt: params.now,
      ...(params.data ? { data: sql`${tasks.data} || ${JSON.stringify({ decision: params.data })}::jsonb` } : {}),
    })
    .where(and(eq(tasks.id, params.id), eq(tasks.status, 'open')))
    .returning();
  return row;
}

/** Hands an open task to someone else (escalation or claim); the previous assignee keeps read access. */
export async function assignTask(db: Executor, params: { id: string; assigneeId: string; escalationLevel?: number; dueAt?: Date; now: Date }): Promise<TaskRow | undefined> {
  const [row] = await db
    .update(tasks)
    .set({
      assigneeId: params.assigneeId,
      watcherIds: sql`case when ${tasks.assigneeId} is null or ${tasks.assigneeId} = any(${tasks.watcherIds}) then ${tasks.watcherIds} else array_append(${tasks.watcherIds}, ${tasks.assigneeId}) end`,
      ...(params.escalationLevel !== undefined ? { escalationLevel: params.escalationLevel } : {}),
      ...(params.dueAt ? { dueAt: params.dueAt, remindedAt: null } : {}),
      updatedAt: params.now,
    })
    .where(and(eq(tasks.id, params.id), eq(tasks.status, 'open')))
    .returning();
  return row;
}

export async function markTaskReminded(db: Executor, params: { id: string; now: Date }): Promise<void> {
  await db.update(tasks).set({ remindedAt: params.now }).where(eq(tasks.id, params.id));
}

export interface ListTasksParams {
  /**
   * Who may see what, derived from the caller's CASL rules: a row qualifies
   * under any one of these filters (an undefined one lets every row through).
   */
  access: (SQL | undefined)[];
  status?: TaskStatus | undefined;
  kind?: TaskKind | undefined;
  overdueAt?: Date | undefined;
  subjectId?: string | undefined;
  limit: number;
  /** Keyset over (due_at asc nulls last, id): the id of the last task of the previous page, compared in SQL (an index condition all the same). */
  after?: string | undefined;
}

const dueKey = inboxDueKey(tasks.dueAt);

/**
 * The inbox query, earliest due (so overdue) first. Several access filters
 * (own tasks; a role's pool) ORed together can be read from no index in that
 * order, so every match would be fetched and sorted: a pool of thousands for
 * one page. Instead each filter reads its own first page in order from its
 * partial index (tasks_assignee_inbox_idx, tasks_pool_inbox_idx), and the
 * page is the first `limit` of their union: a row of the overall page is on
 * the first page of every filter it passes.
 */
export async function listTasks(db: Executor, params: ListTasksParams): Promise<TaskRow[]> {
  const { after } = params;
  const filters = [
    params.status ? eq(tasks.status, params.status) : undefined,
    params.kind ? eq(tasks.kind, params.kind) : undefined,
    params.overdueAt ? lt(tasks.dueAt, params.overdueAt) : undefined,
    params.subjectId ? eq(tasks.subjectId, params.subjectId) : undefined,
    after ? sql`(${dueKey}, ${tasks.id}) > (select coalesce(t.due_at, 'infinity'::timestamptz), t.id from ${tasks} t where t.id = ${after})` : undefined,
  ];
  const page = (where: SQL | undefined) => db.select().from(tasks).where(where).orderBy(asc(dueKey), asc(tasks.id)).limit(params.limit);
  if (params.access.includes(undefined)) return page(and(...filters));
  if (params.access.length === 1) return page(and(params.access[0], ...filters));
  const firstPages = params.access.map((access) => sql`(${db.select({ id: tasks.id }).from(tasks).where(and(access, ...filters)).orderBy(asc(dueKey), asc(tasks.id)).limit(params.limit)})`);
  return page(sql`${tasks.id} in (${sql.join(firstPages, sql` union `)})`);
}

export async function countTasks(db: Executor, params: { access: SQL | undefined; overdueAt: Date }): Promise<{ open: number; overdue: number }> {
  const [row] = await db
    .select({
      open: sql<number>`count(*)::int`,
      overdue: sql<number>`count(*) filter (where ${tasks.dueAt} < ${params.overdueAt.toISOString()}::timestamptz)::int`,
    })
    .from(tasks)
    .where(and(params.access, eq(tasks.status, 'open')));
  return { open: row?.open ?? 0, overdue: row?.overdue ?? 0 };
}

export async function listTasksOfSubject(db: Executor, params: { subjectType: string; subjectId: string }): Promise<TaskRow[]> {
  return db
    .select()
    .from(tasks)
    .where(and(eq(tasks.subjectType, params.subjectType), eq(tasks.subjectId, params.subjectId)))
    .orderBy(asc(tasks.createdAt), asc(tasks.id));
}

export async function openTasksOfProcess(db: Executor, processId: string): Promise<TaskRow[]> {
  return db.select().from(tasks).where(and(eq(tasks.processId, processId), eq(tasks.status, 'open')));
}



/** Claims a transition's record change once per process and request id; false: it was applied before. */
export async function claimTransition(db: Executor, params: { processId: string; requestId: string; now: Date }): Promise<boolean> {
  const rows = await db.insert(appliedTransitions).values({ processId: params.processId, requestId: params.requestId, appliedAt: params.now }).onConflictDoNothing().returning({ requestId: appliedTransitions.requestId });
  return rows.length > 0;
}

/** Replaces the lines an open step of a process lists (its order's lines moved), keeping the rest of its data. */
export async function setOpenTaskLines(db: Executor, params: { processId: string; kind: string; lines: readonly Record<string, unknown>[] }): Promise<void> {
  await db
    .update(tasks)
    .set({ data: sql`${tasks.data} || jsonb_build_object('lines', ${JSON.stringify(params.lines)}::jsonb)` })
    .where(and(eq(tasks.processId, params.processId), eq(tasks.status, 'open'), eq(tasks.kind, params.kind)));
}
