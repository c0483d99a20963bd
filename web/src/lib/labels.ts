/**
 * What people read for the domain's codes. Types only from the domain: its
 * value modules carry zod, which the browser bundle does without; a code
 * missing here is a type error, so the lists cannot drift.
 */
import type { ApprovalLevel, Purpose, RequisitionStatus, Task, TaskAction, TaskKind } from '@p2p/domain';

export type Tone = 'neutral' | 'accent' | 'success' | 'danger' | 'warning';

/** How a status reads and its badge tone (app.css has a class per tone). */
export type StatusView = { label: string; tone: Tone };

export const requisitionStatusLabels: Record<RequisitionStatus, StatusView> = {
  draft: { label: 'Draft', tone: 'neutral' },
  submitted: { label: 'Submitted', tone: 'accent' },
  under_review: { label: 'Under review', tone: 'accent' },
  questioned: { label: 'Questioned', tone: 'warning' },
  approved: { label: 'Approved', tone: 'success' },
  rejected: { label: 'Rejected', tone: 'danger' },
  withdrawn: { label: 'Withdrawn', tone: 'neutral' },
  ordered: { label: 'Ordered', tone: 'success' },
  closed: { label: 'Closed', tone: 'neutral' }
};

/** Suppliers, users and tokens have no status code of their own: the web names what their flags say. */
export const supplierStatusLabels: Record<'active' | 'inactive', StatusView> = {
  active: { label: 'Active', tone: 'success' },
  inactive: { label: 'Inactive', tone: 'neutral' }
};

export const userStatusLabels: Record<'active' | 'away' | 'deactivated', StatusView> = {
  active: { label: 'Active', tone: 'success' },
  away: { label: 'Away', tone: 'accent' },
  deactivated: { label: 'Deactivated', tone: 'neutral' }
};

/** A live token shows its Revoke button instead of a badge. */
export const tokenStatusLabels: Record<'revoked', StatusView> = {
  revoked: { label: 'Revoked', tone: 'neutral' }
};

export const purposeLabels: Record<Purpose, string> = {
  daily_operations: 'Daily operations',
  project: 'Project'
};

export const approvalLevelLabels: Record<ApprovalLevel, string> = {
  line_manager: 'Line manager',
  procurement_manager: 'Procurement manager',
  finance_director: 'Finance director'
};

export const taskKindLabels: Record<TaskKind, string> = {
  requisition_approval: 'Requisition approval',
  requisition_answer: 'Answer a question'
};

/** Button labels, and the past tense for outcomes. */
export const taskActionLabels: Record<TaskAction, { verb: string; done: string }> = {
  approve: { verb: 'Approve', done: 'Approved' },
  reject: { verb: 'Reject', done: 'Rejected' },
  question: { verb: 'Ask a question', done: 'Asked a question' },
  answer: { verb: 'Answer', done: 'Answered' },
  withdraw: { verb: 'Withdraw', done: 'Withdrawn' }
};

export const slaLabels: Record<Task['slaState'], StatusView> = {
  on_track: { label: 'On track', tone: 'neutral' },
  due_soon: { label: 'Due soon', tone: 'warning' },
  overdue: { label: 'Overdue', tone: 'danger' }
};

export function approvalLevelLabel(level: string): string {
  return approvalLevelLabels[level as ApprovalLevel] ?? level.replaceAll('_', ' ');
}

export function actionLabel(action: string): { verb: string; done: string } {
  return taskActionLabels[action as TaskAction] ?? { verb: action, done: action };
}
