import { ApplicationFailure } from '@temporalio/activity';
import { roleLabels, taskKindDef, type Role, type TaskKind } from '@p2p/domain';
import type { Executor } from '../db/client.ts';
import { appendAudits, type AuditEntry } from '../db/queries/audit.ts';
import { notifyTaskEvents, type TaskEvent } from '../db/queries/notify.ts';
import { assignTask, claimTransition, closeTask, findTask, markTaskReminded, openTask, openTasksOfProcess } from '../db/queries/tasks.ts';
import { findActiveUsersWithRole, findUserById } from '../db/queries/users.ts';
import type { TaskRow, UserRow } from '../db/schema/index.ts';
import type { SendMailParams } from './mail/mailer.ts';
import { mailActions, type MailSubject, type MailTask } from './mail/templates.ts';
import type { ActivityDeps } from './index.ts';

/**
 * The activity side of a person's step, for every process: one activity and
 * one database transaction per transition of a workflow (close the decided
 * task, change the record's status, open the next task, queue the mails
 * they cause, write their audit entries), then the mails go out after the
 * commit. Each piece is idempotent (task per process + step key, close only
 * what is open, mail per key), so a retried activity repeats the
 * transaction harmlessly. The workflow half is workflows/human-task.ts.
 */

/** Who a step goes to, as a rule the activity resolves under segregation of duties. */
export type AssignmentRule =
  /** One named person (the requester answering a question). */
  | { to: 'user'; userId: string }
  /** The line manager of `of`, or the next eligible person up the line. */
  | { to: 'line_manager'; of: string }
  /** The holders of a role: one eligible holder gets it, several share a pool; none: up the line from `lineFrom`. */
  | { to: 'role'; role: Role; lineFrom: string }
  /** Back to whoever held the step before (a question was answered), or an assignment made earlier, with its note. */
  | { to: 'same'; assigneeId: string | null; candidateRole: Role | null; note?: string | null };

export interface SubjectRef {
  type: string;
  id: string;
}

export interface OpenTaskSpec {
  /** Minted by the workflow, so it knows the task before the row exists. */
  taskId: string;
  kind: TaskKind;
  stepKey: string;
  /** `{number}` and `{title}` are filled from the record. */
  title: string;
  assign: AssignmentRule;
  /** Segregation of duties: never assigned to, told about or escalated to these people. */
  excludedIds: string[];
  /** Why each excluded person is, for the reroute note: id -> "is the requester". */
  exclusionNotes?: Record<string, string>;
  dueAt: string | null;
  actions: string[];
  /** Shown with the task in the inbox. */
  details: Record<string, unknown>;
  /** For an answer step: the question, mailed with the `questioned` template instead of `task-assigned`. */
  question?: string | null;
}

export interface CloseSpec {
  taskId: string;
  status: 'completed' | 'cancelled';
  outcome: string;
  actorId: string | null;
  onBehalfOfId: string | null;
  comment: string | null;
  /** The form data of the decision, kept with the task. */
  data?: Record<string, unknown> | null;
}

/** A change of the process's own record, applied by its subject adapter in the same transaction. */
export interface RecordChange {
  status: string;
  actorId: string | null;
  onBehalfOfId: string | null;
  comment: string | null;
  /** Process-specific facts the adapter knows how to store (the requisition's chain and round). */
  facts?: Record<string, unknown>;
}

/** A mail to one person about the record (the requester hears the outcome). */
export interface Notice {
  key: string;
  toUserId: string;
  decision: string;
  decisionLabel: string;
  actorId: string | null;
  comment: string | null;
}

/** A decision as the task row keeps it: enough for the process to take it if its own record of it was lost. */
export interface RecordedDecision {
  taskId: string;
  action: string;
  actorId: string;
  onBehalfOfId: string | null;
  comment: string | null;
  data: Record<string, unknown> | null;
}

export interface TransitionParams {
  processId: string;
  /** Names the transition in audit entries (a decision's update id, or process + step). */
  requestId: string;
  subject: SubjectRef;
  close?: CloseSpec[];
  /** Cancels every open task of the process (a withdrawal), with the reason. */
  cancelOpen?: { reason: string; actorId: string | null };
  record?: RecordChange;
  open?: OpenTaskSpec;
  notices?: Notice[];
}

export interface Opened {
  taskId: string;
  assigneeId: string | null;
  candidateRole: Role | null;
  note: string | null;
}

export interface AuditContext {
  processId: string;
  requestId: string;
  ip: null;
  userAgent: string;
}

/**
 * What the human-task activities need from a process about its record:
 * how to describe it (titles, mails) and how to apply a status change. A new
 * process registers one adapter; the task code stays as it is.
 */
export interface SubjectAdapter {
  describe(db: Executor, id: string): Promise<{ number: string; title: string; mail: MailSubject }>;
  /** What happens next, in one sentence for the mail telling of an outcome ('approved', 'questioned'); null: nothing to say. */
  nextStep?(outcome: string): string | null;
  applyChange(tx: Executor, id: string, change: RecordChange, audit: AuditContext, now: Date): Promise<void>;
}
export type SubjectAdapters = Record<string, SubjectAdapter>;

const auditContext = (processId: string, requestId: string): AuditContext => ({ processId, requestId, ip: null, userAgent: 'worker' });

/**
 * What one transition's transaction has read and has yet to write: people and
 * records are read once however often the step's parts ask, and its audit
 * entries and inbox events go out in one statement each before the commit
 * (every round trip to the database costs the worker a system call or two).
 */
interface UnitOfWork {
  users: Map<string, Promise<UserRow | undefined>>;
  described: Map<string, Promise<Described>>;
  audits: AuditEntry[];
  events: TaskEvent[];
}
type Described = Awaited<ReturnType<SubjectAdapter['describe']>>;
const units = new WeakMap<Executor, UnitOfWork>();
function unitOf(tx: Executor): UnitOfWork {
  const unit = units.get(tx);
  if (!unit) throw new Error('human-task database work runs inside transaction() only');
  return unit;
}
const audit = (tx: Executor, entry: AuditEntry) => void unitOf(tx).audits.push(entry);
/** For a subject adapter's own entries: written with the transition's, in the order they happened. */
export const queueAudit = audit;
const notify = (tx: Executor, event: TaskEvent) => void unitOf(tx).events.push(event);

export function createHumanTaskActivities(deps: ActivityDeps, subjects: SubjectAdapters) {
  const { db, clock, mail, links, publicUrl } = deps;

  /** A database transaction with its unit of work, flushed before the commit. */
  function transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
    return db.transaction(async (tx) => {
      const unit: UnitOfWork = { users: new Map(), described: new Map(), audits: [], events: [] };
      units.set(tx, unit);
      const result = await work(tx);
      await appendAudits(tx, unit.audits);
      await notifyTaskEvents(tx, unit.events);
      return result;
    });
  }

  function findUser(tx: Executor, id: string): Promise<UserRow | undefined> {
    const { users } = unitOf(tx);
    let found = users.get(id);
    if (!found) users.set(id, (found = findUserById(tx, id)));
    return found;
  }

  function describe(tx: Executor, subject: SubjectRef): Promise<Described> {
    const { described } = unitOf(tx);
    const key = `${subject.type}:${subject.id}`;
    let found = described.get(key);
    if (!found) described.set(key, (found = adapterFor(subject.type).describe(tx, subject.id)));
    return found;
  }

  function adapterFor(type: string): SubjectAdapter {
    const adapter = subjects[type];
    if (!adapter) throw ApplicationFailure.nonRetryable(`no subject adapter is registered for ${type}`, 'SubjectUnknown');
    return adapter;
  }

  async function requireUser(tx: Executor, id: string): Promise<UserRow> {
    const user = await findUser(tx, id);
    if (!user) throw ApplicationFailure.nonRetryable(`user ${id} does not exist`, 'UserMissing');
    return user;
  }

  /** The first active person up the management line from `startId` who is not excluded. */
  async function upTheLine(tx: Executor, startId: string | null, excluded: ReadonlySet<string>): Promise<UserRow | undefined> {
    const seen = new Set<string>();
    let currentId = startId;
    while (currentId && !seen.has(currentId)) {
      seen.add(currentId);
      const person = await findUser(tx, currentId);
      if (!person) return undefined;
      if (person.active && !excluded.has(person.id)) return person;
      currentId = person.managerId;
    }
    return undefined;
  }

  /**
   * Segregation of duties decides who may take a step: never an excluded
   * person. When the rule leaves nobody, the step goes up the management
   * line, and the note says why.
   */
  async function resolve(tx: Executor, rule: AssignmentRule, excludedIds: readonly string[], notes: Record<string, string> = {}): Promise<Omit<Opened, 'taskId'>> {
    const excluded = new Set(excludedIds);
    const why = (who: UserRow) => `${who.name} ${notes[who.id] ?? 'may not take this step'}`;
    if (rule.to === 'same') return { assigneeId: rule.assigneeId, candidateRole: rule.candidateRole, note: rule.note ?? null };
    if (rule.to === 'user') return { assigneeId: (await requireUser(tx, rule.userId)).id, candidateRole: null, note: null };
    if (rule.to === 'line_manager') {
      const person = await requireUser(tx, rule.of);
      const manager = person.managerId ? await findUser(tx, person.managerId) : undefined;
      if (manager && manager.active && !excluded.has(manager.id)) return { assigneeId: manager.id, candidateRole: null, note: null };
      const next = await upTheLine(tx, manager?.managerId ?? null, excluded);
      const reason = !manager ? `${person.name} has no line manager` : !manager.active ? `${manager.name} is inactive` : why(manager);
      if (next) return { assigneeId: next.id, candidateRole: null, note: `Segregation of duties: ${reason}; rerouted up the management line to ${next.name}` };
      return { assigneeId: null, candidateRole: 'manager', note: `Segregation of duties: ${reason} and nobody up the line is eligible; offered to all managers` };
    }
    const holders = await findActiveUsersWithRole(tx, rule.role);
    const eligible = holders.filter((holder) => !excluded.has(holder.id));
    if (eligible.length === 1) return { assigneeId: eligible[0]!.id, candidateRole: null, note: null };
    if (eligible.length > 1) return { assigneeId: null, candidateRole: rule.role, note: null };
    const blocked = holders[0];
    const origin = await requireUser(tx, rule.lineFrom);
    const next = await upTheLine(tx, blocked?.managerId ?? origin.managerId, excluded);
    const reason = blocked ? why(blocked) : `nobody holds the role ${roleLabels[rule.role]}`;
    if (next) return { assigneeId: next.id, candidateRole: null, note: `Segregation of duties: ${reason}; the step goes up the management line to ${next.name}` };
    return { assigneeId: null, candidateRole: rule.role, note: `Segregation of duties: ${reason} and nobody up the line is eligible; admins were told` };
  }

  /** People to tell about a task: the assignee and, while they are out of office, their delegate; or the role pool. */
  async function recipientsOf(tx: Executor, task: Pick<TaskRow, 'assigneeId' | 'candidateRole'>, excludedIds: readonly string[] = []): Promise<UserRow[]> {
    const now = clock();
    let people: UserRow[] = [];
    if (task.assigneeId) {
      const assignee = await requireUser(tx, task.assigneeId);
      people.push(assignee);
      const away = assignee.delegateId && assignee.outOfOfficeFrom && assignee.outOfOfficeUntil && assignee.outOfOfficeFrom <= now && assignee.outOfOfficeUntil >= now;
      if (away) people.push(await requireUser(tx, assignee.delegateId!));
    } else if (task.candidateRole) {
      people = await findActiveUsersWithRole(tx, task.candidateRole as Role);
    }
    return people.filter((person) => person.active && !excludedIds.includes(person.id));
  }

  /** The decision a closed row holds (completed, not cancelled), for a run that never received it. */
  const recordedDecision = (task: TaskRow): RecordedDecision | null =>
    task.status === 'completed' && task.outcome && task.completedById
      ? { taskId: task.id, action: task.outcome, actorId: task.completedById, onBehalfOfId: task.onBehalfOfId, comment: task.comment, data: (task.data.decision as Record<string, unknown> | undefined) ?? null }
      : null;

  const mailTask = (task: TaskRow, dueAt: string | null = task.dueAt?.toISOString() ?? null): MailTask => ({
    title: task.title,
    kindLabel: taskKindDef(task.kind)?.label ?? task.kind,
    businessKey: task.businessKey,
    dueAt,
    url: `${publicUrl}/inbox?task=${task.id}`,
  });
  const to = (person: UserRow) => ({ userId: person.id, address: person.email, name: person.name });
  /** One signed, single-use link per action of the task, for this person, written in the transaction. */
  const actionLinksFor = async (tx: Executor, task: TaskRow, person: UserRow) => {
    const issued = await links.issue({ taskId: task.id, userId: person.id, actions: task.actions }, tx);
    return { actions: mailActions(task.kind, issued), linksExpireAt: issued[0]?.expiresAt ?? null };
  };


  async function closeIn(tx: Executor, processId: string, requestId: string, close: CloseSpec): Promise<void> {
    const closed = await closeTask(tx, { id: close.taskId, status: close.status, outcome: close.outcome, completedById: close.actorId, onBehalfOfId: close.onBehalfOfId, comment: close.comment, data: close.data ?? null, now: clock() });
    if (!closed) return;
    audit(tx, {
      ...auditContext(processId, requestId),
      at: clock(),
      actorId: close.actorId,
      onBehalfOfId: close.onBehalfOfId,
      action: close.status === 'completed' ? 'task.completed' : 'task.cancelled',
      subjectType: 'Task',
      subjectId: close.taskId,
      before: { status: 'open' },
      after: { status: close.status, outcome: close.outcome, comment: close.comment, ...(close.data ? { data: close.data } : {}) },
    });
    notify(tx, { type: 'closed', taskId: close.taskId, userIds: [closed.assigneeId, ...closed.watcherIds].filter((id): id is string => Boolean(id)), candidateRole: closed.candidateRole });
  }

  async function adminAlertIn(tx: Executor, params: { processId: string; key: string; subject: SubjectRef; task: TaskRow | undefined; reason: string; level?: number | null }): Promise<void> {
    const { mail: subjectMail } = await describe(tx, params.subject);
    const lastAssignee = params.task?.assigneeId ? await findUser(tx, params.task.assigneeId) : undefined;
    const admins = await findActiveUsersWithRole(tx, 'admin');
    let told = 0;
    for (const admin of admins) {
      const message: SendMailParams = {
        key: `${params.processId}:admin-alert:${params.key}:${admin.id}`,
        template: 'admin-alert',
        to: to(admin),
        processId: params.processId,
        data: { recipientName: admin.name, reason: params.reason, subject: subjectMail, task: params.task ? mailTask(params.task) : null, level: params.level ?? null, lastAssigneeName: lastAssignee?.name ?? null },
      };
      if (await mail.enqueue(tx, message)) told += 1;
    }
    // A retried activity finds the mails already queued and writes no second entry.
    if (told === 0 && admins.length > 0) return;
    audit(tx, { ...auditContext(params.processId, `${params.processId}:admin-alert:${params.key}`), at: clock(), actorId: null, action: 'process.admins_alerted', subjectType: params.subject.type, subjectId: params.subject.id, after: { reason: params.reason, admins: admins.length } });
  }

  async function openIn(tx: Executor, params: TransitionParams, spec: OpenTaskSpec): Promise<Opened> {
    const adapter = adapterFor(params.subject.type);
    const record = await describe(tx, params.subject);
    const assignment = await resolve(tx, spec.assign, spec.excludedIds, spec.exclusionNotes);
    const title = spec.title.replaceAll('{number}', record.number).replaceAll('{title}', record.title);
    const result = await openTask(tx, {
      id: spec.taskId,
      processId: params.processId,
      stepKey: spec.stepKey,
      kind: spec.kind,
      title,
      businessKey: record.number,
      subjectType: params.subject.type,
      subjectId: params.subject.id,
      assigneeId: assignment.assigneeId,
      candidateRole: assignment.candidateRole,
      dueAt: spec.dueAt ? new Date(spec.dueAt) : null,
      actions: spec.actions,
      excludedIds: spec.excludedIds,
      // The record's summary travels with the task, so the inbox and the link page show it without knowing the process.
      data: { ...spec.details, note: assignment.note, question: spec.question ?? null, subject: record.mail },
    });
    const task = result.task;
    const opened: Opened = { taskId: task.id, assigneeId: task.assigneeId, candidateRole: task.candidateRole as Role | null, note: (task.data.note as string | null | undefined) ?? null };
    if (!result.created) return opened;
    audit(tx, {
      ...auditContext(params.processId, `${params.processId}:${spec.stepKey}`),
      at: clock(),
      actorId: null,
      action: 'task.created',
      subjectType: 'Task',
      subjectId: task.id,
      after: { kind: spec.kind, title, assigneeId: task.assigneeId, candidateRole: task.candidateRole, dueAt: spec.dueAt, ...spec.details, note: assignment.note },
    });
    notify(tx, { type: 'created', taskId: task.id, userIds: task.assigneeId ? [task.assigneeId] : [], candidateRole: task.candidateRole });
    const segregated = taskKindDef(spec.kind)?.segregated ?? false;
    const assignee = task.assigneeId ? await requireUser(tx, task.assigneeId) : undefined;
    for (const person of await recipientsOf(tx, task, segregated ? spec.excludedIds : [])) {
      const key = `${params.processId}:${spec.stepKey}:assigned:${person.id}`;
      const { actions, linksExpireAt } = await actionLinksFor(tx, task, person);
      const message: SendMailParams = spec.question != null
        ? { key, template: 'questioned', to: to(person), processId: params.processId, data: { recipientName: person.name, subject: record.mail, task: mailTask(task), comment: spec.question, nextStep: adapter.nextStep?.('questioned') ?? null } }
        : { key, template: 'task-assigned', to: to(person), processId: params.processId, data: { recipientName: person.name, task: mailTask(task), subject: record.mail, actions, linksExpireAt, onBehalfOfName: assignee && person.id !== assignee.id ? assignee.name : null } };
      await mail.enqueue(tx, message);
    }
    if (!task.assigneeId && assignment.note) {
      await adminAlertIn(tx, { processId: params.processId, key: `${spec.stepKey}:unassigned`, subject: params.subject, task, reason: assignment.note });
    }
    return opened;
  }

  return {
    /** Who a step would go to now, under segregation of duties (for a process that must know before it opens the step). */
    async resolveAssignee(params: { rule: AssignmentRule; excludedIds: string[]; exclusionNotes?: Record<string, string> }): Promise<Omit<Opened, 'taskId'>> {
      return transaction((tx) => resolve(tx, params.rule, params.excludedIds, params.exclusionNotes));
    },

    /**
     * One transition of a process, in one transaction: close what was
     * decided (or cancel everything open), apply the record's change, open
     * the next step and queue every mail these cause; then send the mails.
     */
    async applyTaskTransition(params: TransitionParams): Promise<{ opened: Opened | null }> {
      const opened = await transaction(async (tx) => {
        for (const close of params.close ?? []) await closeIn(tx, params.processId, params.requestId, close);
        if (params.cancelOpen) {
          for (const task of await openTasksOfProcess(tx, params.processId)) {
            await closeIn(tx, params.processId, params.requestId, { taskId: task.id, status: 'cancelled', outcome: 'cancelled', actorId: params.cancelOpen.actorId, onBehalfOfId: null, comment: params.cancelOpen.reason });
          }
        }
        // A transition run again after Temporal lost the workflow task that ran it leaves the record as it is now.
        if (params.record && (await claimTransition(tx, { processId: params.processId, requestId: params.requestId, now: clock() }))) {
          await adapterFor(params.subject.type).applyChange(tx, params.subject.id, params.record, auditContext(params.processId, params.requestId), clock());
        }
        const result = params.open ? await openIn(tx, params, params.open) : null;
        if (params.notices?.length) {
          const adapter = adapterFor(params.subject.type);
          const { mail: subjectMail } = await describe(tx, params.subject);
          for (const notice of params.notices) {
            const person = await requireUser(tx, notice.toUserId);
            const actor = notice.actorId ? await findUser(tx, notice.actorId) : undefined;
            const message: SendMailParams = {
              key: notice.key,
              template: 'decision',
              to: to(person),
              processId: params.processId,
              data: { recipientName: person.name, decision: notice.decision, decisionLabel: notice.decisionLabel, comment: notice.comment, fromName: actor?.name ?? null, decidedAt: clock().toISOString(), subject: subjectMail, nextStep: adapter.nextStep?.(notice.decision) ?? null },
            };
            await mail.enqueue(tx, message);
          }
        }
        return result;
      });
      // Mails queued by this step (or by an earlier attempt of it) go out once it has committed.
      await mail.deliverPending(params.processId);
      return { opened };
    },

    /** A role-pool task taken by one person (the Update already checked they may). */
    async claimHumanTask(params: { processId: string; taskId: string; userId: string; requestId: string }): Promise<void> {
      await transaction(async (tx) => {
        const task = await findTask(tx, params.taskId);
        if (!task || task.assigneeId === params.userId) return;
        const assigned = await assignTask(tx, { id: params.taskId, assigneeId: params.userId, now: clock() });
        if (!assigned) return;
        audit(tx, { ...auditContext(params.processId, params.requestId), at: clock(), actorId: params.userId, action: 'task.claimed', subjectType: 'Task', subjectId: params.taskId, before: { assigneeId: null, candidateRole: task.candidateRole }, after: { assigneeId: params.userId } });
        notify(tx, { type: 'assigned', taskId: params.taskId, userIds: [params.userId], candidateRole: task.candidateRole });
      });
    },

    /**
     * Half the SLA has passed: the people on the task are reminded, with
     * their action links. A row already decided answers with that decision
     * instead (the run lost its record of it; see workflows/human-task.ts).
     */
    async remindHumanTask(params: { processId: string; taskId: string; subject: SubjectRef; escalationLevel: number; excludedIds: string[] }): Promise<{ decided: RecordedDecision | null }> {
      const decided = await transaction(async (tx) => {
        const task = await findTask(tx, params.taskId);
        if (!task || task.status !== 'open') return task ? recordedDecision(task) : null;
        const { mail: subjectMail } = await describe(tx, params.subject);
        for (const person of await recipientsOf(tx, task, params.excludedIds)) {
          const { actions, linksExpireAt } = await actionLinksFor(tx, task, person);
          const message: SendMailParams = { key: `${params.processId}:${task.id}:reminder:${params.escalationLevel}:${person.id}`, template: 'reminder', to: to(person), processId: params.processId, data: { recipientName: person.name, task: mailTask(task), subject: subjectMail, actions, linksExpireAt } };
          await mail.enqueue(tx, message);
        }
        if (task.remindedAt && task.escalationLevel === params.escalationLevel) return null;
        await markTaskReminded(tx, { id: task.id, now: clock() });
        audit(tx, { ...auditContext(params.processId, `${params.processId}:${task.id}:reminder:${params.escalationLevel}`), at: clock(), actorId: null, action: 'task.reminder_sent', subjectType: 'Task', subjectId: task.id, after: { dueAt: task.dueAt, escalationLevel: params.escalationLevel } });
        return null;
      });
      await mail.deliverPending(params.processId);
      return { decided };
    },

    /**
     * The SLA ran out: the step goes to the assignee's manager (for a pool
     * task, the manager of its first holder). The earlier assignee keeps read
     * access. Undefined when there is nobody up the line.
     */
    async escalateHumanTask(params: { processId: string; taskId: string; subject: SubjectRef; escalationLevel: number; dueAt: string; excludedIds: string[] }): Promise<{ assigneeId: string } | { decided: RecordedDecision } | undefined> {
      const result = await transaction(async (tx) => {
        const task = await findTask(tx, params.taskId);
        const decided = task && recordedDecision(task);
        if (decided) return { decided };
        if (!task || task.status !== 'open') return undefined;
        if (task.escalationLevel >= params.escalationLevel && task.assigneeId) return { assigneeId: task.assigneeId };
        const from = task.assigneeId ? await requireUser(tx, task.assigneeId) : (await findActiveUsersWithRole(tx, task.candidateRole as Role))[0];
        const target = await upTheLine(tx, from?.managerId ?? null, new Set(params.excludedIds));
        if (!target) return undefined;
        const escalated = await assignTask(tx, { id: task.id, assigneeId: target.id, escalationLevel: params.escalationLevel, dueAt: new Date(params.dueAt), now: clock() });
        if (!escalated) return undefined;
        const reason = 'The step was not decided within its SLA.';
        audit(tx, {
          ...auditContext(params.processId, `${params.processId}:${task.id}:escalation:${params.escalationLevel}`),
          at: clock(),
          actorId: null,
          action: 'task.escalated',
          subjectType: 'Task',
          subjectId: task.id,
          before: { assigneeId: task.assigneeId, candidateRole: task.candidateRole, escalationLevel: task.escalationLevel },
          after: { assigneeId: target.id, escalationLevel: params.escalationLevel, dueAt: params.dueAt, reason: `SLA exceeded${from ? ` by ${from.name}` : ''}` },
        });
        notify(tx, { type: 'assigned', taskId: task.id, userIds: [target.id, ...(task.assigneeId ? [task.assigneeId] : [])], candidateRole: null });
        const { mail: subjectMail } = await describe(tx, params.subject);
        for (const person of await recipientsOf(tx, escalated, params.excludedIds)) {
          const { actions, linksExpireAt } = await actionLinksFor(tx, escalated, person);
          const message: SendMailParams = {
            key: `${params.processId}:${task.id}:escalation:${params.escalationLevel}:${person.id}`,
            template: 'escalation',
            to: to(person),
            processId: params.processId,
            data: { recipientName: person.name, fromName: from?.name ?? 'the role pool', level: params.escalationLevel, reason, task: mailTask(escalated, params.dueAt), subject: subjectMail, actions, linksExpireAt },
          };
          await mail.enqueue(tx, message);
        }
        if (from && task.assigneeId) {
          const message: SendMailParams = {
            key: `${params.processId}:${task.id}:escalation:${params.escalationLevel}:previous:${from.id}`,
            template: 'escalation',
            to: to(from),
            processId: params.processId,
            data: { audience: 'previous_assignee', toName: target.name, recipientName: from.name, level: params.escalationLevel, reason, task: mailTask(escalated, params.dueAt), subject: subjectMail },
          };
          await mail.enqueue(tx, message);
        }
        return { assigneeId: target.id };
      });
      await mail.deliverPending(params.processId);
      return result;
    },

    /** Escalation exhausted or nobody up the line: every admin is told (once per process and reason). */
    async alertAdminsOfTask(params: { processId: string; key: string; subject: SubjectRef; taskId: string | null; reason: string; level?: number | null }): Promise<void> {
      await transaction(async (tx) => {
        const task = params.taskId ? await findTask(tx, params.taskId) : undefined;
        await adminAlertIn(tx, { ...params, task });
      });
      await mail.deliverPending(params.processId);
    },
  };
}

export type HumanTaskActivities = ReturnType<typeof createHumanTaskActivities>;
