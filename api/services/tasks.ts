import { ForbiddenError, subject } from '@casl/ability';
import { actionDef, actionsOfKind, checkTaskData, taskKindDef, type CompleteTaskBody, type FormIssue, type Task, type TaskKind, type TaskStatus } from '@p2p/domain';
import { countTasks, findTask, listTasks } from '../../db/queries/tasks.ts';
import { tasks, type TaskRow } from '../../db/schema/index.ts';
// The task Updates every process registers through the human-task helper: no process is imported here.
import { claimTask as claimUpdate, decide, processStatus as processStatusQuery, type DecisionArgs } from '../../workflows/human-task.ts';
import type { RequestActor } from '../context.ts';
import type { ApiDeps } from '../deps.ts';
import { AppError, fieldError as invalid } from '../errors.ts';
import { accessWhere, accessWhereAny } from './access.ts';
import { toProcessError } from './process-errors.ts';

const taskColumns = {
  assigneeId: tasks.assigneeId,
  status: tasks.status,
  candidateRole: tasks.candidateRole,
  completedById: tasks.completedById,
  watcherIds: tasks.watcherIds,
  excludedIds: tasks.excludedIds,
  kind: tasks.kind,
};

const DUE_SOON_MS = 24 * 3_600_000;

export function toTask(row: TaskRow, actor: RequestActor, now: Date): Task {
  const due = row.dueAt?.getTime();
  const access: Task['access'] =
    row.assigneeId === actor.user.id ? 'assignee'
    : row.assigneeId && actor.delegatorIds.includes(row.assigneeId) ? 'delegate'
    : !row.assigneeId && row.candidateRole && actor.user.roles.includes(row.candidateRole as never) && !row.excludedIds.includes(actor.user.id) ? 'candidate'
    : row.watcherIds.includes(actor.user.id) ? 'watcher'
    : 'reader';
  return {
    id: row.id,
    kind: row.kind,
    details: row.data,
    title: row.title,
    businessKey: row.businessKey,
    processId: row.processId,
    subjectType: row.subjectType,
    subjectId: row.subjectId,
    assigneeId: row.assigneeId,
    candidateRole: row.candidateRole,
    dueAt: row.dueAt?.toISOString() ?? null,
    slaState: row.status !== 'open' || due === undefined ? 'on_track' : due < now.getTime() ? 'overdue' : due - now.getTime() < DUE_SOON_MS ? 'due_soon' : 'on_track',
    actions: row.status === 'open' ? row.actions : [],
    status: row.status,
    outcome: row.outcome,
    completedById: row.completedById,
    onBehalfOfId: row.onBehalfOfId,
    completedAt: row.completedAt?.toISOString() ?? null,
    comment: row.comment,
    escalationLevel: row.escalationLevel,
    createdAt: row.createdAt.toISOString(),
    access,
  };
}

/** Task id + action: Temporal applies an Update id once, so a retried request cannot decide twice. */
const decisionUpdateId = (row: TaskRow, body: CompleteTaskBody) => `${row.id}:${body.action}`;

const decisionArgs = (row: TaskRow, body: CompleteTaskBody, actor: RequestActor, onBehalfOfId: string | null, data: Record<string, unknown> | null): DecisionArgs => ({
  taskId: row.id,
  action: body.action,
  actorId: actor.user.id,
  onBehalfOfId,
  comment: body.comment ?? null,
  ...(data ? { data } : {}),
});

/** The body matched its schema; what it asks of this task breaks the kind's rules (its actions, comments, forms): 422. */

/**
 * What the registry says about a completion before any process hears of it:
 * the kind must still be known (its process type registered), the action
 * one of its actions, a required comment present and form data valid.
 */
function checkCompletion(row: TaskRow, body: CompleteTaskBody): Record<string, unknown> | null {
  const kind = taskKindDef(row.kind);
  if (!kind) throw new AppError('conflict', `Tasks of kind ${row.kind} can no longer be completed: its process type is not registered`);
  const action = actionDef(row.kind, body.action);
  if (!action || !row.actions.includes(body.action)) throw invalid('action', `must be one of ${(row.actions.length ? row.actions : actionsOfKind(row.kind)).join(', ')}`);
  if (action.comment === 'required' && !body.comment?.trim()) throw invalid('comment', `a comment is required to ${action.label.toLowerCase()}`);
  const checked = checkTaskData(row.kind, body.action, body.data, row.data);
  if (!checked.ok) throw new AppError('unprocessable', checked.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '), { errors: checked.issues });
  return checked.data;
}

export interface CompletionResult {
  task: Task;
  process: { id: string; status: string };
}

export type TaskService = ReturnType<typeof createTaskService>;

/**
 * A kind's check of a completion against the database (the form's own checks
 * are the registry's): issues are refused with 422 before the process hears
 * of the decision. A process registers its own through createServices.
 */
export type CompletionGuard = (row: TaskRow, data: Record<string, unknown> | null) => Promise<FormIssue[]>;

export function createTaskService(deps: Pick<ApiDeps, 'db' | 'clock' | 'temporal'>, guards: Record<TaskKind, CompletionGuard> = {}) {
  const { db, clock, temporal } = deps;

  async function loadReadable(actor: RequestActor, id: string): Promise<TaskRow> {
    const row = await findTask(db, id);
    if (!row || !actor.ability.can('read', subject('Task', { ...row }))) throw new AppError('not_found', 'No such task');
    return row;
  }

  /** The process's own word on its state (every process answers the helper's status query); 'unknown' when it cannot. */
  async function processStatus(row: TaskRow): Promise<string> {
    try {
      return (await (await temporal.client()).workflow.getHandle(row.processId).query(processStatusQuery)).status;
    } catch {
      return 'unknown';
    }
  }

  /**
   * A retried decision (same person, same action) whose task row is already
   * closed: the earlier answer was lost to a crash or a timeout. The row is a
   * projection written by activities; one written before the engine had
   * durably recorded the decision (a local activity in the Update's workflow
   * task does that) outlives a Temporal crash that loses the decision, and
   * the process would wait forever on a task the inbox calls done. So the
   * row is not trusted: the Update goes again under the same id, which
   * Temporal applies once, confirming a recorded decision and making a lost
   * one again. Refused as no longer open, the process has moved on or ended.
   */
  async function confirmDecision(actor: RequestActor, row: TaskRow, body: CompleteTaskBody): Promise<CompletionResult> {
    const handle = (await temporal.client()).workflow.getHandle(row.processId);
    let status: string | undefined;
    try {
      status = (await handle.executeUpdate(decide, { updateId: decisionUpdateId(row, body), args: [decisionArgs(row, body, actor, row.onBehalfOfId, checkCompletion({ ...row, actions: actionsOfKind(row.kind) }, body))] })).status;
    } catch (error) {
      const mapped = toProcessError(error);
      if (!(mapped instanceof AppError && mapped.kind === 'conflict')) throw mapped;
    }
    const after = (await findTask(db, row.id))!;
    return { task: toTask(after, actor, clock()), process: { id: row.processId, status: status ?? (await processStatus(after)) } };
  }

  /**
   * The process waits on a step whose row says it was decided: the decision
   * reached the database (a local activity in the workflow task that
   * accepted it) but Temporal lost that workflow task, so the run never
   * recorded it (workflows/human-task.ts, `activities`). The row keeps the
   * whole decision; it goes to the process again, as its maker, under the
   * same update id. Answers how many were sent.
   */
  async function resendLostDecisions(processId: string): Promise<number> {
    const handle = (await temporal.client()).workflow.getHandle(processId);
    const waiting = await handle.query(processStatusQuery).then((answer) => answer.openTaskIds ?? [], () => []);
    let sent = 0;
    for (const taskId of waiting) {
      const row = await findTask(db, taskId);
      if (row?.status !== 'completed' || !row.outcome || !row.completedById) continue;
      const recorded = (row.data.decision as Record<string, unknown> | undefined) ?? null;
      try {
        await handle.executeUpdate(decide, {
          updateId: `${row.id}:${row.outcome}`,
          args: [{ taskId: row.id, action: row.outcome, actorId: row.completedById, onBehalfOfId: row.onBehalfOfId, comment: row.comment, ...(recorded ? { data: recorded } : {}) }],
        });
        sent += 1;
      } catch {
        // Refused: the process had it after all, or moved on; nothing to repair.
      }
    }
    return sent;
  }

  return {
    /**
     * The inbox: open tasks the caller may complete (theirs, or as delegate)
     * or claim (by role); `completed` lists what they decided. Filters come
     * from the same CASL rules the API enforces.
     */
    async list(actor: RequestActor, params: { status: TaskStatus; kind?: TaskKind | undefined; overdue?: boolean | undefined; subjectId?: string | undefined; limit: number; after?: string | undefined }) {
      const now = clock();
      // Open: one filter per action, so listTasks reads each (own tasks, a role's pool) from its own index.
      const access =
        params.status === 'open'
          ? (['complete', 'claim'] as const).map((action) => accessWhere(actor.ability, action, 'Task', taskColumns))
          : [accessWhere(actor.ability, 'read', 'Task', taskColumns)];
      const rows = await listTasks(db, { access, status: params.status, kind: params.kind, overdueAt: params.overdue ? now : undefined, subjectId: params.subjectId, limit: params.limit, after: params.after });
      return rows.map((row) => toTask(row, actor, now));
    },

    async counts(actor: RequestActor) {
      const access = accessWhereAny(actor.ability, ['complete', 'claim'], 'Task', taskColumns);
      return countTasks(db, { access, overdueAt: clock() });
    },

    async get(actor: RequestActor, id: string): Promise<Task> {
      return toTask(await loadReadable(actor, id), actor, clock());
    },

    /**
     * Completes a task: CASL decides who may (assignee or their delegate),
     * then the process decides through an Update whose validator refuses a
     * wrong state or a segregation-of-duties breach without writing anything.
     * The update id is task id + action, so a retried request is applied once.
     */
    async complete(actor: RequestActor, id: string, body: CompleteTaskBody): Promise<CompletionResult> {
      const row = await loadReadable(actor, id);
      if (row.status !== 'open') {
        // The same person retrying the same decision gets the same answer; anything else is a conflict.
        if (row.outcome === body.action && row.completedById === actor.user.id) return confirmDecision(actor, row, body);
        throw new AppError('conflict', `This task is already ${row.status}${row.outcome ? ` (${row.outcome})` : ''}`);
      }
      if (!row.assigneeId && row.candidateRole && actor.ability.can('claim', subject('Task', { ...row }))) {
        throw new AppError('forbidden', 'Claim this task before acting on it');
      }
      ForbiddenError.from(actor.ability).throwUnlessCan('complete', subject('Task', { ...row }));
      const data = checkCompletion(row, body);
      const refused = (await guards[row.kind]?.(row, data)) ?? [];
      if (refused.length > 0) throw new AppError('unprocessable', refused.map((issue) => `${issue.path}: ${issue.message}`).join('; '), { errors: refused });
      const onBehalfOfId = row.assigneeId && row.assigneeId !== actor.user.id ? row.assigneeId : null;
      const handle = (await temporal.client()).workflow.getHandle(row.processId);
      let status: string | undefined;
      // The projection can run a moment ahead of the workflow (an escalation
      // just reassigned the row). A refused Update writes nothing, so asking
      // again shortly is safe; give up after a few tries.
      for (let attempt = 1; status === undefined; attempt += 1) {
        try {
          status = (await handle.executeUpdate(decide, { updateId: decisionUpdateId(row, body), args: [decisionArgs(row, body, actor, onBehalfOfId, data)] })).status;
        } catch (error) {
          const mapped = toProcessError(error);
          const transient = mapped instanceof AppError && (mapped.kind === 'conflict' || mapped.kind === 'forbidden') && attempt < 4 && (await findTask(db, id))?.status === 'open';
          if (!transient) throw mapped;
          // Once: the process may be a step behind its rows (a decision it never received); hand it that decision first.
          if (attempt === 2 && (await resendLostDecisions(row.processId)) > 0) continue;
          await new Promise((resolve) => setTimeout(resolve, 150 * attempt));
        }
      }
      const after = (await findTask(db, id))!;
      return { task: toTask(after, actor, clock()), process: { id: row.processId, status } };
    },

    async claim(actor: RequestActor, id: string): Promise<Task> {
      const raced = await findTask(db, id);
      // A candidate who lost the race hears that, not "no such task".
      if (raced?.status === 'open' && raced.assigneeId && raced.assigneeId !== actor.user.id && raced.candidateRole && actor.user.roles.includes(raced.candidateRole as never)) {
        throw new AppError('conflict', 'Somebody else claimed this task');
      }
      const row = await loadReadable(actor, id);
      // Permission first: someone who could never claim it learns nothing about its state.
      if (!row.candidateRole || !actor.user.roles.includes(row.candidateRole as never)) throw new AppError('forbidden', 'Only holders of the role this task is offered to may claim it');
      if (row.status !== 'open') throw new AppError('conflict', `This task is already ${row.status}`);
      if (row.assigneeId) throw new AppError('conflict', row.assigneeId === actor.user.id ? 'You already hold this task' : 'Somebody else holds this task');
      ForbiddenError.from(actor.ability).throwUnlessCan('claim', subject('Task', { ...row }));
      const handle = (await temporal.client()).workflow.getHandle(row.processId);
      try {
        await handle.executeUpdate(claimUpdate, { updateId: `${row.id}:claim:${actor.user.id}`, args: [{ taskId: row.id, actorId: actor.user.id }] });
      } catch (error) {
        throw toProcessError(error);
      }
      return toTask((await findTask(db, id))!, actor, clock());
    },
  };
}
