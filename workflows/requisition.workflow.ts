import { ApplicationFailure, allHandlersFinished, condition, defineQuery, defineUpdate, patched, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
// Zod-free modules only: the bundle is evaluated for every run.
import { approvalChainFor, parseSla, type ApprovalLevel, type ApprovalPolicy } from '@p2p/domain/approval-rules';
import type { RequisitionStatus, Role } from '@p2p/domain';
import { humanTasks, taskFailures, type Decision, type Exclusion } from './human-task.ts';
import { orderApprovedLines } from './purchase-order.workflow.ts';
import { searchKeys } from './search-attributes.ts';

/**
 * One requisition from submission to a final decision (SPEC 4.1): the chain
 * computed from the total, one approval step per level, questions answered
 * (an amended total restarts the chain), rejection, withdrawal. People's
 * steps, their SLAs, escalation and the task Updates are the human-task
 * helper's; this file is the business rules only.
 */

export interface RequisitionInput {
  requisitionId: string;
  number: string;
  requesterId: string;
  total: string;
  /** The policy at submission: a running chain keeps it. */
  policy: ApprovalPolicy;
}

export interface RequisitionState {
  status: RequisitionStatus;
  round: number;
  chain: ApprovalLevel[];
  stepIndex: number;
  total: string;
  approverIds: string[];
}

export const withdraw = defineUpdate<{ status: string }, [{ actorId: string; reason?: string | null }]>('withdraw');
export const requisitionState = defineQuery<RequisitionState>('approvalState');

const levelLabel: Record<ApprovalLevel, string> = { line_manager: 'line manager', procurement_manager: 'procurement manager', finance_director: 'finance director' };
const levelName: Record<ApprovalLevel, string> = { line_manager: 'Line manager', procurement_manager: 'Procurement manager', finance_director: 'Finance director' };
const levelRole: Record<ApprovalLevel, Role> = { line_manager: 'manager', procurement_manager: 'procurement_manager', finance_director: 'finance_director' };
const finalStatuses: readonly RequisitionStatus[] = ['approved', 'rejected', 'withdrawn'];

export async function requisitionWorkflow(input: RequisitionInput): Promise<RequisitionState> {
  const sla = parseSla(input.policy.stepSla) ?? { businessDays: 2, clockMs: 0 };
  const state: RequisitionState = { status: 'submitted', round: 0, chain: approvalChainFor(input.total, input.policy), stepIndex: 0, total: input.total, approverIds: [] };
  const people = humanTasks({ subject: { type: 'Requisition', id: input.requisitionId }, status: () => state.status });
  /** Set by the withdraw Update; read by the loop (a holder, so the compiler sees the handler's writes). */
  const pending: { withdrawal: { actorId: string; reason: string | null; key: string } | null } = { withdrawal: null };

  setHandler(requisitionState, () => ({ ...state, chain: [...state.chain], approverIds: [...state.approverIds] }));
  setHandler(
    withdraw,
    async ({ actorId, reason }) => {
      const key = `withdraw:${actorId}`;
      pending.withdrawal = { actorId, reason: reason ?? null, key };
      await condition(() => people.isAnswered(key));
      return { status: state.status };
    },
    {
      validator: ({ actorId }: { actorId: string }) => {
        if (actorId !== input.requesterId) throw ApplicationFailure.create({ type: taskFailures.notAllowed, message: 'only the requester may withdraw the requisition', nonRetryable: true });
        if (finalStatuses.includes(state.status)) throw ApplicationFailure.create({ type: taskFailures.notOpen, message: `the requisition is already ${state.status}`, nonRetryable: true });
        if (pending.withdrawal) throw ApplicationFailure.create({ type: taskFailures.notOpen, message: 'the requisition is being withdrawn', nonRetryable: true });
      },
    },
  );

  const setStatus = (status: RequisitionStatus, by?: Decision | null, facts?: Record<string, unknown>) => {
    state.status = status;
    upsertSearchAttributes([{ key: searchKeys.processStatus, value: status }]);
    return { status, actorId: by?.actorId ?? null, onBehalfOfId: by?.onBehalfOfId ?? null, comment: by?.comment ?? null, ...(facts ? { facts } : {}) };
  };
  const decidedBy = (decision: Decision) => [...new Set([decision.actorId, decision.onBehalfOfId ?? decision.actorId])];
  /** Segregation of duties (SPEC 3): nobody approves their own requisition, nobody approves two steps of one chain. */
  const exclusions = (): Exclusion[] => [
    { ids: [input.requesterId], reason: 'nobody approves their own requisition', as: 'is the requester' },
    { ids: [...state.approverIds], reason: 'nobody approves two steps of one chain', as: 'already approved a step of this chain' },
  ];
  const tellRequester = (decision: Decision, outcome: 'approved' | 'rejected') => [
    { key: `${people.processId}:decision:${outcome}`, toUserId: input.requesterId, decision: outcome, decisionLabel: outcome === 'approved' ? 'Approved' : 'Rejected', actorId: decision.actorId, comment: decision.comment ?? null },
  ];

  upsertSearchAttributes([{ key: searchKeys.processStatus, value: 'submitted' }]);
  let record: ReturnType<typeof setStatus> | undefined = setStatus('under_review', null, { chain: state.chain, round: 0 });
  /** After an answered question the step goes back to whoever asked. */
  let askedBy: { assigneeId: string | null; candidateRole: Role | null } | null = null;
  let questions = 0;

  while (!pending.withdrawal) {
    const level = state.chain[state.stepIndex]!;
    const decision = await people.ask({
      kind: 'requisition_approval',
      stepKey: `r${state.round}-s${state.stepIndex}${questions ? `-a${questions}` : ''}`,
      title: `Approve {number}: {title} (${levelLabel[level]})`,
      assign: askedBy ? { to: 'same', ...askedBy } : level === 'line_manager' ? { to: 'line_manager', of: input.requesterId } : { to: 'role', role: levelRole[level], lineFrom: input.requesterId },
      exclude: exclusions(),
      sla,
      details: { level, round: state.round, total: state.total, stepLabel: `${levelName[level]} step${state.chain.length > 1 ? ` ${state.stepIndex + 1} of ${state.chain.length}` : ''}` },
      record,
      until: () => pending.withdrawal !== null,
    });
    record = undefined;
    askedBy = null;
    if (!decision) break;

    if (decision.action === 'reject') {
      await people.settle({ record: setStatus('rejected', decision), notices: tellRequester(decision, 'rejected') });
      break;
    }
    if (decision.action === 'approve') {
      state.approverIds.push(...decidedBy(decision));
      state.stepIndex += 1;
      if (state.stepIndex < state.chain.length) continue;
      await people.settle({ record: setStatus('approved', decision), notices: tellRequester(decision, 'approved') });
      // Runs approved before purchase orders existed end here, as they did.
      if (patched('purchase-orders')) await orderApprovedLines({ requisitionId: input.requisitionId, requesterId: input.requesterId, processId: people.processId, activities: people.activities() });
      break;
    }

    // A question: the requester answers (or amends, then answers) or withdraws.
    questions += 1;
    const reply = await people.ask({
      kind: 'requisition_answer',
      stepKey: `r${state.round}-s${state.stepIndex}-q${questions}`,
      title: 'Answer the question on {number}: {title}',
      assign: { to: 'user', userId: input.requesterId },
      sla: null,
      details: { round: state.round, stepLabel: 'Answer the approver’s question' },
      question: decision.comment ?? '',
      record: setStatus('questioned', decision),
      until: () => pending.withdrawal !== null,
    });
    if (!reply) break;
    if (reply.action === 'withdraw') {
      await people.settle({ record: setStatus('withdrawn', reply) });
      break;
    }
    const amended = await people.activities().readRequisitionTotal({ requisitionId: input.requisitionId });
    if (amended.total !== state.total) {
      // The amendment moved the total: recompute the chain under the same policy and start again.
      Object.assign(state, { total: amended.total, round: state.round + 1, chain: approvalChainFor(amended.total, input.policy), stepIndex: 0, approverIds: [] });
      questions = 0;
      record = setStatus('under_review', reply, { chain: state.chain, round: state.round });
    } else {
      askedBy = { assigneeId: decision.assigneeId, candidateRole: decision.candidateRole };
      record = setStatus('under_review', reply);
    }
  }

  const request = pending.withdrawal;
  if (request) {
    people.answerAfterSettle(request.key);
    await people.settle({ cancelOpen: { reason: request.reason ?? 'withdrawn by the requester', actorId: request.actorId }, record: { ...setStatus('withdrawn'), actorId: request.actorId, comment: request.reason }, requestId: request.key });
  }
  // Let Update handlers waiting for their answer return it before the run ends.
  await condition(allHandlersFinished);
  return { ...state };
}
