import { subject } from '@casl/ability';
import type { TimelineItem } from '@p2p/domain';
import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { asc, eq, or, and } from 'drizzle-orm';
import { verifyAuditChain } from '../../db/queries/audit.ts';
import { searchProcesses, type SearchProcessesParams } from '../../db/queries/processes.ts';
import { findInvoice, listInvoices } from '../../db/queries/invoicing.ts';
import { findPurchaseOrder, requisitionsOfOrder } from '../../db/queries/purchasing.ts';
import { findRequisition } from '../../db/queries/requisitions.ts';
import { findUsersByIds } from '../../db/queries/users.ts';
import { auditLog, purchaseOrders, requisitions, type AuditRow } from '../../db/schema/index.ts';
import type { RequestActor } from '../context.ts';
import type { ApiDeps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { accessWhere } from './access.ts';

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

/** Activity names in an auditor's words. */
const activityWords: Record<string, string> = {
  recordChain: 'Approval chain planned',
  resolveApprover: 'Approver chosen',
  openStepTask: 'Task opened and assignee e-mailed',
  closeStepTask: 'Task closed',
  claimStepTask: 'Task claimed',
  cancelOpenTasks: 'Open tasks cancelled',
  setRequisitionStatus: 'Requisition status recorded',
  readRequisitionTotal: 'Amended total read',
  sendReminder: 'Reminder e-mailed',
  escalateTask: 'Step escalated',
  alertAdmins: 'Admins alerted',
  notifyDecision: 'Decision e-mailed to the requester',
  applyTaskTransition: 'Step recorded (tasks, status, e-mails)',
  claimHumanTask: 'Task claimed',
  remindHumanTask: 'Reminder e-mailed',
  escalateHumanTask: 'Step escalated',
  alertAdminsOfTask: 'Admins alerted',
  planPurchaseOrders: 'Approved lines planned into purchase orders',
  readPurchaseOrder: 'Purchase order read',
  recordReceipt: 'Goods receipt recorded',
  recordReturn: 'Return to vendor recorded',
  checkChangeOrder: 'Change order checked',
  recordSupplierResponse: 'Supplier answer recorded',
  remindAcknowledgement: 'Buyer reminded of a missing acknowledgement',
};

/** Audit actions in an auditor's words. */
const auditWords: Record<string, string> = {
  'requisition.created': 'Requisition created',
  'requisition.updated': 'Requisition edited',
  'requisition.amended': 'Requisition amended while questioned',
  'requisition.submitted': 'Requisition submitted',
  'requisition.under_review': 'Under review',
  'requisition.questioned': 'Question asked',
  'requisition.approved': 'Requisition approved',
  'requisition.rejected': 'Requisition rejected',
  'requisition.withdrawn': 'Requisition withdrawn',
  'task.created': 'Task created',
  'task.completed': 'Task decided',
  'task.cancelled': 'Task cancelled',
  'task.claimed': 'Task claimed',
  'task.escalated': 'Task escalated',
  'task.reminder_sent': 'Reminder sent',
  'process.admins_alerted': 'Admins alerted',
  'requisition.ordered': 'All lines on issued purchase orders',
  'requisition.suppliers_assigned': 'Suppliers assigned to lines',
  'purchase_order.drafted': 'Purchase order drafted',
  'purchase_order.prepared': 'Purchase order prepared and numbered',
  'purchase_order.pending_approval': 'Purchase order awaiting approval',
  'purchase_order.draft': 'Purchase order returned to the buyer',
  'purchase_order.issued': 'Purchase order issued and sent to the supplier',
  'purchase_order.revised': 'Change order',
  'purchase_order.acknowledged': 'Supplier confirmed the order',
  'purchase_order.date_proposed': 'Supplier proposed another delivery date',
  'purchase_order.delivery_date_accepted': 'Proposed delivery date accepted',
  'purchase_order.delivery_date_rejected': 'Proposed delivery date rejected',
  'purchase_order.acknowledgement_reminder': 'Buyer reminded of a missing acknowledgement',
  'purchase_order.partially_received': 'Partly received',
  'purchase_order.received': 'Received',
  'purchase_order.cancelled': 'Purchase order cancelled',
  'purchase_order.lines_moved': 'Lines moved to another draft',
  'goods_receipt.recorded': 'Goods received',
  'vendor_return.recorded': 'Goods returned to the supplier',
};

const decode = (payload: Payload | null | undefined): unknown => {
  if (!payload) return undefined;
  try {
    return defaultPayloadConverter.fromPayload(payload);
  } catch {
    return '(undecodable)';
  }
};

const timeOf = (event: HistoryEvent) => {
  const ts = event.eventTime;
  return new Date(Number(ts?.seconds ?? 0) * 1000 + Math.floor((ts?.nanos ?? 0) / 1e6)).toISOString();
};

const durationText = (duration: { seconds?: unknown; nanos?: number | null } | null | undefined) => {
  const seconds = Number(duration?.seconds ?? 0) + (duration?.nanos ?? 0) / 1e9;
  return seconds >= 3600 ? `${(seconds / 3600).toFixed(1)} h` : seconds >= 60 ? `${Math.round(seconds / 60)} min` : `${Math.round(seconds)} s`;
};

/** Temporal's marker for a local activity, and the part of its details the timeline reads. */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';
interface LocalActivityMarker {
  activity_type?: string;
  attempt?: number;
}

/** Engine events an auditor cares about, in words; scheduling noise is folded into its outcome. */
function engineItems(events: HistoryEvent[]): TimelineItem[] {
  const scheduled = new Map<string, { name: string }>();
  const started = new Map<string, { attempt: number; lastFailure: string | null }>();
  const timers = new Map<string, string>();
  let workflowTaskStartedAt: string | undefined;
  const items: TimelineItem[] = [];
  for (const event of events) {
    const at = timeOf(event);
    const id = String(event.eventId);
    if (event.workflowExecutionStartedEventAttributes) {
      const attrs = event.workflowExecutionStartedEventAttributes;
      items.push({ at, source: 'engine', type: 'process.started', detail: `Process ${attrs.workflowType?.name ?? ''} started on queue ${attrs.taskQueue?.name ?? ''}` });
    } else if (event.activityTaskScheduledEventAttributes) {
      scheduled.set(id, { name: event.activityTaskScheduledEventAttributes.activityType?.name ?? 'activity' });
    } else if (event.activityTaskStartedEventAttributes) {
      const attrs = event.activityTaskStartedEventAttributes;
      started.set(String(attrs.scheduledEventId), { attempt: attrs.attempt ?? 1, lastFailure: attrs.lastFailure?.message ?? null });
    } else if (event.activityTaskCompletedEventAttributes) {
      const key = String(event.activityTaskCompletedEventAttributes.scheduledEventId);
      const name = scheduled.get(key)?.name ?? 'activity';
      const attempt = started.get(key);
      const retried = attempt && attempt.attempt > 1 ? ` after ${attempt.attempt} attempts (earlier: ${attempt.lastFailure ?? 'failed'})` : '';
      items.push({ at, source: 'engine', type: attempt && attempt.attempt > 1 ? 'activity.retried' : 'activity.completed', detail: `${activityWords[name] ?? name}${retried}`, data: { activity: name, attempts: attempt?.attempt ?? 1 } });
    } else if (event.activityTaskFailedEventAttributes || event.activityTaskTimedOutEventAttributes) {
      const attrs = event.activityTaskFailedEventAttributes ?? event.activityTaskTimedOutEventAttributes!;
      const name = scheduled.get(String(attrs.scheduledEventId))?.name ?? 'activity';
      items.push({ at, source: 'engine', type: 'activity.failed', detail: `${activityWords[name] ?? name} failed: ${attrs.failure?.message ?? 'timed out'}`, data: { activity: name } });
    } else if (event.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER) {
      // A local activity: recorded as a marker when the workflow task that ran it completed.
      const attrs = event.markerRecordedEventAttributes;
      const data = decode(attrs.details?.data?.payloads?.[0]) as LocalActivityMarker | undefined;
      const name = data?.activity_type ?? 'activity';
      const attempts = data?.attempt ?? 1;
      // Recorded when the workflow task that ran it completed, just after its own audit entries.
      const when = at;
      if (attrs.failure) {
        items.push({ at: when, source: 'engine', type: 'activity.failed', detail: `${activityWords[name] ?? name} failed: ${attrs.failure.message ?? ''}`, data: { activity: name } });
      } else {
        const retried = attempts > 1 ? ` after ${attempts} attempts` : '';
        items.push({ at: when, source: 'engine', type: attempts > 1 ? 'activity.retried' : 'activity.completed', detail: `${activityWords[name] ?? name}${retried}`, data: { activity: name, attempts } });
      }
    } else if (event.timerStartedEventAttributes) {
      const attrs = event.timerStartedEventAttributes;
      const decoded = decode(event.userMetadata?.summary);
      const summary = typeof decoded === 'string' ? decoded : 'timer';
      timers.set(String(attrs.timerId), summary);
      if (/reminder|SLA/.test(summary)) items.push({ at, source: 'engine', type: 'timer.started', detail: `Timer set: ${summary}, fires in ${durationText(attrs.startToFireTimeout)}` });
    } else if (event.timerFiredEventAttributes) {
      const summary = timers.get(String(event.timerFiredEventAttributes.timerId)) ?? 'timer';
      items.push({ at, source: 'engine', type: 'timer.fired', detail: `Timer fired: ${summary}` });
    } else if (event.workflowTaskStartedEventAttributes) {
      workflowTaskStartedAt = at;
    } else if (event.workflowExecutionUpdateAcceptedEventAttributes) {
      const request = event.workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest;
      const name = request?.input?.name ?? 'update';
      const args = decode(request?.input?.args?.payloads?.[0]) as { action?: string; actorId?: string; onBehalfOfId?: string | null; comment?: string | null } | undefined;
      const action = args?.action ?? (name === 'withdraw' ? 'withdraw' : name === 'claimTask' ? 'claim' : name);
      items.push({
        // The decision reached the workflow when the workflow task that accepted it started; the event is written when that task completes, after the work it did.
        at: workflowTaskStartedAt ?? at,
        source: 'engine',
        type: 'decision.accepted',
        actorId: args?.actorId ?? null,
        onBehalfOfId: args?.onBehalfOfId ?? null,
        detail: `Update "${name}" accepted: ${action}${args?.comment ? ` ("${args.comment}")` : ''}`,
        data: { updateId: request?.meta?.updateId ?? null },
      });
    } else if (event.workflowExecutionCompletedEventAttributes) {
      const result = decode(event.workflowExecutionCompletedEventAttributes.result?.payloads?.[0]) as { status?: string } | undefined;
      items.push({ at, source: 'engine', type: 'process.completed', detail: `Process completed${result?.status ? `: ${result.status}` : ''}` });
    } else if (event.workflowExecutionFailedEventAttributes) {
      items.push({ at, source: 'engine', type: 'process.failed', detail: `Process failed: ${event.workflowExecutionFailedEventAttributes.failure?.message ?? ''}` });
    } else if (event.workflowExecutionTerminatedEventAttributes) {
      items.push({ at, source: 'engine', type: 'process.terminated', detail: `Process terminated: ${event.workflowExecutionTerminatedEventAttributes.reason ?? ''}` });
    } else if (event.startChildWorkflowExecutionInitiatedEventAttributes) {
      const attrs = event.startChildWorkflowExecutionInitiatedEventAttributes;
      items.push({ at, source: 'engine', type: 'child.started', detail: `Child process ${attrs.workflowType?.name ?? ''} started (${attrs.workflowId ?? ''})`, data: { workflowId: attrs.workflowId } });
    }
  }
  return items;
}

function auditItem(row: AuditRow): TimelineItem {
  const after = (row.after ?? {}) as Record<string, unknown>;
  const words = auditWords[row.action] ?? row.action;
  const extra = [after.outcome ? `outcome ${String(after.outcome as string)}` : null, after.comment ? `"${String(after.comment as string)}"` : null, after.reason ? String(after.reason as string) : null, after.note ? String(after.note as string) : null]
    .filter(Boolean)
    .join('; ');
  return {
    at: row.at.toISOString(),
    source: 'audit',
    type: row.action,
    actorId: row.actorId,
    onBehalfOfId: row.onBehalfOfId,
    detail: extra ? `${words}: ${extra}` : words,
    data: { auditId: row.id, subjectType: row.subjectType, subjectId: row.subjectId, before: row.before, after: row.after, requestId: row.requestId },
  };
}

/**
 * One timeline per process: the business audit entries and the engine's own
 * history, merged in time order, with names for actors. Hidden and unknown
 * processes both answer 404.
 */
export function createProcessHistoryService(deps: Pick<ApiDeps, 'db' | 'temporal'>) {
  const { db, temporal } = deps;

  /**
   * The record a process is about, if the caller may read it: a requisition's
   * approval and its supplier assignment are about the requisition, an
   * order's process about the order. Related processes (the requisition's
   * orders, the order's requisitions) come with it.
   */
  async function subjectOf(actor: RequestActor, workflowId: string): Promise<{ type: 'Requisition' | 'PurchaseOrder' | 'Invoice'; id: string; workflowId: string | null; related: { workflowId: string; label: string }[] }> {
    const invoiceMatch = /^inv-([0-9a-f-]{36})$/.exec(workflowId);
    if (invoiceMatch) {
      const row = await findInvoice(db, invoiceMatch[1]!);
      if (!row || !actor.ability.can('read', subject('Invoice', { ...row }))) throw new AppError('not_found', 'No such process');
      const order = await findPurchaseOrder(db, row.purchaseOrderId);
      return { type: 'Invoice', id: row.id, workflowId: row.workflowId, related: order ? [{ workflowId: order.workflowId, label: `Purchase order ${order.number ?? '(draft)'}` }] : [] };
    }
    const order = /^po-([0-9a-f-]{36})$/.exec(workflowId);
    if (order) {
      const row = await findPurchaseOrder(db, order[1]!);
      if (!row || !actor.ability.can('read', subject('PurchaseOrder', { ...row }))) throw new AppError('not_found', 'No such process');
      const related = [
        ...(await requisitionsOfOrder(db, row.id)).map((requisition) => ({ workflowId: `requisition-${requisition.id}`, label: `Requisition ${requisition.number ?? ''}: ${requisition.title}` })),
        ...(actor.ability.can('read', 'Invoice') ? (await listInvoices(db, { purchaseOrderId: row.id, kind: 'invoice', limit: 200 })).reverse().map((invoice) => ({ workflowId: invoice.workflowId, label: `Invoice ${invoice.number} (${invoice.invoiceNumber})` })) : []),
      ];
      return { type: 'PurchaseOrder', id: row.id, workflowId: row.workflowId, related };
    }
    const match = /^(?:requisition|assign-suppliers)-([0-9a-f-]{36})$/.exec(workflowId);
    const requisition = match ? await findRequisition(db, match[1]!) : undefined;
    if (!requisition || !actor.ability.can('read', subject('Requisition', { ...requisition }))) throw new AppError('not_found', 'No such process');
    const orders = await db.select({ id: purchaseOrders.id, number: purchaseOrders.number, workflowId: purchaseOrders.workflowId }).from(purchaseOrders).where(eq(purchaseOrders.requisitionId, requisition.id)).orderBy(asc(purchaseOrders.createdAt));
    const related = [
      ...(workflowId.startsWith('assign-suppliers-') ? [{ workflowId: `requisition-${requisition.id}`, label: `Requisition ${requisition.number ?? ''}: ${requisition.title}` }] : []),
      ...orders.map((row) => ({ workflowId: row.workflowId, label: `Purchase order ${row.number ?? '(draft)'}` })),
    ];
    return { type: 'Requisition', id: requisition.id, workflowId: requisition.workflowId ? workflowId : null, related };
  }

  return {
    /** Processes the caller may read, by number, text, person involved, supplier, status and submission dates. */
    async search(actor: RequestActor, filters: Omit<SearchProcessesParams, 'access'>) {
      if (filters.from && filters.to && filters.from > filters.to) throw new AppError('unprocessable', 'to: must not be before from', { errors: [{ path: 'query.to', message: 'must not be before from' }] });
      const access = accessWhere(actor.ability, 'read', 'Requisition', { requesterId: requisitions.requesterId, status: requisitions.status });
      const rows = await searchProcesses(db, { ...filters, access });
      return rows.map(({ requisition, requesterName }) => ({
        workflowId: requisition.workflowId!,
        kind: 'requisition' as const,
        number: requisition.number,
        title: requisition.title,
        status: requisition.status,
        requesterId: requisition.requesterId,
        requesterName,
        total: requisition.total,
        submittedAt: requisition.submittedAt?.toISOString() ?? null,
        updatedAt: requisition.updatedAt.toISOString(),
      }));
    },

    /** Every export says when it was made and whether the audit chain held at that moment. */
    async exportStamp() {
      return { exportedAt: new Date().toISOString(), verification: await verifyAuditChain(db) };
    },

    async timeline(actor: RequestActor, workflowId: string, filters: { source?: 'audit' | 'engine' | undefined; actorId?: string | undefined }): Promise<TimelineItem[]> {
      const record = await subjectOf(actor, workflowId);
      // The business record and the engine's history are independent: fetch both at once.
      const fetchEngine = async (): Promise<TimelineItem[]> => {
        if (!record.workflowId) return [];
        try {
          const history = await (await temporal.client()).workflow.getHandle(workflowId).fetchHistory();
          return engineItems(history.events ?? []);
        } catch (error) {
          if (error instanceof WorkflowNotFoundError) return [];
          throw error;
        }
      };
      const [audits, engine] = await Promise.all([
        db
          .select()
          .from(auditLog)
          .where(or(eq(auditLog.processId, workflowId), and(eq(auditLog.subjectType, record.type), eq(auditLog.subjectId, record.id))))
          .orderBy(asc(auditLog.id)),
        fetchEngine(),
      ]);
      // Related processes lead the timeline, so the auditor can follow requisition -> orders and back.
      const related: TimelineItem[] = record.related.map((process) => ({ at: audits[0]?.at.toISOString() ?? new Date(0).toISOString(), source: 'audit', type: 'process.related', detail: `Related process: ${process.label} (${process.workflowId})`, data: { workflowId: process.workflowId } }));
      let items = [...related, ...audits.map(auditItem), ...engine].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.source === b.source ? 0 : a.source === 'engine' ? -1 : 1));
      if (filters.source) items = items.filter((item) => item.source === filters.source);
      if (filters.actorId) items = items.filter((item) => item.actorId === filters.actorId || item.onBehalfOfId === filters.actorId);
      const people = await findUsersByIds(db, [...new Set(items.flatMap((item) => [item.actorId, item.onBehalfOfId]).filter((id): id is string => Boolean(id)))]);
      const names = new Map(people.map((person) => [person.id, person.name]));
      return items.map((item) => ({ ...item, actor: item.actorId ? (names.get(item.actorId) ?? item.actorId) : null, onBehalfOf: item.onBehalfOfId ? (names.get(item.onBehalfOfId) ?? item.onBehalfOfId) : null }));
    },
  };
}
