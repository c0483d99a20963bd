import type { TaskAction } from '@p2p/domain';

/**
 * The e-mails and the data each one needs. Each template is three files in
 * ./templates: `<name>.subject.hbs`, `<name>.html.hbs` (rendered inside
 * layout.html.hbs) and `<name>.text.hbs` (inside layout.text.hbs).
 *
 * Conventions: instants are ISO 8601 strings (rendered "Tue 24 Nov 2026,
 * 14:00 UTC"), amounts are decimal strings (rendered "€1,234.50"), URLs are
 * absolute (PUBLIC_URL based). Everything here is plain data, so it passes
 * through a Temporal activity call unchanged.
 */
export const mailTemplateNames = ['task-assigned', 'reminder', 'escalation', 'decision', 'questioned', 'admin-alert'] as const;

export interface MailTemplates {
  'task-assigned': TaskAssignedMail;
  reminder: ReminderMail;
  escalation: EscalationMail;
  decision: DecisionMail;
  questioned: QuestionedMail;
  'admin-alert': AdminAlertMail;
}
export type MailTemplate = keyof MailTemplates;

export interface MailTask {
  title: string;
  businessKey: string | null;
  /** ISO 8601; null when the step has no SLA. */
  dueAt: string | null;
  /** The task in the inbox. */
  url: string;
}

export interface MailRequisition {
  number: string;
  title: string;
  /** Decimal string, e.g. "1234.50". */
  total: string;
  /** ISO 4217; omitted renders the bare amount. */
  currency?: string | null;
  requesterName: string;
  /** The requisition page. */
  url?: string;
}

/** One button; `action` picks its colour (approve green, reject red, others neutral). Build with mailActions(). */
export interface MailAction {
  action?: string;
  label: string;
  url: string;
}

interface ToPerson {
  /** Greeting name of the recipient. */
  recipientName: string;
}

/** To the assignee (or their delegate): the step is waiting; one-click action links. */
export interface TaskAssignedMail extends ToPerson {
  task: MailTask;
  requisition: MailRequisition;
  actions: MailAction[];
  /** ISO 8601: when the action links stop working. */
  linksExpireAt?: string | null;
  /** Set when the recipient gets the task as a delegate: the absent assignee's name. */
  onBehalfOfName?: string | null;
}

/** To the assignee when half the SLA has passed. */
export interface ReminderMail extends ToPerson {
  task: MailTask;
  requisition: MailRequisition;
  actions: MailAction[];
  linksExpireAt?: string | null;
}

/**
 * A step moved up the chain. `new_assignee` (the default) tells the person
 * who now holds it (from whom, why, with action links); `previous_assignee`
 * tells the person it was taken from.
 */
export type EscalationMail = ToPerson & {
  task: MailTask;
  requisition: MailRequisition;
  /** Why, in words, e.g. "No decision within 2 business days". */
  reason: string;
  /** 1 for the first escalation of this step, 2 for the next... */
  level: number;
} & (
    | { audience?: 'new_assignee'; fromName: string; actions: MailAction[]; linksExpireAt?: string | null }
    | { audience: 'previous_assignee'; toName: string }
  );

/** To the requester: the chain finished or someone rejected. */
export interface DecisionMail extends ToPerson {
  requisition: MailRequisition & { url: string };
  decision: 'approved' | 'rejected';
  /** Who decided; null when nobody in particular did (e.g. an automatic outcome). */
  fromName: string | null;
  /** ISO 8601. */
  decidedAt?: string | null;
  comment: string | null;
}

/** To the requester: an approver asked a question; answer or amend. */
export interface QuestionedMail extends ToPerson {
  requisition: MailRequisition;
  /** The requester's answer task: its url is where to answer or amend, its dueAt when. */
  task: MailTask;
  /** The question. */
  comment: string;
  /** Who asked. */
  fromName?: string | null;
}

/** To each admin: escalation has no level left (or nobody may take the step); somebody must step in. */
export interface AdminAlertMail extends ToPerson {
  /** The stuck step; null when no task could be created (nobody eligible). */
  task: MailTask | null;
  requisition: MailRequisition;
  reason: string;
  /** The escalation level reached, when escalation is what ran out. */
  level?: number | null;
  lastAssigneeName?: string | null;
}

export const actionLabels: Record<TaskAction, string> = {
  approve: 'Approve',
  reject: 'Reject',
  question: 'Ask a question',
  answer: 'Answer',
  withdraw: 'Withdraw',
};

/** Issued links ({ action, url }) to buttons. */
export function mailActions(links: readonly { action: string; url: string }[]): MailAction[] {
  return links.map(({ action, url }) => ({
    action,
    url,
    label: (actionLabels as Record<string, string | undefined>)[action] ?? action,
  }));
}
