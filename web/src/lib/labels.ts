/**
 * What people read for the domain's codes. Types only from the domain's
 * zod modules (the browser bundle does without zod); task kinds and actions
 * from the zod-free registry, so the inbox never restates them.
 */
import type { ApprovalLevel, Purpose, RequisitionStatus, RetentionAction, RetentionItemStatus, Task } from '@p2p/domain';
import { holdReasonLabels, invoiceStatusLabels as invoiceStatusWords, type HoldReason, type InvoiceKind, type InvoiceStatus } from '@p2p/domain/invoices';
import { purchaseOrderStatusLabels as purchaseOrderStatusWords, type PurchaseOrderAcknowledgement, type PurchaseOrderStatus } from '@p2p/domain/purchase-orders';
import { erasureRequestStatusLabels as erasureRequestStatusWords, type ErasureRequestStatus } from '@p2p/domain/personal-data';
import { actionDef, registeredTaskKinds, taskKindDef } from '@p2p/domain/task-registry';

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

/** The words are the domain's (the PDF and the mails use them too); the web adds the tone. */
const purchaseOrderTones: Record<PurchaseOrderStatus, Tone> = {
  draft: 'neutral',
  pending_approval: 'warning',
  issued: 'accent',
  partially_received: 'warning',
  received: 'success',
  closed: 'neutral',
  cancelled: 'danger'
};
export const purchaseOrderStatusLabels = Object.fromEntries(
  Object.entries(purchaseOrderStatusWords).map(([status, label]) => [status, { label, tone: purchaseOrderTones[status as PurchaseOrderStatus] }])
) as Record<PurchaseOrderStatus, StatusView>;

/** An invoice's words are the domain's, like an order's; the web adds the tone. */
const invoiceTones: Record<InvoiceStatus, Tone> = {
  matching: 'neutral',
  on_hold: 'warning',
  approved: 'accent',
  rejected: 'danger',
  paid: 'success'
};
export const invoiceStatusLabels = Object.fromEntries(
  Object.entries(invoiceStatusWords).map(([status, label]) => [status, { label, tone: invoiceTones[status as InvoiceStatus] }])
) as Record<InvoiceStatus, StatusView>;

export const invoiceKindLabels: Record<InvoiceKind, string> = {
  invoice: 'Invoice',
  credit_note: 'Credit note'
};

/** A hold reason in words; a reason the web does not know yet reads as its code. */
export function holdReasonLabel(reason: string): string {
  return holdReasonLabels[reason as HoldReason] ?? reason.replaceAll('_', ' ');
}

/** How a hold ended (`holdSchema.release`). */
export const holdReleaseLabels: Record<string, StatusView> = {
  matched: { label: 'Cleared by the match', tone: 'success' },
  accepted: { label: 'Variance accepted', tone: 'accent' },
  rejected: { label: 'Invoice rejected', tone: 'danger' }
};

/** Where the supplier stands on an issued order. */
export const acknowledgementLabels: Record<PurchaseOrderAcknowledgement, StatusView> = {
  awaiting: { label: 'Awaiting confirmation', tone: 'neutral' },
  confirmed: { label: 'Confirmed', tone: 'success' },
  date_proposed: { label: 'New date proposed', tone: 'warning' },
  date_accepted: { label: 'New date accepted', tone: 'success' },
  date_rejected: { label: 'Our date kept', tone: 'neutral' }
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

/** Kind labels come from the task-kind registry, like everything else about a kind. */
export function taskKindLabel(kind: string): string {
  return taskKindDef(kind)?.label ?? kind.replaceAll('_', ' ');
}

/** Every registered kind, for the inbox filter. */
export const taskKindOptions = registeredTaskKinds().map((def) => ({ kind: def.kind, label: def.label }));

export const slaLabels: Record<Task['slaState'], StatusView> = {
  on_track: { label: 'On track', tone: 'neutral' },
  due_soon: { label: 'Due soon', tone: 'warning' },
  overdue: { label: 'Overdue', tone: 'danger' }
};

export function approvalLevelLabel(level: string): string {
  return approvalLevelLabels[level as ApprovalLevel] ?? level.replaceAll('_', ' ');
}

/** Button label and past tense of an action, from the registry (of its kind when given, else the first kind that has it). */
export function actionLabel(action: string, kind?: string): { verb: string; done: string } {
  const def = kind ? actionDef(kind, action) : registeredTaskKinds().flatMap((k) => k.actions).find((a) => a.name === action);
  return def ? { verb: def.label, done: def.done } : { verb: action.replaceAll('_', ' '), done: action.replaceAll('_', ' ') };
}

/** A process's status in words: the requisition's labels where they apply, else the code made readable. */
export function processStatusLabel(status: string): string {
  return (
    requisitionStatusLabels[status as RequisitionStatus]?.label ??
    purchaseOrderStatusLabels[status as PurchaseOrderStatus]?.label ??
    invoiceStatusLabels[status as InvoiceStatus]?.label ??
    status.replaceAll('_', ' ')
  );
}

/** A legal hold is in force until it is released. */
export const legalHoldStatusLabels: Record<'active' | 'released', StatusView> = {
  active: { label: 'In force', tone: 'warning' },
  released: { label: 'Released', tone: 'neutral' }
};

/** Where a record of a retention review stands (`retentionItemStatuses`). */
export const retentionItemStatusLabels: Record<RetentionItemStatus, StatusView> = {
  pending: { label: 'Waiting for a decision', tone: 'neutral' },
  awaiting_confirmation: { label: 'Awaiting confirmation', tone: 'warning' },
  disposed: { label: 'Disposed', tone: 'danger' },
  extended: { label: 'Extended', tone: 'accent' },
  held: { label: 'On legal hold', tone: 'warning' },
  kept: { label: 'Kept', tone: 'neutral' },
  skipped: { label: 'Skipped', tone: 'neutral' }
};

export const retentionReviewStatusLabels: Record<'running' | 'completed', StatusView> = {
  running: { label: 'Running', tone: 'accent' },
  completed: { label: 'Completed', tone: 'success' }
};

/** What a records manager decided on a record, in words (the domain's labels live in a zod module the browser does without). */
export const retentionDecisionLabels: Record<RetentionAction, string> = {
  dispose: 'Dispose',
  extend: 'Extend',
  legal_hold: 'Legal hold'
};

/** Erasure requests (GDPR Art. 17): the words are the domain's, the web adds the tone. */
export const erasureRequestStatusLabels: Record<ErasureRequestStatus, StatusView> = {
  pending_approval: { label: erasureRequestStatusWords.pending_approval, tone: 'warning' },
  approved: { label: erasureRequestStatusWords.approved, tone: 'accent' },
  rejected: { label: erasureRequestStatusWords.rejected, tone: 'neutral' },
  erased: { label: erasureRequestStatusWords.erased, tone: 'success' },
  not_erased: { label: erasureRequestStatusWords.not_erased, tone: 'danger' }
};
