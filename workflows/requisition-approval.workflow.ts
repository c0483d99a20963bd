import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  defineQuery,
  defineUpdate,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
// Zod-free modules only: the bundle is evaluated for every run.
import { MAX_ESCALATION_LEVELS, approvalChainFor, parseSla, slaDeadline, type ApprovalLevel, type ApprovalPolicy } from '@p2p/domain/approval-rules';
import type { RequisitionStatus, Role } from '@p2p/domain';
import type { Activities } from '../activities/index.ts';
import { searchKeys } from './search-attributes.ts';

/**
 * FROZEN: runs started before the human-task helper (workflows/human-task.ts)
 * finish on this code, so their histories replay; new requisitions run
 * requisition.workflow.ts. Do not change it; delete it once none is open.
 *
 * One requisition's approval chain, from submission to a final decision.
 * People act through Updates whose validators refuse a wrong actor, a wrong
 * state or a repeated decision before anything is written; SLA reminders and
 * escalations are durable timers. Activities keep the tasks, the requisition
 * status, the audit log and the mail in step with this workflow, which stays
 * the source of truth.
 */

/** The kinds and comment rules this workflow was written with, kept with it. */
type TaskKind = 'requisition_approval' | 'requisition_answer';
type TaskAction = 'approve' | 'reject' | 'question' | 'answer' | 'withdraw';
const actionsByKind: Record<TaskKind, readonly TaskAction[]> = {
  requisition_approval: ['approve', 'reject', 'question'],
  requisition_answer: ['answer', 'withdraw'],
};
const commentRequired: ReadonlySet<TaskAction> = new Set(['reject', 'question', 'answer']);

export interface RequisitionApprovalInput {
  requisitionId: string;
  number: string;
  requesterId: string;
  total: string;
  /** The policy at submission: a running chain keeps it. */
  policy: ApprovalPolicy;
}

export interface DecisionArgs {
  taskId: string;
  action: TaskAction;
  /** Who acted. */
  actorId: string;
  /** The assignee the actor stands in for (delegation), else null. */
  onBehalfOfId: string | null;
  comment?: string | null;
}

export interface CurrentTask {
  id: string;
  kind: TaskKind;
  level: ApprovalLevel | null;
  assigneeId: string | null;
  candidateRole: Role | null;
  actions: TaskAction[];
  dueAt: string | null;
  startedAt: string;
  escalationLevel: number;
  reminded: boolean;
}

export interface ApprovalState {
  status: RequisitionStatus;
  round: number;
  chain: ApprovalLevel[];
  stepIndex: number;
  total: string;
  currentTask: CurrentTask | null;
  approverIds: string[];
}

export const decide = defineUpdate<ApprovalState, [DecisionArgs]>('decide');
export const claimTask = defineUpdate<ApprovalState, [{ taskId: string; actorId: string }]>('claimTask');
export const withdraw = defineUpdate<ApprovalState, [{ actorId: string; reason?: string | null }]>('withdraw');
export const approvalState = defineQuery<ApprovalState>('approvalState');

/** Failure types the API maps to HTTP statuses (api/services/process-errors.ts). */
export const decisionFailures = {
  notOpen: 'TaskNotOpen',
  notAllowed: 'NotAllowed',
  segregation: 'SegregationOfDuties',
  invalid: 'InvalidDecision',
} as const;

const activityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
} as const;
const remoteActivities = proxyActivities<Activities>(activityOptions);
/**
 * Every activity here is a short database write (plus at most one e-mail), so
 * it runs as a local activity: in the worker that runs the workflow, recorded
 * as a marker, without a task-queue round trip and an extra workflow task per
 * step. Retries back off locally up to 10 s, then on a durable timer.
 */
const localActivities = proxyLocalActivities<Activities>({ ...activityOptions, localRetryThreshold: '10 seconds' });
/** Runs started before local activities replay their (remote) activity events unchanged. */
export const LOCAL_ACTIVITIES_PATCH = 'local-activities';
const acts = (): Activities => (patched(LOCAL_ACTIVITIES_PATCH) ? localActivities : remoteActivities);
/**
 * The first effect of a person's decision (an Update) stays a regular
 * activity, as it always was. An Update is durable only once the workflow
 * task that accepted it is recorded; scheduling a regular activity records
 * that task first. A local activity would write the decision to the database
 * inside that task, before Temporal had kept it, and a server crash in
 * between would leave the inbox saying "decided" to a process that never
 * heard of it.
 */
const durably = remoteActivities;

const finalStatuses: readonly RequisitionStatus[] = ['approved', 'rejected', 'withdrawn'];

/** Inside the workflow sandbox `Date` is the engine's replay-safe clock, not the machine's. */
const workflowNow = () => new Date();

export async function requisitionApprovalWorkflow(input: RequisitionApprovalInput): Promise<ApprovalState> {
  const processId = workflowInfo().workflowId;
  const sla = parseSla(input.policy.stepSla) ?? { businessDays: 2, clockMs: 0 };
  const state: ApprovalState = {
    status: 'submitted',
    round: 0,
    chain: approvalChainFor(input.total, input.policy),
    stepIndex: 0,
    total: input.total,
    currentTask: null,
    approverIds: [],
  };
  let pending: (DecisionArgs & { key: string }) | null = null;
  let withdrawal: { actorId: string; reason: string | null; key: string } | null = null;
  const processed = new Set<string>();
  /** The question and who asked it, while the requester answers. */
  let questionedStep: { assigneeId: string | null; candidateRole: Role | null; level: ApprovalLevel } | null = null;
  let questionCount = 0;

  const snapshot = (): ApprovalState => ({ ...state, chain: [...state.chain], approverIds: [...state.approverIds], currentTask: state.currentTask && { ...state.currentTask } });
  const fail = (type: string, message: string): never => {
    throw ApplicationFailure.create({ type, message, nonRetryable: true });
  };

  setHandler(approvalState, snapshot);

  setHandler(
    decide,
    async (args) => {
      const key = `${args.taskId}:${args.action}`;
      pending = { ...args, key };
      await condition(() => processed.has(key));
      return snapshot();
    },
    {
      validator: (args: DecisionArgs) => {
        const task = state.currentTask;
        if (finalStatuses.includes(state.status)) fail(decisionFailures.notOpen, `the requisition is already ${state.status}`);
        if (!task || task.id !== args.taskId || pending) fail(decisionFailures.notOpen, 'this task is no longer open');
        if (!actionsByKind[task!.kind].includes(args.action)) fail(decisionFailures.invalid, `"${args.action}" is not an action of this task (${actionsByKind[task!.kind].join(', ')})`);
        if (commentRequired.has(args.action) && !args.comment?.trim()) fail(decisionFailures.invalid, `a comment is required to ${args.action}`);
        const onBehalfOf = args.onBehalfOfId ?? args.actorId;
        if (!task!.assigneeId) fail(decisionFailures.notAllowed, 'claim this task before acting on it');
        if (task!.assigneeId !== onBehalfOf) fail(decisionFailures.notAllowed, 'only the assignee or their delegate may act on this task');
        if (task!.kind === 'requisition_approval') {
          const people = [args.actorId, onBehalfOf];
          if (people.includes(input.requesterId)) fail(decisionFailures.segregation, 'nobody approves their own requisition');
          if (people.some((id) => state.approverIds.includes(id))) fail(decisionFailures.segregation, 'nobody approves two steps of one chain');
        }
      },
    },
  );

  setHandler(
    claimTask,
    async ({ taskId, actorId }) => {
      await durably.claimStepTask({ processId, taskId, userId: actorId, requestId: `${taskId}:claim` });
      if (state.currentTask?.id === taskId) state.currentTask = { ...state.currentTask, assigneeId: actorId };
      return snapshot();
    },
    {
      validator: ({ taskId, actorId }: { taskId: string; actorId: string }) => {
        const task = state.currentTask;
        if (!task || task.id !== taskId || finalStatuses.includes(state.status)) fail(decisionFailures.notOpen, 'this task is no longer open');
        if (task!.assigneeId) fail(decisionFailures.notOpen, task!.assigneeId === actorId ? 'you already hold this task' : 'somebody else claimed this task');
        if (actorId === input.requesterId) fail(decisionFailures.segregation, 'nobody approves their own requisition');
        if (state.approverIds.includes(actorId)) fail(decisionFailures.segregation, 'nobody approves two steps of one chain');
      },
    },
  );

  setHandler(
    withdraw,
    async ({ actorId, reason }) => {
      const key = `withdraw:${actorId}`;
      withdrawal = { actorId, reason: reason ?? null, key };
      await condition(() => processed.has(key));
      return snapshot();
    },
    {
      validator: ({ actorId }: { actorId: string }) => {
        if (actorId !== input.requesterId) fail(decisionFailures.notAllowed, 'only the requester may withdraw the requisition');
        if (finalStatuses.includes(state.status)) fail(decisionFailures.notOpen, `the requisition is already ${state.status}`);
        if (withdrawal) fail(decisionFailures.notOpen, 'the requisition is being withdrawn');
      },
    },
  );

  const setStatus = async (status: RequisitionStatus, actorId: string | null, onBehalfOfId: string | null, comment: string | null, requestId: string) => {
    state.status = status;
    upsertSearchAttributes([{ key: searchKeys.processStatus, value: status }]);
    await acts().setRequisitionStatus({ processId, requisitionId: input.requisitionId, status, actorId, onBehalfOfId, comment, requestId });
  };

  const openTask = async (params: { kind: TaskKind; level: ApprovalLevel | null; assigneeId: string | null; candidateRole: Role | null; note: string | null; stepKey: string; question?: string | null }) => {
    const startedAt = workflowNow();
    const dueAt = params.kind === 'requisition_approval' ? slaDeadline(startedAt, sla).toISOString() : null;
    const actions = [...actionsByKind[params.kind]];
    // The task id is minted here and the task recorded before its inbox row
    // exists, so a decision sent the moment the row appears is never refused.
    const taskId = uuid4();
    state.currentTask = { id: taskId, kind: params.kind, level: params.level, assigneeId: params.assigneeId, candidateRole: params.candidateRole, actions, dueAt, startedAt: startedAt.toISOString(), escalationLevel: 0, reminded: false };
    await acts().openStepTask({ processId, taskId, stepKey: params.stepKey, requisitionId: input.requisitionId, kind: params.kind, level: params.level, round: state.round, assigneeId: params.assigneeId, candidateRole: params.candidateRole, dueAt, actions, note: params.note, question: params.question ?? null });
    if (!params.assigneeId && params.note) {
      await acts().alertAdmins({ processId, key: `${params.stepKey}:unassigned`, taskId, requisitionId: input.requisitionId, reason: params.note });
    }
  };

  const decided = () => pending !== null || withdrawal !== null;

  /** Waits for a decision; meanwhile reminds at half the SLA and escalates when it runs out, up to three levels. */
  const awaitDecision = async () => {
    for (;;) {
      const task = state.currentTask!;
      if (!task.dueAt) return condition(decided);
      const started = Date.parse(task.startedAt);
      const due = Date.parse(task.dueAt);
      if (!task.reminded) {
        const remindIn = Math.max(1, Math.floor((due - started) / 2) - (workflowNow().getTime() - started));
        if (await condition(decided, remindIn, { summary: `reminder for ${task.id}` })) return;
        await acts().sendReminder({ processId, taskId: task.id, escalationLevel: task.escalationLevel });
        task.reminded = true;
      }
      if (await condition(decided, Math.max(1, due - workflowNow().getTime()), { summary: `SLA of ${task.id}` })) return;
      if (task.escalationLevel < MAX_ESCALATION_LEVELS) {
        const level = task.escalationLevel + 1;
        const now = workflowNow();
        const nextDue = slaDeadline(now, sla).toISOString();
        const escalated = await acts().escalateTask({ processId, taskId: task.id, escalationLevel: level, dueAt: nextDue, excludedIds: [input.requesterId, ...state.approverIds] });
        if (escalated) {
          state.currentTask = { ...task, assigneeId: escalated.assigneeId, candidateRole: null, escalationLevel: level, dueAt: nextDue, startedAt: now.toISOString(), reminded: false };
          continue;
        }
      }
      await acts().alertAdmins({ processId, key: `${task.id}:sla`, taskId: task.id, requisitionId: input.requisitionId, reason: task.escalationLevel >= MAX_ESCALATION_LEVELS ? `The step was escalated ${MAX_ESCALATION_LEVELS} times and is still undecided.` : 'The SLA ran out and there is nobody up the management line to escalate to.' });
      return condition(decided);
    }
  };

  const finishWithdrawal = async () => {
    const request = withdrawal!;
    await durably.cancelOpenTasks({ processId, reason: request.reason ?? 'withdrawn by the requester', actorId: request.actorId, requestId: request.key });
    state.currentTask = null;
    await setStatus('withdrawn', request.actorId, null, request.reason, request.key);
    processed.add(request.key);
  };

  upsertSearchAttributes([{ key: searchKeys.processStatus, value: 'submitted' }]);
  await acts().recordChain({ requisitionId: input.requisitionId, chain: state.chain, round: state.round });

  while (!finalStatuses.includes(state.status)) {
    if (withdrawal) {
      await finishWithdrawal();
      break;
    }
    const level = state.chain[state.stepIndex]!;
    const stepKey = `r${state.round}-s${state.stepIndex}${questionCount ? `-a${questionCount}` : ''}`;
    if (questionedStep) {
      // An answer without a change to the total goes back to the same person.
      await openTask({ kind: 'requisition_approval', level, assigneeId: questionedStep.assigneeId, candidateRole: questionedStep.candidateRole, note: null, stepKey });
      questionedStep = null;
    } else {
      const assignment = await acts().resolveApprover({ requesterId: input.requesterId, level, excludedIds: state.approverIds });
      await openTask({ kind: 'requisition_approval', level, ...assignment, stepKey });
    }
    if (state.status !== 'under_review') await setStatus('under_review', null, null, null, `${processId}:${stepKey}`);

    await awaitDecision();
    if (withdrawal) continue;
    const decision = pending!;
    const task = state.currentTask!;
    const completedBy = decision.actorId;
    const onBehalfOf = decision.onBehalfOfId;
    await durably.closeStepTask({ processId, taskId: task.id, status: 'completed', outcome: decision.action, actorId: completedBy, onBehalfOfId: onBehalfOf, comment: decision.comment ?? null, requestId: decision.key });

    if (decision.action === 'approve') {
      state.approverIds.push(...new Set([completedBy, onBehalfOf ?? completedBy]));
      state.stepIndex += 1;
      if (state.stepIndex >= state.chain.length) {
        state.currentTask = null;
        await setStatus('approved', completedBy, onBehalfOf, decision.comment ?? null, decision.key);
        await acts().notifyDecision({ processId, requisitionId: input.requisitionId, decision: 'approved', actorId: completedBy, comment: decision.comment ?? null });
        // Seam: the purchase-order process takes the approved lines from here.
      }
    } else if (decision.action === 'reject') {
      state.currentTask = null;
      await setStatus('rejected', completedBy, onBehalfOf, decision.comment ?? null, decision.key);
      await acts().notifyDecision({ processId, requisitionId: input.requisitionId, decision: 'rejected', actorId: completedBy, comment: decision.comment ?? null });
    } else if (decision.action === 'question') {
      questionedStep = { assigneeId: task.assigneeId, candidateRole: task.candidateRole, level };
      questionCount += 1;
      await setStatus('questioned', completedBy, onBehalfOf, decision.comment ?? null, decision.key);
      await openTask({ kind: 'requisition_answer', level: null, assigneeId: input.requesterId, candidateRole: null, note: null, stepKey: `r${state.round}-s${state.stepIndex}-q${questionCount}`, question: decision.comment ?? null });
      processed.add(decision.key);
      pending = null;
      await condition(decided);
      if (withdrawal) continue;
      const answer = pending!;
      const answerTask = state.currentTask!;
      if (answer.action === 'withdraw') {
        pending = null;
        withdrawal = { actorId: answer.actorId, reason: answer.comment ?? null, key: answer.key };
        await finishWithdrawal();
        break;
      }
      await durably.closeStepTask({ processId, taskId: answerTask.id, status: 'completed', outcome: 'answer', actorId: answer.actorId, onBehalfOfId: answer.onBehalfOfId, comment: answer.comment ?? null, requestId: answer.key });
      const amended = await acts().readRequisitionTotal({ requisitionId: input.requisitionId });
      if (amended.total !== state.total) {
        // The amendment moved the total: recompute the chain under the same policy and start again.
        state.total = amended.total;
        state.round += 1;
        state.chain = approvalChainFor(amended.total, input.policy);
        state.stepIndex = 0;
        state.approverIds = [];
        questionedStep = null;
        questionCount = 0;
        await acts().recordChain({ requisitionId: input.requisitionId, chain: state.chain, round: state.round });
      }
      state.status = 'under_review';
      processed.add(answer.key);
      pending = null;
      await acts().setRequisitionStatus({ processId, requisitionId: input.requisitionId, status: 'under_review', actorId: answer.actorId, onBehalfOfId: answer.onBehalfOfId, comment: answer.comment ?? null, requestId: answer.key });
      upsertSearchAttributes([{ key: searchKeys.processStatus, value: 'under_review' }]);
      continue;
    }
    processed.add(decision.key);
    pending = null;
  }
  // Let Update handlers waiting on `processed` return their answer before the run ends.
  await condition(allHandlersFinished);
  return snapshot();
}
