import { ApplicationFailure, ParentClosePolicy, allHandlersFinished, condition, defineQuery, defineUpdate, getExternalWorkflowHandle, patched, proxyLocalActivities, setHandler, startChild, upsertSearchAttributes } from '@temporalio/workflow';
// Zod-free modules only: the bundle is evaluated for every run.
import { parseSla, slaDeadline } from '@p2p/domain/approval-rules';
import { compareDecimal } from '@p2p/domain/decimal';
import { revisionNeedsApproval, type PurchaseOrderAcknowledgement, type PurchaseOrderStatus, type PurchasingPolicy } from '@p2p/domain/purchase-orders';
import type { AssignSupplierForm, CreateReceiptBody, CreateReturnBody, PreparePurchaseOrderForm, SupplierResponseBody } from '@p2p/domain/purchasing';
import type { Activities } from '../activities/index.ts';
import type { ChangeOrder } from '../activities/purchase-order-changes.ts';
import type { RecordChange } from '../activities/human-tasks.ts';
import { humanTasks, taskFailures, type Decision, type Exclusion } from './human-task.ts';
import { goodsMoved, invoiceSettled } from './invoice-signals.ts';
import { searchKeys } from './search-attributes.ts';

/**
 * One purchase order from draft to its end (SPEC 4.2): a buyer prepares it,
 * a procurement manager approves it above the threshold (never the buyer who
 * prepared it), it is issued (PDF mailed to the supplier once), the supplier
 * acknowledges it or proposes another date, and goods arrive, are returned,
 * or the rest is cancelled. Change orders re-issue it as revision 1, 2, ...
 * Each receipt, return and supplier answer is an Update keyed by its id, so
 * the order learns of each exactly once. People's steps are the human-task
 * helper's; this file is the business rules.
 */

export interface PurchaseOrderInput {
  purchaseOrderId: string;
  /** The requisition whose approval made it: its requester's line is where an unassignable step goes. */
  requisitionId: string;
  requesterId: string;
  /** The purchasing policy when the order was drafted: a running order keeps it. */
  policy: PurchasingPolicy;
  /** The approval step's SLA (ISO 8601, business days). */
  approvalSla: string;
}

export interface PurchaseOrderState {
  status: PurchaseOrderStatus;
  number: string | null;
  revision: number;
  preparedById: string | null;
  total: string;
  acknowledgement: PurchaseOrderAcknowledgement | null;
  /** A step of a person this order waits on now (prepare, approval, date decision), else null. */
  waitingFor: string | null;
}

export const receiveGoods = defineUpdate<{ receiptId: string; number: string; status: string }, [{ receiptId: string; actorId: string; body: CreateReceiptBody }]>('receiveGoods');
export const returnGoods = defineUpdate<{ returnId: string; number: string; status: string }, [{ returnId: string; receiptId: string; actorId: string; body: CreateReturnBody }]>('returnGoods');
export const supplierRespond = defineUpdate<{ acknowledgement: string | null }, [{ linkId: string; response: SupplierResponseBody }]>('supplierRespond');
export const reviseOrder = defineUpdate<{ status: string; revision: number; awaitingApproval: boolean }, [{ requestId: string; actorId: string; change: ChangeOrder }]>('reviseOrder');
export const cancelOrder = defineUpdate<{ status: string }, [{ requestId: string; actorId: string; reason: string; remainingOnly: boolean }]>('cancelOrder');
export const purchaseOrderState = defineQuery<PurchaseOrderState>('purchaseOrderState');

const local = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  localRetryThreshold: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes: ['InvalidRequest', 'OrderStateConflict'] },
});

const refuse = (message: string): never => {
  throw ApplicationFailure.create({ type: taskFailures.notOpen, message, nonRetryable: true });
};

/** An activity's refusal reaches the Update's caller as the activity's own failure (type, message, field errors). */
async function orRefuse<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof ApplicationFailure) throw ApplicationFailure.create({ type: cause.type ?? undefined, message: cause.message, details: cause.details ? [...cause.details] : undefined, nonRetryable: true });
    throw error;
  }
}

const receivingStatuses: readonly PurchaseOrderStatus[] = ['issued', 'partially_received'];
const endStatuses: readonly PurchaseOrderStatus[] = ['cancelled', 'closed'];

export async function purchaseOrderWorkflow(input: PurchaseOrderInput): Promise<PurchaseOrderState> {
  const { policy } = input;
  const sla = parseSla(input.approvalSla) ?? { businessDays: 2, clockMs: 0 };
  const state: PurchaseOrderState = { status: 'draft', number: null, revision: 0, preparedById: null, total: '0.00', acknowledgement: null, waitingFor: null };
  const people = humanTasks({ subject: { type: 'PurchaseOrder', id: input.purchaseOrderId }, status: () => state.status });
  const pending: {
    cancel: { requestId: string; actorId: string; reason: string; remainingOnly: boolean } | null;
    change: { requestId: string; actorId: string; change: ChangeOrder } | null;
    proposal: { date: string; comment: string | null; key: string } | null;
    /** An invoice was paid or rejected, or the last goods arrived: the order may close. */
    closing: boolean;
  } = { cancel: null, change: null, proposal: null, closing: false };
  let issuedAt: Date | null = null;

  const setStatus = (status: PurchaseOrderStatus) => {
    state.status = status;
    upsertSearchAttributes([{ key: searchKeys.processStatus, value: status }]);
  };
  const record = (status: PurchaseOrderStatus, by: Decision | { actorId: string; comment?: string | null } | null, facts?: Record<string, unknown>): RecordChange => {
    setStatus(status);
    return { status, actorId: by?.actorId ?? null, onBehalfOfId: by && 'onBehalfOfId' in by ? by.onBehalfOfId : null, comment: by?.comment ?? null, facts: { policy, ...facts } };
  };
  const refresh = async () => {
    const order = await local.readPurchaseOrder({ purchaseOrderId: input.purchaseOrderId });
    Object.assign(state, { number: order.number, revision: order.revision, total: order.total, preparedById: order.preparedById, status: order.status, acknowledgement: order.acknowledgement });
    if (order.number) upsertSearchAttributes([{ key: searchKeys.documentNumber, value: order.number }, { key: searchKeys.businessKey, value: order.number }]);
    return order;
  };

  setHandler(purchaseOrderState, () => ({ ...state }));
  setHandler(invoiceSettled, () => {
    pending.closing = true;
  });

  /** The order's invoices still being matched hear of each receipt and return (they key it by its id). */
  const tellInvoices = async (invoiceWorkflows: readonly string[] | undefined, news: { kind: 'receipt' | 'return'; documentId: string }) => {
    if (!patched('invoice-matching')) return;
    for (const workflowId of invoiceWorkflows ?? []) await getExternalWorkflowHandle(workflowId).signal(goodsMoved, news).catch(() => undefined);
  };

  setHandler(
    receiveGoods,
    async ({ receiptId, actorId, body }) => {
      const result = await orRefuse(local.recordReceipt({ processId: people.processId, receiptId, purchaseOrderId: input.purchaseOrderId, actorId, body, tolerancePercent: policy.receiptTolerancePercent }));
      if (!endStatuses.includes(state.status)) setStatus(result.status);
      await tellInvoices(result.invoiceWorkflows, { kind: 'receipt', documentId: receiptId });
      // The last goods arrived: the order may close now if its invoices are already settled.
      if (result.status === 'received' && patched('invoice-matching')) pending.closing = true;
      return { receiptId: result.receiptId, number: result.number, status: result.status };
    },
    { validator: (_request) => void (receivingStatuses.includes(state.status) || refuse(`the order is ${state.status.replaceAll('_', ' ')}: nothing can be received against it`)) },
  );

  setHandler(
    returnGoods,
    async ({ returnId, receiptId, actorId, body }) => {
      const result = await orRefuse(local.recordReturn({ processId: people.processId, returnId, receiptId, actorId, body }));
      if (!endStatuses.includes(state.status)) setStatus(result.status);
      await tellInvoices(result.invoiceWorkflows, { kind: 'return', documentId: returnId });
      return { returnId: result.returnId, number: result.number, status: result.status };
    },
    { validator: (_request) => void (!endStatuses.includes(state.status) || refuse(`the order is ${state.status}`)) },
  );

  setHandler(
    supplierRespond,
    async ({ linkId, response }) => {
      const result = await orRefuse(local.recordSupplierResponse({ processId: people.processId, linkId, purchaseOrderId: input.purchaseOrderId, response }));
      if (result.recorded) {
        state.acknowledgement = result.acknowledgement as PurchaseOrderAcknowledgement;
        if (response.action === 'propose_date' && response.deliveryDate) pending.proposal = { date: response.deliveryDate, comment: response.comment ?? null, key: linkId };
      }
      return { acknowledgement: state.acknowledgement };
    },
    { validator: (_request) => void ((state.status !== 'draft' && state.status !== 'pending_approval' && !endStatuses.includes(state.status)) || refuse('the order is not open for an answer')) },
  );

  setHandler(
    reviseOrder,
    async (request) => {
      const checked = await orRefuse(local.checkChangeOrder({ purchaseOrderId: input.purchaseOrderId, change: request.change }));
      const awaitingApproval = revisionNeedsApproval(state.total, checked.total, policy);
      pending.change = request;
      await condition(() => people.isAnswered(request.requestId));
      return { status: state.status, revision: state.revision, awaitingApproval };
    },
    {
      validator: (_request) => {
        if (!receivingStatuses.includes(state.status)) refuse(`the order is ${state.status.replaceAll('_', ' ')}: it cannot be revised`);
        if (pending.change || state.waitingFor) refuse(`the order waits for ${state.waitingFor ?? 'a change order'} to be decided first`);
      },
    },
  );

  setHandler(
    cancelOrder,
    async (request) => {
      pending.cancel = request;
      await condition(() => people.isAnswered(request.requestId));
      return { status: state.status };
    },
    {
      validator: ({ remainingOnly }) => {
        if (pending.cancel) refuse('the order is being cancelled');
        if (remainingOnly && state.status !== 'partially_received') refuse(state.status === 'issued' ? 'nothing has arrived yet: cancel the whole order instead' : `the order is ${state.status.replaceAll('_', ' ')}: there is no remaining quantity to cancel`);
        if (!remainingOnly && !['draft', 'pending_approval', 'issued'].includes(state.status)) refuse(state.status === 'partially_received' ? 'goods have arrived: cancel the remaining quantity instead' : `the order is ${state.status.replaceAll('_', ' ')}`);
      },
    },
  );

  /** Applies a pending cancellation (whole or remaining) in one transaction with closing whatever step is open. */
  const applyCancel = async () => {
    const request = pending.cancel!;
    people.answerAfterSettle(request.requestId);
    await people.settle({
      cancelOpen: { reason: request.remainingOnly ? 'the remaining quantity was cancelled' : `the order was cancelled: ${request.reason}`, actorId: request.actorId },
      record: record(request.remainingOnly ? 'received' : 'cancelled', { actorId: request.actorId, comment: request.reason }, { cancel: { reason: request.reason } }),
      requestId: request.requestId,
    });
    pending.cancel = null;
    await refresh();
    // The rest cancelled after its invoices were paid: the order may close now.
    if (state.status === 'received' && patched('invoice-matching')) pending.closing = true;
  };

  const preparerExclusion = (): Exclusion[] => (state.preparedById ? [{ ids: [state.preparedById], reason: 'the buyer who prepared a purchase order does not approve it', as: 'prepared this order' }] : []);

  upsertSearchAttributes([{ key: searchKeys.processStatus, value: 'draft' }]);

  // ---- prepare and approve, until issued or cancelled ----
  let rejection: Decision | null = null;
  for (let round = 0; state.status === 'draft' || state.status === 'pending_approval'; round++) {
    const draft = await refresh();
    state.waitingFor = 'the buyer to prepare it';
    const prepared = await people.ask({
      kind: 'po_prepare',
      stepKey: `prepare-${round}`,
      title: round === 0 ? 'Prepare the purchase order: {title}' : 'Prepare {number} again: {title}',
      assign: rejection && state.preparedById ? { to: 'user', userId: state.preparedById } : { to: 'role', role: 'buyer', lineFrom: input.requesterId },
      sla: null,
      details: {
        stepLabel: rejection ? 'Returned by the approver' : 'Prices, delivery and tax',
        supplier: draft.supplier,
        deliveryAddress: draft.deliveryAddress ?? policy.deliveryAddress,
        deliveryDate: draft.deliveryDate,
        defaultTaxRate: policy.defaultTaxRate,
        approvalAbove: policy.approvalAbove,
        lines: draft.lines,
        ...(rejection ? { rejectedBecause: rejection.comment ?? null } : {}),
      },
      record: rejection ? record('draft', rejection) : undefined,
      until: () => pending.cancel !== null,
    });
    state.waitingFor = null;
    rejection = null;
    if (!prepared) break;
    if (prepared.action === 'cancel') {
      await people.settle({ record: record('cancelled', prepared, { cancel: { reason: prepared.comment ?? 'cancelled by the buyer' } }) });
      break;
    }
    await people.settle({ record: record('draft', prepared, { prepare: prepared.data as PreparePurchaseOrderForm }) });
    const priced = await refresh();
    if (compareDecimal(priced.total, policy.approvalAbove) > 0) {
      state.waitingFor = 'a procurement manager’s approval';
      const approval = await people.ask({
        kind: 'po_approval',
        stepKey: `approve-${round}`,
        title: 'Approve {number}: {title}',
        assign: { to: 'role', role: 'procurement_manager', lineFrom: prepared.onBehalfOfId ?? prepared.actorId },
        exclude: preparerExclusion(),
        sla,
        details: { stepLabel: 'Purchase order above the approval threshold', total: priced.total, approvalAbove: policy.approvalAbove, revision: 0 },
        record: record('pending_approval', null),
        until: () => pending.cancel !== null,
      });
      state.waitingFor = null;
      if (!approval) break;
      if (approval.action === 'reject') {
        rejection = approval;
        setStatus('draft');
        continue;
      }
      await people.settle({ record: record('issued', approval, { issue: { reason: null } }) });
    } else {
      await people.settle({ record: record('issued', null, { issue: { reason: null } }) });
    }
    issuedAt = new Date();
    await refresh();
  }
  if (pending.cancel) await applyCancel();

  // ---- issued: acknowledgement, date proposals, change orders, cancellation; receipts and returns come as Updates ----
  let remindedRevision = -1;
  while (!endStatuses.includes(state.status)) {
    const remindAt = state.acknowledgement === 'awaiting' && issuedAt && remindedRevision !== state.revision ? slaDeadline(issuedAt, { businessDays: policy.acknowledgementDays, clockMs: 0 }).getTime() : null;
    const wanted = () => pending.cancel !== null || pending.change !== null || pending.proposal !== null || pending.closing;
    // condition() without a timeout resolves to undefined, not true.
    const woke = remindAt ? await condition(wanted, Math.max(1, remindAt - new Date().getTime()), { summary: 'supplier acknowledgement' }) : (await condition(wanted), true);
    if (!woke) {
      await local.remindAcknowledgement({ processId: people.processId, purchaseOrderId: input.purchaseOrderId, revision: state.revision, days: policy.acknowledgementDays });
      remindedRevision = state.revision;
      continue;
    }
    if (pending.cancel) {
      await applyCancel();
      continue;
    }
    if (pending.closing) {
      // Fully received and every invoice paid or rejected: the order closes, and its requisitions follow.
      pending.closing = false;
      if ((await local.closePurchaseOrderIfDone({ processId: people.processId, purchaseOrderId: input.purchaseOrderId })).closed) setStatus('closed');
      continue;
    }
    if (pending.proposal) {
      const proposal = pending.proposal;
      pending.proposal = null;
      state.waitingFor = 'the buyer’s answer to a proposed delivery date';
      const answer = await people.ask({
        kind: 'po_delivery_date',
        stepKey: `date-${proposal.key}`,
        title: 'The supplier proposes another delivery date for {number}',
        assign: state.preparedById ? { to: 'user', userId: state.preparedById } : { to: 'role', role: 'buyer', lineFrom: input.requesterId },
        sla: null,
        details: { stepLabel: 'Supplier’s proposal', proposedDate: proposal.date, supplierComment: proposal.comment },
        until: () => pending.cancel !== null,
      });
      state.waitingFor = null;
      if (!answer) continue;
      await people.settle({ record: record(state.status, answer, { dateDecision: { accepted: answer.action === 'accept', date: proposal.date } }) });
      state.acknowledgement = answer.action === 'accept' ? 'date_accepted' : 'date_rejected';
      continue;
    }
    const request = pending.change!;
    const checked = await local.checkChangeOrder({ purchaseOrderId: input.purchaseOrderId, change: request.change }).catch(() => null);
    if (!checked) {
      // A delivery since the request made it impossible: the request is answered, nothing changes.
      people.answerAfterSettle(request.requestId);
      await people.settle({ requestId: request.requestId });
      pending.change = null;
      continue;
    }
    const revision = state.revision + 1;
    if (revisionNeedsApproval(state.total, checked.total, policy)) {
      // Answer the request now (it waits for approval); the approval step carries the change.
      people.answerAfterSettle(request.requestId);
      state.waitingFor = 'a procurement manager’s approval of a change order';
      const approval = await people.ask({
        kind: 'po_approval',
        stepKey: `approve-r${revision}`,
        title: `Approve change order ${revision} of {number}: {title}`,
        assign: { to: 'role', role: 'procurement_manager', lineFrom: request.actorId },
        exclude: [{ ids: [request.actorId], reason: 'the buyer who prepared a change order does not approve it', as: 'prepared this change order' }, ...preparerExclusion()],
        sla,
        details: { stepLabel: `Change order ${revision}`, previousTotal: state.total, total: checked.total, reason: request.change.reason, revision },
        until: () => pending.cancel !== null,
      });
      state.waitingFor = null;
      pending.change = null;
      if (!approval) continue;
      if (approval.action === 'reject') {
        await people.settle({ notices: [{ key: `${people.processId}:revision-${revision}:rejected`, toUserId: request.actorId, decision: 'rejected', decisionLabel: `Change order ${revision} rejected`, actorId: approval.actorId, comment: approval.comment ?? null }] });
        continue;
      }
      await people.settle({ record: record('issued', approval, { changeOrder: request.change, issue: { reason: request.change.reason } }) });
    } else {
      people.answerAfterSettle(request.requestId);
      await people.settle({ record: record('issued', { actorId: request.actorId, comment: request.change.reason }, { changeOrder: request.change, issue: { reason: request.change.reason } }), requestId: request.requestId });
      pending.change = null;
    }
    issuedAt = new Date();
    state.acknowledgement = 'awaiting';
    await refresh();
  }

  await condition(allHandlersFinished);
  return { ...state };
}

type OrderPlan = Awaited<ReturnType<Activities['planPurchaseOrders']>>;

/** Starts the process of each planned order not started yet: a child that outlives the run starting it. */
async function startOrderProcesses(plan: OrderPlan, requisitionId: string, started: Set<string>): Promise<void> {
  for (const purchaseOrderId of plan.orders) {
    if (started.has(purchaseOrderId)) continue;
    started.add(purchaseOrderId);
    await startChild(purchaseOrderWorkflow, {
      workflowId: `po-${purchaseOrderId}`,
      args: [{ purchaseOrderId, requisitionId, requesterId: plan.requesterId, policy: plan.policy, approvalSla: plan.approvalSla }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  }
}

/**
 * Where an approved requisition's lines go (called by its run): draft orders,
 * one per supplier, each its own process, a child that outlives the
 * requisition's run (which ends at approval, as it always has). Lines
 * without a supplier go to a supplier-assignment process of their own.
 */
export async function orderApprovedLines(params: { requisitionId: string; requesterId: string; processId: string; activities: Pick<Activities, 'planPurchaseOrders'> }): Promise<void> {
  const plan = await params.activities.planPurchaseOrders({ processId: params.processId, requisitionId: params.requisitionId });
  const started = new Set<string>();
  await startOrderProcesses(plan, params.requisitionId, started);
  if (plan.unassigned.length === 0) return;
  await startChild(supplierAssignmentWorkflow, {
    workflowId: `assign-suppliers-${params.requisitionId}`,
    args: [{ requisitionId: params.requisitionId, requesterId: params.requesterId, startedOrders: [...started] }],
    parentClosePolicy: ParentClosePolicy.ABANDON,
  });
}

/**
 * Lines of an approved requisition that nobody named a supplier for: a buyer
 * assigns them (SPEC 4.2), then their draft orders start like the others.
 * Asks again for lines still without a usable supplier.
 */
export async function supplierAssignmentWorkflow(input: { requisitionId: string; requesterId: string; startedOrders: string[] }): Promise<{ orders: number }> {
  let status = 'assigning';
  const people = humanTasks({ subject: { type: 'Requisition', id: input.requisitionId }, status: () => status });
  const started = new Set(input.startedOrders);
  for (let round = 0; ; round++) {
    const plan = await people.activities().planPurchaseOrders({ processId: people.processId, requisitionId: input.requisitionId });
    await startOrderProcesses(plan, input.requisitionId, started);
    if (plan.unassigned.length === 0) break;
    const assigned = await people.ask({
      kind: 'po_assign_supplier',
      stepKey: `assign-suppliers-${round}`,
      title: 'Assign suppliers to {number}: {title}',
      assign: { to: 'role', role: 'buyer', lineFrom: input.requesterId },
      sla: null,
      details: { stepLabel: `${plan.unassigned.length} line${plan.unassigned.length === 1 ? '' : 's'} without a supplier`, lines: plan.unassigned },
    });
    if (!assigned) break;
    await people.settle({ record: { status: 'approved', actorId: assigned.actorId, onBehalfOfId: assigned.onBehalfOfId, comment: assigned.comment ?? null, facts: { assignSuppliers: (assigned.data as AssignSupplierForm).lines } } });
  }
  status = 'done';
  await condition(allHandlersFinished);
  return { orders: started.size };
}
