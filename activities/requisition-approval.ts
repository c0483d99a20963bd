import { ApplicationFailure } from '@temporalio/activity';
import type { ApprovalLevel, RequisitionStatus, Role, TaskAction, TaskKind } from '@p2p/domain';
import type { Executor } from '../db/client.ts';
import { findRequisitionHeading, recordApprovalChain } from '../db/queries/requisitions.ts';
import { findTask, openTasksOfProcess } from '../db/queries/tasks.ts';
import type { HumanTaskActivities } from './human-tasks.ts';

/**
 * The activities of requisitionApprovalWorkflow, the requisition process as
 * it ran before the human-task helper. Its runs started before then still
 * call these by name with these arguments and expect these results; each one
 * is now a thin adapter onto the human-task activities, so both generations
 * write the same rows, audit entries and mails. Delete with that workflow.
 */

/** Who a step goes to: one person, or a role pool; `note` says why when the rule rerouted it. */
export interface StepAssignment {
  assigneeId: string | null;
  candidateRole: Role | null;
  note: string | null;
}

const levelRole: Record<ApprovalLevel, Role> = { line_manager: 'manager', procurement_manager: 'procurement_manager', finance_director: 'finance_director' };
const levelLabel: Record<ApprovalLevel, string> = { line_manager: 'line manager', procurement_manager: 'procurement manager', finance_director: 'finance director' };
const requisitionOf = (id: string) => ({ type: 'Requisition', id });

export function createRequisitionActivities(db: Executor, tasks: HumanTaskActivities) {
  /** The record a task is about, as the human-task activities name it. */
  async function subjectOfTask(taskId: string) {
    const task = await findTask(db, taskId);
    return task && { type: task.subjectType, id: task.subjectId };
  }

  async function requireRequisition(id: string) {
    const requisition = await findRequisitionHeading(db, id);
    if (!requisition) throw ApplicationFailure.nonRetryable(`requisition ${id} does not exist`, 'RequisitionMissing');
    return requisition;
  }

  return {
    async recordChain(params: { requisitionId: string; chain: ApprovalLevel[]; round: number }): Promise<void> {
      await recordApprovalChain(db, { id: params.requisitionId, chain: params.chain, round: params.round });
    },

    async resolveApprover(params: { requesterId: string; level: ApprovalLevel; excludedIds: string[] }): Promise<StepAssignment> {
      const rule = params.level === 'line_manager' ? { to: 'line_manager' as const, of: params.requesterId } : { to: 'role' as const, role: levelRole[params.level], lineFrom: params.requesterId };
      const notes: Record<string, string> = { [params.requesterId]: 'is the requester' };
      for (const id of params.excludedIds) notes[id] ??= 'already approved a step of this chain';
      return tasks.resolveAssignee({ rule, excludedIds: [params.requesterId, ...params.excludedIds], exclusionNotes: notes });
    },

    async openStepTask(params: { processId: string; taskId: string; stepKey: string; requisitionId: string; kind: TaskKind; level: ApprovalLevel | null; round: number; assigneeId: string | null; candidateRole: Role | null; dueAt: string | null; actions: TaskAction[]; note: string | null; question?: string | null }): Promise<{ taskId: string }> {
      const requisition = await requireRequisition(params.requisitionId);
      const approval = params.kind === 'requisition_approval';
      const { opened } = await tasks.applyTaskTransition({
        processId: params.processId,
        requestId: `${params.processId}:${params.stepKey}`,
        subject: requisitionOf(params.requisitionId),
        open: {
          taskId: params.taskId,
          kind: params.kind,
          stepKey: params.stepKey,
          title: approval ? `Approve {number}: {title} (${levelLabel[params.level!]})` : 'Answer the question on {number}: {title}',
          assign: { to: 'same', assigneeId: params.assigneeId, candidateRole: params.candidateRole, note: params.note },
          excludedIds: approval ? [requisition.requesterId] : [],
          dueAt: params.dueAt,
          actions: params.actions,
          details: { level: params.level, round: params.round, total: requisition.total },
          question: approval ? null : (params.question ?? ''),
        },
      });
      return { taskId: opened!.taskId };
    },

    async closeStepTask(params: { processId: string; taskId: string; status: 'completed' | 'cancelled'; outcome: string; actorId: string | null; onBehalfOfId: string | null; comment: string | null; requestId: string }): Promise<void> {
      const { processId, requestId, ...close } = params;
      const task = await subjectOfTask(params.taskId);
      if (!task) return;
      await tasks.applyTaskTransition({ processId, requestId, subject: task, close: [close] });
    },

    async claimStepTask(params: { processId: string; taskId: string; userId: string; requestId: string }): Promise<void> {
      await tasks.claimHumanTask(params);
    },

    async cancelOpenTasks(params: { processId: string; reason: string; actorId: string | null; requestId: string }): Promise<void> {
      const [open] = await openTasksOfProcess(db, params.processId);
      if (!open) return;
      await tasks.applyTaskTransition({ processId: params.processId, requestId: params.requestId, subject: { type: open.subjectType, id: open.subjectId }, cancelOpen: { reason: params.reason, actorId: params.actorId } });
    },

    async setRequisitionStatus(params: { processId: string; requisitionId: string; status: RequisitionStatus; actorId: string | null; onBehalfOfId: string | null; comment: string | null; requestId: string }): Promise<void> {
      const { processId, requestId, requisitionId, ...record } = params;
      await tasks.applyTaskTransition({ processId, requestId, subject: requisitionOf(requisitionId), record });
    },

    /** What the requester's answer changed: the workflow restarts the chain when the total moved. */
    async readRequisitionTotal(params: { requisitionId: string }): Promise<{ total: string; version: number }> {
      const requisition = await requireRequisition(params.requisitionId);
      return { total: requisition.total, version: requisition.version };
    },

    async sendReminder(params: { processId: string; taskId: string; escalationLevel: number }): Promise<void> {
      const task = await subjectOfTask(params.taskId);
      if (!task) return;
      await tasks.remindHumanTask({ ...params, subject: task, excludedIds: [] });
    },

    async escalateTask(params: { processId: string; taskId: string; escalationLevel: number; dueAt: string; excludedIds: string[] }): Promise<{ assigneeId: string } | undefined> {
      const task = await subjectOfTask(params.taskId);
      if (!task) return undefined;
      const escalated = await tasks.escalateHumanTask({ ...params, subject: task });
      // This generation records decisions before it writes them: a decided row is not news to it.
      return escalated && 'assigneeId' in escalated ? escalated : undefined;
    },

    async alertAdmins(params: { processId: string; key: string; taskId: string | null; requisitionId: string; reason: string; level?: number }): Promise<void> {
      await tasks.alertAdminsOfTask({ processId: params.processId, key: params.key, subject: requisitionOf(params.requisitionId), taskId: params.taskId, reason: params.reason, level: params.level ?? null });
    },

    async notifyDecision(params: { processId: string; requisitionId: string; decision: 'approved' | 'rejected' | 'withdrawn'; actorId: string | null; comment: string | null }): Promise<void> {
      if (params.decision === 'withdrawn') return;
      const requisition = await requireRequisition(params.requisitionId);
      await tasks.applyTaskTransition({
        processId: params.processId,
        requestId: `${params.processId}:decision:${params.decision}`,
        subject: requisitionOf(params.requisitionId),
        notices: [{ key: `${params.processId}:decision:${params.decision}`, toUserId: requisition.requesterId, decision: params.decision, decisionLabel: params.decision === 'approved' ? 'Approved' : 'Rejected', actorId: params.actorId, comment: params.comment }],
      });
    },
  };
}

export type RequisitionActivities = ReturnType<typeof createRequisitionActivities>;
