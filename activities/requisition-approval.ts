import { ApplicationFailure } from '@temporalio/activity';
import { roleLabels, type ApprovalLevel, type RequisitionStatus, type Role, type TaskAction, type TaskKind } from '@p2p/domain';
import { commonActions, taskKindDef } from '@p2p/domain/task-registry';
import type { Database } from '../db/client.ts';
import { appendAudit } from '../db/queries/audit.ts';
import { notifyTaskEvent } from '../db/queries/notify.ts';
import { findRequisition, recordApprovalChain, updateRequisitionStatus } from '../db/queries/requisitions.ts';
import { assignTask, closeTask, findTask, markTaskReminded, openTask, openTasksOfProcess } from '../db/queries/tasks.ts';
import { findActiveUsersWithRole, findUserById, findUsersByIds } from '../db/queries/users.ts';
import type { TaskRow, UserRow } from '../db/schema/index.ts';
import { requisitionMailSubject, requisitionNextStep } from './mail/subjects.ts';
import { mailActions, type MailTask } from './mail/templates.ts';
import type { ActionLinkPort, MailPort } from './ports.ts';

export interface RequisitionActivityDeps {
  db: Database;
  clock: () => Date;
  mail: MailPort;
  links: ActionLinkPort;
  publicUrl: string;
}

/** Who a step goes to: one person, or a role pool; `note` says why when the rule rerouted it. */
export interface StepAssignment {
  assigneeId: string | null;
  candidateRole: Role | null;
  note: string | null;
}

const levelRole: Record<ApprovalLevel, Role> = {
  line_manager: 'manager',
  procurement_manager: 'procurement_manager',
  finance_director: 'finance_director',
};

const levelLabel: Record<ApprovalLevel, string> = {
  line_manager: 'line manager',
  procurement_manager: 'procurement manager',
  finance_director: 'finance director',
};

const audit = (processId: string, requestId: string) => ({ processId, requestId, ip: null, userAgent: 'worker' });

export function createRequisitionActivities(deps: RequisitionActivityDeps) {
  const { db, clock, mail, links, publicUrl } = deps;

  async function requireUser(id: string): Promise<UserRow> {
    const user = await findUserById(db, id);
    if (!user) throw ApplicationFailure.nonRetryable(`user ${id} does not exist`, 'UserMissing');
    return user;
  }

  /** People to tell about a task: the assignee and, while they are out of office, their delegate; or the role pool. */
  async function recipientsOf(task: TaskRow, excludedIds: readonly string[] = []): Promise<UserRow[]> {
    const now = clock();
    let people: UserRow[] = [];
    if (task.assigneeId) {
      const assignee = await requireUser(task.assigneeId);
      people.push(assignee);
      const away = assignee.delegateId && assignee.outOfOfficeFrom && assignee.outOfOfficeUntil && assignee.outOfOfficeFrom <= now && assignee.outOfOfficeUntil >= now;
      if (away) people.push(await requireUser(assignee.delegateId!));
    } else if (task.candidateRole) {
      people = await findActiveUsersWithRole(db, task.candidateRole as Role);
    }
    return people.filter((person) => person.active && !excludedIds.includes(person.id));
  }

  /** The first active person up the management line from `startId` who is not excluded. */
  async function upTheLine(startId: string | null, excluded: ReadonlySet<string>): Promise<UserRow | undefined> {
    const seen = new Set<string>();
    let currentId = startId;
    while (currentId && !seen.has(currentId)) {
      seen.add(currentId);
      const person = await findUserById(db, currentId);
      if (!person) return undefined;
      if (person.active && !excluded.has(person.id)) return person;
      currentId = person.managerId;
    }
    return undefined;
  }

  const taskUrl = (task: TaskRow) => `${publicUrl}/inbox?task=${task.id}`;
  const mailTask = (task: TaskRow, dueAt: string | null = task.dueAt?.toISOString() ?? null): MailTask => ({ title: task.title, kindLabel: taskKindDef(task.kind)?.label ?? task.kind, businessKey: task.businessKey, dueAt, url: taskUrl(task) });
  const requisitionUrl = (requisitionId: string) => `${publicUrl}/requisitions/${requisitionId}`;

  async function requisitionSummary(requisitionId: string) {
    const requisition = await findRequisition(db, requisitionId);
    if (!requisition) throw ApplicationFailure.nonRetryable(`requisition ${requisitionId} does not exist`, 'RequisitionMissing');
    const requester = await requireUser(requisition.requesterId);
    return {
      requisition,
      data: requisitionMailSubject({ number: requisition.number ?? 'draft', title: requisition.title, total: requisition.total, requesterName: requester.name, url: requisitionUrl(requisition.id) }),
      requester,
    };
  }

  return {
    /** The chain the workflow computed, kept on the requisition for the API and UI. */
    async recordChain(params: { requisitionId: string; chain: ApprovalLevel[]; round: number }): Promise<void> {
      await recordApprovalChain(db, { id: params.requisitionId, chain: params.chain, round: params.round });
    },

    /**
     * Segregation of duties decides who may take a step: never the requester,
     * never someone who approved an earlier step. When that leaves nobody, the
     * step goes up the management line, and the note says why.
     */
    async resolveApprover(params: { requesterId: string; level: ApprovalLevel; excludedIds: string[] }): Promise<StepAssignment> {
      const requester = await requireUser(params.requesterId);
      const excluded = new Set([params.requesterId, ...params.excludedIds]);
      const reason = (who: UserRow) => (who.id === requester.id ? `${who.name} is the requester` : `${who.name} already approved a step of this chain`);
      if (params.level === 'line_manager') {
        const manager = requester.managerId ? await findUserById(db, requester.managerId) : undefined;
        if (manager && manager.active && !excluded.has(manager.id)) return { assigneeId: manager.id, candidateRole: null, note: null };
        const next = await upTheLine(manager?.managerId ?? null, excluded);
        const why = !manager ? `${requester.name} has no line manager` : !manager.active ? `${manager.name} is inactive` : reason(manager);
        if (next) return { assigneeId: next.id, candidateRole: null, note: `Segregation of duties: ${why}; rerouted up the management line to ${next.name}` };
        return { assigneeId: null, candidateRole: 'manager', note: `Segregation of duties: ${why} and nobody up the line is eligible; offered to all managers` };
      }
      const role = levelRole[params.level];
      const holders = await findActiveUsersWithRole(db, role);
      const eligible = holders.filter((holder) => !excluded.has(holder.id));
      if (eligible.length === 1) return { assigneeId: eligible[0]!.id, candidateRole: null, note: null };
      if (eligible.length > 1) return { assigneeId: null, candidateRole: role, note: null };
      const blocked = holders[0];
      const next = await upTheLine(blocked?.managerId ?? requester.managerId, excluded);
      const why = blocked ? reason(blocked) : `nobody holds the role ${roleLabels[role]}`;
      if (next) return { assigneeId: next.id, candidateRole: null, note: `Segregation of duties: ${why}; the ${levelLabel[params.level]} step goes up the management line to ${next.name}` };
      return { assigneeId: null, candidateRole: role, note: `Segregation of duties: ${why} and nobody up the line is eligible; admins were told` };
    },

    /** Creates the inbox task of a step once (keyed by process + step), audits it and tells the people concerned. */
    async openStepTask(params: {
      processId: string;
      /** Minted by the workflow, so it knows the task before the row exists. */
      taskId: string;
      stepKey: string;
      requisitionId: string;
      kind: TaskKind;
      level: ApprovalLevel | null;
      round: number;
      assigneeId: string | null;
      candidateRole: Role | null;
      dueAt: string | null;
      actions: TaskAction[];
      note: string | null;
      question?: string | null;
    }): Promise<{ taskId: string }> {
      const { requisition, data: requisitionData } = await requisitionSummary(params.requisitionId);
      const title =
        params.kind === 'requisition_answer'
          ? `Answer the question on ${requisition.number}: ${requisition.title}`
          : `Approve ${requisition.number}: ${requisition.title} (${levelLabel[params.level!]})`;
      const { task } = await db.transaction(async (tx) => {
        const result = await openTask(tx, {
          id: params.taskId,
          processId: params.processId,
          stepKey: params.stepKey,
          kind: params.kind,
          title,
          businessKey: requisition.number,
          subjectType: 'Requisition',
          subjectId: requisition.id,
          assigneeId: params.assigneeId,
          candidateRole: params.candidateRole,
          dueAt: params.dueAt ? new Date(params.dueAt) : null,
          actions: params.actions,
          data: { level: params.level, round: params.round, note: params.note, question: params.question ?? null, total: requisition.total },
        });
        if (result.created) {
          await appendAudit(tx, {
            ...audit(params.processId, `${params.processId}:${params.stepKey}`),
            at: clock(),
            actorId: null,
            action: 'task.created',
            subjectType: 'Task',
            subjectId: result.task.id,
            after: { kind: params.kind, title, assigneeId: params.assigneeId, candidateRole: params.candidateRole, dueAt: params.dueAt, level: params.level, round: params.round, note: params.note },
          });
          const userIds = params.assigneeId ? [params.assigneeId] : [];
          await notifyTaskEvent(tx, { type: 'created', taskId: result.task.id, userIds, candidateRole: params.candidateRole });
        }
        return result;
      });
      const recipients = await recipientsOf(task, params.kind === 'requisition_approval' ? [requisition.requesterId] : []);
      const assigneeName = task.assigneeId ? (await requireUser(task.assigneeId)).name : null;
      for (const person of recipients) {
        const to = { userId: person.id, address: person.email, name: person.name };
        const key = `${params.processId}:${params.stepKey}:assigned:${person.id}`;
        if (params.kind === 'requisition_answer') {
          await mail.send({ key, template: 'questioned', to, processId: params.processId, data: { recipientName: person.name, subject: requisitionData, task: mailTask(task), comment: params.question ?? '', nextStep: requisitionNextStep('questioned') } });
          continue;
        }
        const oneClick = await links.issue({ taskId: task.id, userId: person.id, actions: ['approve'] });
        await mail.send({
          key,
          template: 'task-assigned',
          to,
          processId: params.processId,
          data: {
            recipientName: person.name,
            task: mailTask(task),
            subject: requisitionData,
            actions: mailActions(task.kind, oneClick),
            linksExpireAt: oneClick[0]?.expiresAt ?? null,
            onBehalfOfName: person.id !== task.assigneeId ? assigneeName : null,
          },
        });
      }
      return { taskId: task.id };
    },

    /** Closes a task with its outcome; a retry of an already closed task changes nothing. */
    async closeStepTask(params: {
      processId: string;
      taskId: string;
      status: 'completed' | 'cancelled';
      outcome: string;
      actorId: string | null;
      onBehalfOfId: string | null;
      comment: string | null;
      requestId: string;
    }): Promise<void> {
      await db.transaction(async (tx) => {
        const closed = await closeTask(tx, { id: params.taskId, status: params.status, outcome: params.outcome, completedById: params.actorId, onBehalfOfId: params.onBehalfOfId, comment: params.comment, now: clock() });
        if (!closed) return;
        await appendAudit(tx, {
          ...audit(params.processId, params.requestId),
          at: clock(),
          actorId: params.actorId,
          onBehalfOfId: params.onBehalfOfId,
          action: params.status === 'completed' ? 'task.completed' : 'task.cancelled',
          subjectType: 'Task',
          subjectId: params.taskId,
          before: { status: 'open' },
          after: { status: params.status, outcome: params.outcome, comment: params.comment },
        });
        await notifyTaskEvent(tx, { type: 'closed', taskId: params.taskId, userIds: [closed.assigneeId, ...closed.watcherIds].filter((id): id is string => Boolean(id)), candidateRole: closed.candidateRole });
      });
    },

    /** A role-pool task taken by one person (the Update already checked they may). */
    async claimStepTask(params: { processId: string; taskId: string; userId: string; requestId: string }): Promise<void> {
      await db.transaction(async (tx) => {
        const task = await findTask(tx, params.taskId);
        if (!task || task.assigneeId === params.userId) return;
        const assigned = await assignTask(tx, { id: params.taskId, assigneeId: params.userId, now: clock() });
        if (!assigned) return;
        await appendAudit(tx, { ...audit(params.processId, params.requestId), at: clock(), actorId: params.userId, action: 'task.claimed', subjectType: 'Task', subjectId: params.taskId, before: { assigneeId: null, candidateRole: task.candidateRole }, after: { assigneeId: params.userId } });
        await notifyTaskEvent(tx, { type: 'assigned', taskId: params.taskId, userIds: [params.userId], candidateRole: task.candidateRole });
      });
    },

    async cancelOpenTasks(params: { processId: string; reason: string; actorId: string | null; requestId: string }): Promise<void> {
      for (const task of await openTasksOfProcess(db, params.processId)) {
        await db.transaction(async (tx) => {
          const closed = await closeTask(tx, { id: task.id, status: 'cancelled', outcome: 'cancelled', completedById: null, onBehalfOfId: null, comment: params.reason, now: clock() });
          if (!closed) return;
          await appendAudit(tx, { ...audit(params.processId, params.requestId), at: clock(), actorId: params.actorId, action: 'task.cancelled', subjectType: 'Task', subjectId: task.id, before: { status: 'open' }, after: { status: 'cancelled', reason: params.reason } });
          await notifyTaskEvent(tx, { type: 'closed', taskId: task.id, userIds: [closed.assigneeId, ...closed.watcherIds].filter((id): id is string => Boolean(id)), candidateRole: closed.candidateRole });
        });
      }
    },

    /** The requisition's status follows the process; each change is audited with who caused it. */
    async setRequisitionStatus(params: { processId: string; requisitionId: string; status: RequisitionStatus; actorId: string | null; onBehalfOfId: string | null; comment: string | null; requestId: string }): Promise<void> {
      await db.transaction(async (tx) => {
        const before = await findRequisition(tx, params.requisitionId);
        if (!before || before.status === params.status) return;
        const final = ['approved', 'rejected', 'withdrawn'].includes(params.status);
        await updateRequisitionStatus(tx, { id: params.requisitionId, status: params.status, now: clock(), decided: final });
        await appendAudit(tx, {
          ...audit(params.processId, params.requestId),
          at: clock(),
          actorId: params.actorId,
          onBehalfOfId: params.onBehalfOfId,
          action: `requisition.${params.status}`,
          subjectType: 'Requisition',
          subjectId: params.requisitionId,
          before: { status: before.status },
          after: { status: params.status, ...(params.comment ? { comment: params.comment } : {}) },
        });
      });
    },

    /** What the requester's answer changed: the workflow restarts the chain when the total moved. */
    async readRequisitionTotal(params: { requisitionId: string }): Promise<{ total: string; version: number }> {
      const { requisition } = await requisitionSummary(params.requisitionId);
      return { total: requisition.total, version: requisition.version };
    },

    async sendReminder(params: { processId: string; taskId: string; escalationLevel: number }): Promise<void> {
      const task = await findTask(db, params.taskId);
      if (!task || task.status !== 'open') return;
      const { data } = await requisitionSummary(task.subjectId);
      for (const person of await recipientsOf(task)) {
        await mail.send({
          key: `${params.processId}:${task.id}:reminder:${params.escalationLevel}:${person.id}`,
          template: 'reminder',
          to: { userId: person.id, address: person.email, name: person.name },
          processId: params.processId,
          data: { recipientName: person.name, task: mailTask(task), subject: data, actions: [] },
        });
      }
      await db.transaction(async (tx) => {
        await markTaskReminded(tx, { id: task.id, now: clock() });
        await appendAudit(tx, { ...audit(params.processId, `${params.processId}:${task.id}:reminder:${params.escalationLevel}`), at: clock(), actorId: null, action: 'task.reminder_sent', subjectType: 'Task', subjectId: task.id, after: { dueAt: task.dueAt, escalationLevel: params.escalationLevel } });
      });
    },

    /**
     * The SLA ran out: the step goes to the assignee's manager (for a pool
     * task, the manager of its first holder). The earlier assignee keeps read
     * access. Undefined when there is nobody up the line.
     */
    async escalateTask(params: { processId: string; taskId: string; escalationLevel: number; dueAt: string; excludedIds: string[] }): Promise<{ assigneeId: string } | undefined> {
      const task = await findTask(db, params.taskId);
      if (!task || task.status !== 'open') return undefined;
      if (task.escalationLevel >= params.escalationLevel && task.assigneeId) return { assigneeId: task.assigneeId };
      const from = task.assigneeId ? await requireUser(task.assigneeId) : (await findActiveUsersWithRole(db, task.candidateRole as Role))[0];
      const target = await upTheLine(from?.managerId ?? null, new Set(params.excludedIds));
      if (!target) return undefined;
      await db.transaction(async (tx) => {
        await assignTask(tx, { id: task.id, assigneeId: target.id, escalationLevel: params.escalationLevel, dueAt: new Date(params.dueAt), now: clock() });
        await appendAudit(tx, {
          ...audit(params.processId, `${params.processId}:${task.id}:escalation:${params.escalationLevel}`),
          at: clock(),
          actorId: null,
          action: 'task.escalated',
          subjectType: 'Task',
          subjectId: task.id,
          before: { assigneeId: task.assigneeId, candidateRole: task.candidateRole, escalationLevel: task.escalationLevel },
          after: { assigneeId: target.id, escalationLevel: params.escalationLevel, dueAt: params.dueAt, reason: `SLA exceeded${from ? ` by ${from.name}` : ''}` },
        });
        await notifyTaskEvent(tx, { type: 'assigned', taskId: task.id, userIds: [target.id, ...(task.assigneeId ? [task.assigneeId] : [])], candidateRole: null });
      });
      const { data } = await requisitionSummary(task.subjectId);
      const escalated = { ...task, assigneeId: target.id };
      for (const person of await recipientsOf(escalated)) {
        const oneClick = await links.issue({ taskId: task.id, userId: person.id, actions: ['approve'] });
        await mail.send({
          key: `${params.processId}:${task.id}:escalation:${params.escalationLevel}:${person.id}`,
          template: 'escalation',
          to: { userId: person.id, address: person.email, name: person.name },
          processId: params.processId,
          data: { recipientName: person.name, fromName: from?.name ?? 'the role pool', level: params.escalationLevel, reason: 'The approval was not decided within its SLA.', task: mailTask(task, params.dueAt), subject: data, actions: mailActions(task.kind, oneClick), linksExpireAt: oneClick[0]?.expiresAt ?? null },
        });
      }
      if (from && task.assigneeId) {
        await mail.send({
          key: `${params.processId}:${task.id}:escalation:${params.escalationLevel}:previous:${from.id}`,
          template: 'escalation',
          to: { userId: from.id, address: from.email, name: from.name },
          processId: params.processId,
          data: { audience: 'previous_assignee', toName: target.name, recipientName: from.name, level: params.escalationLevel, reason: 'The approval was not decided within its SLA.', task: mailTask(task, params.dueAt), subject: data },
        });
      }
      return { assigneeId: target.id };
    },

    /** Escalation exhausted or nobody eligible: every admin is told (once per process and reason). */
    async alertAdmins(params: { processId: string; key: string; taskId: string | null; requisitionId: string; reason: string; level?: number }): Promise<void> {
      const { data } = await requisitionSummary(params.requisitionId);
      const task = params.taskId ? await findTask(db, params.taskId) : undefined;
      const lastAssignee = task?.assigneeId ? await findUserById(db, task.assigneeId) : undefined;
      const admins = await findActiveUsersWithRole(db, 'admin');
      for (const admin of admins) {
        await mail.send({
          key: `${params.processId}:admin-alert:${params.key}:${admin.id}`,
          template: 'admin-alert',
          to: { userId: admin.id, address: admin.email, name: admin.name },
          processId: params.processId,
          data: { recipientName: admin.name, reason: params.reason, subject: data, task: task ? mailTask(task) : null, level: params.level ?? null, lastAssigneeName: lastAssignee?.name ?? null },
        });
      }
      await appendAudit(db, { ...audit(params.processId, `${params.processId}:admin-alert:${params.key}`), at: clock(), actorId: null, action: 'process.admins_alerted', subjectType: 'Requisition', subjectId: params.requisitionId, after: { reason: params.reason, admins: admins.length } });
    },

    /** Tells the requester the outcome. */
    async notifyDecision(params: { processId: string; requisitionId: string; decision: 'approved' | 'rejected' | 'withdrawn'; actorId: string | null; comment: string | null }): Promise<void> {
      if (params.decision === 'withdrawn') return;
      const { data, requester } = await requisitionSummary(params.requisitionId);
      const [actor] = params.actorId ? await findUsersByIds(db, [params.actorId]) : [];
      await mail.send({
        key: `${params.processId}:decision:${params.decision}`,
        template: 'decision',
        to: { userId: requester.id, address: requester.email, name: requester.name },
        processId: params.processId,
        data: {
          recipientName: requester.name,
          decision: params.decision,
          decisionLabel: params.decision === 'approved' ? commonActions.approve.done : commonActions.reject.done,
          comment: params.comment,
          fromName: actor?.name ?? null,
          decidedAt: clock().toISOString(),
          subject: data,
          nextStep: requisitionNextStep(params.decision),
        },
      });
    },
  };
}

export type RequisitionActivities = ReturnType<typeof createRequisitionActivities>;
