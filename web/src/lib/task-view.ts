/**
 * What the inbox shows of a task, whatever its process: the record it is
 * about (as the process described it in `details.subject`), the step, and
 * how each action is offered. Everything about a kind comes from the shared
 * registry; nothing here names a process, except `amendHref`, which says so.
 */
import type { Task, TaskSubject } from '@p2p/domain';
import { actionDef, taskKindDef } from '@p2p/domain/task-registry';
import { kindsShowingWhatIsDecided } from './components/task-forms/details';
import { formatMoney } from './format';

export type SubjectFact = TaskSubject['facts'][number];

export interface TaskView {
  subject: TaskSubject;
  /** The record page as a path of this site (from `subject.url`); null when the task does not name one. */
  href: string | null;
  /** "Line manager step 1 of 2"; the kind's label for tasks that do not say. */
  stepLabel: string;
  /** Why the step went to whom it went (a segregation-of-duties reroute). */
  note: string | null;
  /** The question an answer step is about. */
  question: string | null;
}

/** Money with its currency when the fact names one: "1,234.50 EUR". */
export function formatAmount(fact: Pick<SubjectFact, 'amount' | 'currency'>): string {
  const money = formatMoney(fact.amount);
  return fact.currency ? `${money} ${fact.currency}` : money;
}

/** Who or what the record is about in a word: its first text fact ("Requested by: Rita Reyes"). */
export const aboutFact = (subject: TaskSubject): SubjectFact | undefined => subject.facts.find((fact) => fact.text);

/** The amount a list shows: the fact the process marked strong, else the first amount. */
export const amountFact = (subject: TaskSubject): SubjectFact | undefined =>
  subject.facts.find((fact) => fact.amount && fact.strong) ?? subject.facts.find((fact) => fact.amount);

/** The first date fact ("Needed by"), for the line under "About". */
export const dateFact = (subject: TaskSubject): SubjectFact | undefined => subject.facts.find((fact) => fact.date);

/** Who and how much in one line: "Rita Reyes · 376.38". */
export function factsLine(subject: TaskSubject): string {
  const about = aboutFact(subject);
  const amount = amountFact(subject);
  return [about?.text, amount ? formatAmount(amount) : null].filter(Boolean).join(' · ');
}

/** The record in one line, for dialog subtitles: "Calibration weights · Rita Reyes · 376.38". */
export const subjectLine = (subject: TaskSubject): string => [subject.title, factsLine(subject)].filter(Boolean).join(' · ');

/** The caller may decide the task here (not merely claim or watch it). */
export const canDecide = (task: Pick<Task, 'access' | 'status'>) => task.status === 'open' && (task.access === 'assignee' || task.access === 'delegate');

/**
 * A positive action that needs neither a reason nor form data is done with
 * one click (Approve); any other opens the decision dialog, so nothing
 * negative happens by a stray click.
 */
export function isOneClick(kind: string, action: string): boolean {
  const def = actionDef(kind, action);
  return def?.tone === 'positive' && def.comment !== 'required' && !def.form && !kindsShowingWhatIsDecided.includes(kind);
}

/** "Approve selected" takes the tasks whose approve is a one-click action. */
export const canBulkApprove = (task: Task) => canDecide(task) && task.actions.includes('approve') && isOneClick(task.kind, 'approve');

/**
 * The one process-specific link of the inbox: a requester answering a
 * question about a requisition may amend the requisition first (a changed
 * total restarts its approval). Keyed on the kind's record type, from the
 * registry.
 */
export function amendHref(task: Pick<Task, 'kind' | 'subjectId' | 'actions'>): string | null {
  return taskKindDef(task.kind)?.subjectType === 'Requisition' && task.actions.includes('answer') ? `/requisitions/${task.subjectId}/edit` : null;
}
