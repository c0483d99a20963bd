import {
  ApplicationFailure,
  condition,
  defineQuery,
  defineUpdate,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
// Zod-free modules only: the bundle is evaluated for every run.
import { MAX_ESCALATION_LEVELS, slaDeadline, type SlaDuration } from '@p2p/domain/approval-rules';
import { actionDef, actionsOfKind, taskKindDef, type TaskAction, type TaskKind } from '@p2p/domain/task-registry';
import type { Role } from '@p2p/domain/roles';
import type { AssignmentRule, CloseSpec, Notice, RecordChange, RecordedDecision, SubjectRef } from '../activities/human-tasks.ts';
import type { Activities } from '../activities/index.ts';

/**
 * A person's step, for any process: open the task (its id minted here),
 * wait for a decision Update whose validator refuses a wrong person, state
 * or repeated decision before anything is written, remind at half the SLA,
 * escalate up the management line when it runs out (at most three levels,
 * then the admins), honour claim-by-role and delegation, and hand the
 * decision back. A process declares its kinds in the domain registry and
 * its segregation-of-duties rule per step; it reads as its business steps.
 *
 * Effects are batched: a decided task is closed in the same activity (one
 * database transaction) as whatever the process does next (open the next
 * step, change the record, tell the requester).
 */

export interface DecisionArgs {
  taskId: string;
  action: TaskAction;
  /** Who acted. */
  actorId: string;
  /** The assignee the actor stands in for (delegation), else null. */
  onBehalfOfId: string | null;
  comment?: string | null;
  /** Form data, already checked by the API against the kind's schema. */
  data?: Record<string, unknown> | null;
}

export interface ClaimArgs {
  taskId: string;
  actorId: string;
}

/** What every Update and the status query answer: the process's state after the change. */
export interface ProcessAnswer {
  status: string;
  /** The steps this run waits on: the API compares them with the task rows to find a decision the run never received. */
  openTaskIds?: string[];
}

export const decide = defineUpdate<ProcessAnswer, [DecisionArgs]>('decide');
export const claimTask = defineUpdate<ProcessAnswer, [ClaimArgs]>('claimTask');
export const processStatus = defineQuery<ProcessAnswer>('processStatus');

/** Failure types the API maps to HTTP statuses (api/services/process-errors.ts). */
export const taskFailures = {
  notOpen: 'TaskNotOpen',
  notAllowed: 'NotAllowed',
  segregation: 'SegregationOfDuties',
  invalid: 'InvalidDecision',
} as const;

/** People who may not act on a step, and the rule that says so ("nobody approves their own requisition"). */
export interface Exclusion {
  ids: readonly string[];
  reason: string;
  /** How a reroute note names such a person: "is the requester" ("Rita Reyes is the requester"). */
  as: string;
}

export interface StepSpec {
  kind: TaskKind;
  /** Unique within the process: the task row is created once per step key. */
  stepKey: string;
  /** `{number}` and `{title}` are filled from the record. */
  title: string;
  assign: AssignmentRule;
  /** The process's segregation-of-duties rule for this step. */
  exclude?: readonly Exclusion[];
  /** null: no SLA (no reminder, no escalation). */
  sla: SlaDuration | null;
  details?: Record<string, unknown>;
  /** For an answer step: the question to mail. */
  question?: string | null;
  /** The record's change that goes with opening the step, in the same transaction. */
  record?: RecordChange;
  /** Stops waiting when true (a withdrawal): `ask` then answers undefined and the task stays open. */
  until?: () => boolean;
}

export interface Decision extends DecisionArgs {
  kind: TaskKind;
  /** The Update's id: task id + action. */
  key: string;
  /** Who held the task when it was decided. */
  assigneeId: string | null;
  candidateRole: Role | null;
}

interface OpenStep {
  id: string;
  kind: TaskKind;
  stepKey: string;
  /** False until its row exists and the assignee is known. */
  ready: boolean;
  assigneeId: string | null;
  candidateRole: Role | null;
  exclude: readonly Exclusion[];
  dueAt: string | null;
  startedAt: string;
  escalationLevel: number;
  decision: Decision | null;
}

const activityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
} as const;
/** A claim is rare and changes who holds a step: it stays a regular activity, recorded before it writes. */
const remote = proxyActivities<Activities>(activityOptions);
/**
 * Short database writes run as local activities: in the worker that runs the
 * workflow, recorded as a marker, without a task-queue round trip.
 */
const local = proxyLocalActivities<Activities>({ ...activityOptions, localRetryThreshold: '10 seconds' });

/** Inside the workflow sandbox `Date` is the engine's replay-safe clock. */
const workflowNow = () => new Date();

const fail = (type: string, message: string): never => {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
};

export interface HumanTasks {
  /** The workflow id: the process's key in tasks, mails and the audit log. */
  processId: string;
  /** Opens a step, waits for its decision (reminding and escalating meanwhile), and returns it; undefined when `until` stopped the wait. */
  ask(step: StepSpec): Promise<Decision | undefined>;
  /** Ends a stretch of the process: closes what was decided, applies the record's change, cancels what is open, tells people. */
  settle(params: { record?: RecordChange; notices?: Notice[]; cancelOpen?: { reason: string; actorId: string | null }; requestId?: string }): Promise<void>;
  /** The activities a process uses for its own effects (local, like the helper's own). */
  activities(): Activities;
  /** Marks a request (a process Update of its own, e.g. withdraw) as answered by the next settle. */
  answerAfterSettle(key: string): void;
  isAnswered(key: string): boolean;
}

/**
 * Registers the task Updates and the status query on the current workflow
 * and returns the step API. Call once, at the start of the workflow.
 */
export function humanTasks(options: { subject: SubjectRef; status: () => string }): HumanTasks {
  const processId = workflowInfo().workflowId;
  const open = new Map<string, OpenStep>();
  const answered = new Set<string>();
  /** Decided tasks whose close goes with the next transition, and the Updates that then get their answer. */
  let closes: CloseSpec[] = [];
  let toAnswer: string[] = [];
  /** Settles so far: names a settle that closes nothing. */
  let settles = 0;

  const answer = (): ProcessAnswer => ({ status: options.status() });
  setHandler(processStatus, () => ({ ...answer(), openTaskIds: [...open.values()].filter((step) => step.ready && !step.decision).map((step) => step.id) }));

  const refuseUnlessAllowed = (step: OpenStep, people: readonly string[]) => {
    if (!taskKindDef(step.kind)?.segregated) return;
    for (const rule of step.exclude) if (people.some((id) => rule.ids.includes(id))) fail(taskFailures.segregation, rule.reason);
  };

  setHandler(
    decide,
    async (args) => {
      const step = open.get(args.taskId)!;
      const key = `${args.taskId}:${args.action}`;
      step.decision = { ...args, kind: step.kind, key, assigneeId: step.assigneeId, candidateRole: step.candidateRole };
      await condition(() => answered.has(key));
      return answer();
    },
    {
      validator: (args: DecisionArgs) => {
        const step = open.get(args.taskId);
        if (!step || !step.ready || step.decision) fail(taskFailures.notOpen, 'this task is no longer open');
        const action = actionDef(step!.kind, args.action);
        if (!action) fail(taskFailures.invalid, `"${args.action}" is not an action of this task (${actionsOfKind(step!.kind).join(', ')})`);
        if (action!.comment === 'required' && !args.comment?.trim()) fail(taskFailures.invalid, `a comment is required to ${args.action}`);
        if (action!.form && !args.data) fail(taskFailures.invalid, `data is required to ${args.action}`);
        const onBehalfOf = args.onBehalfOfId ?? args.actorId;
        if (!step!.assigneeId) fail(taskFailures.notAllowed, 'claim this task before acting on it');
        if (step!.assigneeId !== onBehalfOf) fail(taskFailures.notAllowed, 'only the assignee or their delegate may act on this task');
        refuseUnlessAllowed(step!, [args.actorId, onBehalfOf]);
      },
    },
  );

  setHandler(
    claimTask,
    async ({ taskId, actorId }) => {
      await remote.claimHumanTask({ processId, taskId, userId: actorId, requestId: `${taskId}:claim` });
      const step = open.get(taskId);
      if (step && !step.assigneeId) step.assigneeId = actorId;
      return answer();
    },
    {
      validator: ({ taskId, actorId }: ClaimArgs) => {
        const step = open.get(taskId);
        if (!step || !step.ready || step.decision) fail(taskFailures.notOpen, 'this task is no longer open');
        if (step!.assigneeId) fail(taskFailures.notOpen, step!.assigneeId === actorId ? 'you already hold this task' : 'somebody else claimed this task');
        refuseUnlessAllowed(step!, [actorId]);
      },
    },
  );

  /**
   * Every transition runs as a local activity, the first effect of a
   * decision included: it runs inside the workflow task that accepted the
   * Update, so the database can say "decided" a moment before Temporal has
   * recorded that task. Should Temporal lose it (a server crash in that
   * moment), nothing is lost: the task row keeps the whole decision (who, on
   * whose behalf, action, comment, data), and the process adopts it from the
   * row when it next looks (its reminder or escalation timer, below), or the
   * API sends it again when someone acts on a step the process has not
   * reached (api/services/tasks.ts), or the person retries.
   */
  function activities(): Activities {
    return local;
  }

  /** A decision the task row holds but this run never received (see `activities`): taken as if the Update had come. */
  function adopt(step: OpenStep, recorded: RecordedDecision | null | undefined): boolean {
    if (!recorded || step.decision) return false;
    step.decision = { ...recorded, kind: step.kind, key: `${step.id}:${recorded.action}`, assigneeId: step.assigneeId, candidateRole: step.candidateRole };
    return true;
  }

  const excludedIds = (step: Pick<OpenStep, 'exclude'>) => [...new Set(step.exclude.flatMap((rule) => rule.ids))];
  /** id -> how the first rule that excludes them names it. */
  const exclusionNotes = (step: Pick<OpenStep, 'exclude'>): Record<string, string> => {
    const notes: Record<string, string> = {};
    for (const rule of step.exclude) for (const id of rule.ids) notes[id] ??= rule.as;
    return notes;
  };

  /** Waits for a decision; meanwhile reminds at half the SLA and escalates when it runs out, up to three levels. */
  async function awaitDecision(step: OpenStep, sla: SlaDuration | null, until: () => boolean): Promise<void> {
    const done = () => step.decision !== null || until();
    let reminded = false;
    for (;;) {
      if (!step.dueAt || !sla) return void (await condition(done));
      const started = Date.parse(step.startedAt);
      const due = Date.parse(step.dueAt);
      if (!reminded) {
        const remindIn = Math.max(1, Math.floor((due - started) / 2) - (workflowNow().getTime() - started));
        if (await condition(done, remindIn, { summary: `reminder for ${step.id}` })) return;
        const reminder = await local.remindHumanTask({ processId, taskId: step.id, subject: options.subject, escalationLevel: step.escalationLevel, excludedIds: excludedIds(step) });
        if (adopt(step, reminder?.decided)) return;
        reminded = true;
      }
      if (await condition(done, Math.max(1, due - workflowNow().getTime()), { summary: `SLA of ${step.id}` })) return;
      if (step.escalationLevel < MAX_ESCALATION_LEVELS) {
        const level = step.escalationLevel + 1;
        const now = workflowNow();
        const nextDue = slaDeadline(now, sla).toISOString();
        const escalated = await local.escalateHumanTask({ processId, taskId: step.id, subject: options.subject, escalationLevel: level, dueAt: nextDue, excludedIds: excludedIds(step) });
        if (escalated && 'decided' in escalated) {
          if (adopt(step, escalated.decided)) return;
        } else if (escalated) {
          Object.assign(step, { assigneeId: escalated.assigneeId, candidateRole: null, escalationLevel: level, dueAt: nextDue, startedAt: now.toISOString() });
          reminded = false;
          continue;
        }
      }
      const exhausted = step.escalationLevel >= MAX_ESCALATION_LEVELS;
      await local.alertAdminsOfTask({
        processId,
        key: `${step.id}:sla`,
        subject: options.subject,
        taskId: step.id,
        reason: exhausted ? `The step was escalated ${MAX_ESCALATION_LEVELS} times and is still undecided.` : 'The SLA ran out and there is nobody up the management line to escalate to.',
        level: exhausted ? step.escalationLevel : null,
      });
      return void (await condition(done));
    }
  }

  /** One activity, one transaction: what was decided is closed together with what comes next. */
  async function transition(params: { requestId: string; record?: RecordChange; notices?: Notice[]; cancelOpen?: { reason: string; actorId: string | null }; open?: Parameters<Activities['applyTaskTransition']>[0]['open'] }) {
    const result = await activities().applyTaskTransition({ processId, subject: options.subject, close: closes, ...params });
    closes = [];
    for (const key of toAnswer) answered.add(key);
    toAnswer = [];
    return result;
  }

  return {
    processId,

    async ask(spec) {
      const def = taskKindDef(spec.kind);
      if (!def) throw ApplicationFailure.nonRetryable(`task kind ${spec.kind} is not registered`, 'TaskKindUnknown');
      const startedAt = workflowNow();
      const dueAt = spec.sla ? slaDeadline(startedAt, spec.sla).toISOString() : null;
      const step: OpenStep = { id: uuid4(), kind: spec.kind, stepKey: spec.stepKey, ready: false, assigneeId: null, candidateRole: null, exclude: spec.exclude ?? [], dueAt, startedAt: startedAt.toISOString(), escalationLevel: 0, decision: null };
      open.set(step.id, step);
      const { opened } = await transition({
        requestId: closes.length ? closes.map((close) => `${close.taskId}:${close.outcome}`).join(',') : `${processId}:${spec.stepKey}`,
        record: spec.record,
        open: { taskId: step.id, kind: spec.kind, stepKey: spec.stepKey, title: spec.title, assign: spec.assign, excludedIds: def.segregated ? excludedIds(step) : [], exclusionNotes: def.segregated ? exclusionNotes(step) : {}, dueAt, actions: actionsOfKind(spec.kind), details: spec.details ?? {}, question: spec.question ?? null },
      });
      if (opened!.taskId !== step.id) {
        // The step's row already existed under another id (written by a run whose workflow task Temporal lost): it is the task.
        open.delete(step.id);
        step.id = opened!.taskId;
        open.set(step.id, step);
      }
      Object.assign(step, { ready: true, assigneeId: opened!.assigneeId, candidateRole: opened!.candidateRole });
      await awaitDecision(step, spec.sla, spec.until ?? (() => false));
      const decision = step.decision;
      if (!decision) return undefined;
      open.delete(step.id);
      closes.push({ taskId: step.id, status: 'completed', outcome: decision.action, actorId: decision.actorId, onBehalfOfId: decision.onBehalfOfId, comment: decision.comment ?? null, data: decision.data ?? null });
      toAnswer.push(decision.key);
      return decision;
    },

    async settle(params) {
      if (params.cancelOpen) open.clear();
      // A settle with nothing decided is named by its place in the run, so each one's record change is applied once.
      const unnamed = `${processId}:settle${++settles > 1 ? `-${settles}` : ''}`;
      await transition({ requestId: params.requestId ?? (closes.map((close) => `${close.taskId}:${close.outcome}`).join(',') || unnamed), record: params.record, notices: params.notices, cancelOpen: params.cancelOpen });
    },

    activities,

    answerAfterSettle(key) {
      toAnswer.push(key);
    },

    isAnswered(key) {
      return answered.has(key);
    },
  };
}
