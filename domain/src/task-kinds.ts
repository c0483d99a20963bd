/**
 * The task-kind registry: every kind of person's step, whichever process owns
 * it. The API completes and claims any task through it, the inbox and the
 * mails take their labels, actions and comment rules from it, and the
 * workflow helper (workflows/human-task.ts) checks decisions against it.
 * Zod-free on purpose: workflow bundles import it, and the bundle is
 * evaluated for every run. Form schemas (zod) live in task-forms.ts.
 *
 * A process adds its kinds with `defineTaskKinds` in a module of its own
 * (see requisition-task-kinds.ts) imported by task-registry.ts; nothing else
 * switches on a kind or a process name.
 */

export const taskStatuses = ['open', 'completed', 'cancelled'] as const;
export type TaskStatus = (typeof taskStatuses)[number];

/** A kind's name, e.g. `requisition_approval`; the registry knows which exist. */
export type TaskKind = string;
/** An action's name, e.g. `approve`; each kind lists its own. */
export type TaskAction = string;

/** Kind and action names: lower snake case, short, safe in URLs, ids and SQL. */
export const taskNamePattern = /^[a-z][a-z0-9_]{0,47}$/;

export interface TaskActionDef {
  name: TaskAction;
  /** Button label: "Approve", "Ask a question". */
  label: string;
  /** Past tense for outcomes: "Approved". */
  done: string;
  /** `required`: the person must say why (reject, question); the confirm page of a mail link asks for it. */
  comment: 'required' | 'optional';
  /** The action carries form data validated by the schema registered for it in task-forms.ts. */
  form?: boolean;
  /** Button colour in the inbox and the mails. */
  tone?: 'positive' | 'negative' | 'neutral';
}

export interface TaskKindDef {
  kind: TaskKind;
  /** Temporal workflow type of the owning process (for the history, the docs and the registry checks). */
  processType: string;
  /** What the inbox calls it: "Requisition approval". */
  label: string;
  /** Record type the task is about (`Requisition`), as in CASL subjects and the audit log. */
  subjectType: string;
  actions: readonly TaskActionDef[];
  /** Key of the policy setting that gives this kind's SLA; null: no SLA, no reminders, no escalation. */
  slaPolicy: string | null;
  /** Segregation of duties applies: the helper refuses excluded people, and escalation skips them. */
  segregated: boolean;
}

const kinds = new Map<TaskKind, TaskKindDef>();

/** Registers kinds; defining one name twice with a different owner is a programming error. */
export function defineTaskKinds<const T extends readonly TaskKindDef[]>(defs: T): T {
  for (const def of defs) {
    if (!taskNamePattern.test(def.kind)) throw new Error(`task kind name "${def.kind}" is not lower snake case`);
    for (const action of def.actions) if (!taskNamePattern.test(action.name)) throw new Error(`action name "${action.name}" of ${def.kind} is not lower snake case`);
    const existing = kinds.get(def.kind);
    if (existing && existing.processType !== def.processType) throw new Error(`task kind ${def.kind} is already owned by ${existing.processType}`);
    kinds.set(def.kind, def);
  }
  return defs;
}

export function taskKindDef(kind: TaskKind): TaskKindDef | undefined {
  return kinds.get(kind);
}

export function registeredTaskKinds(): TaskKindDef[] {
  return [...kinds.values()];
}

export function actionDef(kind: TaskKind, action: TaskAction): TaskActionDef | undefined {
  return kinds.get(kind)?.actions.find((candidate) => candidate.name === action);
}

export function actionsOfKind(kind: TaskKind): TaskAction[] {
  return kinds.get(kind)?.actions.map((action) => action.name) ?? [];
}

export function commentRequiredFor(kind: TaskKind, action: TaskAction): boolean {
  return actionDef(kind, action)?.comment === 'required';
}

/** Reusable action definitions, so "approve" reads the same on every kind. */
export const commonActions = {
  approve: { name: 'approve', label: 'Approve', done: 'Approved', comment: 'optional', tone: 'positive' },
  reject: { name: 'reject', label: 'Reject', done: 'Rejected', comment: 'required', tone: 'negative' },
  question: { name: 'question', label: 'Ask a question', done: 'Asked a question', comment: 'required', tone: 'neutral' },
} as const satisfies Record<string, TaskActionDef>;
