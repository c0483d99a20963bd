import { createHash, randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import {
  PRICE_SCALE,
  acceptedQuantity,
  defaultPurchasingPolicy,
  documentNumber,
  formatDecimal,
  openQuantity,
  parseDecimal,
  receivableQuantity,
  type CreateReceiptBody,
  type CreateReturnBody,
  type PreparePurchaseOrderForm,
  type PurchaseOrderRevisionSnapshot,
  type PurchaseOrderStatus,
  type PurchasingPolicy,
  type SupplierResponseBody,
} from '@p2p/domain';
import type { Executor } from '../db/client.ts';
import type { AuditEntry } from '../db/queries/audit.ts';
import { auditedTransaction } from './audited-transaction.ts';
import {
  addReturnedToReceiptLine,
  addToLine,
  draftLines,
  findPurchaseOrder,
  findReceipt,
  findReturn,
  findSupplierLink,
  insertDocument,
  insertDraftOrder,
  insertPurchaseOrderLine,
  insertReceipt,
  insertReturn,
  insertRevision,
  moveStock,
  refreshOrderMoney,
  listPurchaseOrderIdsOfRequisition,
  requisitionFullyOrdered,
  requisitionIdsOfLines,
  requisitionsOfOrder,
  stockOf,
  unorderedRequisitionLines,
  updatePurchaseOrder,
  updatePurchaseOrderLine,
  useSupplierLink,
  type PurchaseOrderWithLines,
} from '../db/queries/purchasing.ts';
import { liveInvoicesOfOrder } from '../db/queries/invoicing.ts';
import { findSupplierById } from '../db/queries/suppliers.ts';
import { allocateDocumentNumber, findRequisitionHeading, readPolicy, updateRequisitionStatus } from '../db/queries/requisitions.ts';
import { findUserById } from '../db/queries/users.ts';
import { queueAudit, type AuditContext, type RecordChange, type SubjectAdapter } from './human-tasks.ts';
import { renderPurchaseOrderPdf } from './documents/po-pdf.ts';
import { formatQuantity } from './mail/format.ts';
import { purchaseOrderMailSubject } from './mail/subjects.ts';
import type { SendMailParams } from './mail/mailer.ts';
import { planChangeOrder, type ChangeOrder } from './purchase-order-changes.ts';
import { openSupplierContact } from '../db/encryption.ts';
import type { ActivityDeps } from './index.ts';

/**
 * The purchase-order process's effects (SPEC 4.2): drafts from approved
 * requisition lines, the order's record as its steps change it (prepared,
 * numbered, issued as a PDF mailed once, revised, cancelled), goods
 * receipts, returns and stock, the supplier's answer. Each is one database
 * transaction, idempotent by the id of what it records (a receipt, a return,
 * a revision, a link), so Temporal's retries change nothing twice.
 */

/** Failure types a refused request of the order's Updates carries (api/services/process-errors.ts maps them). */
export const purchasingFailures = {
  /** The request names fields that are wrong; `details[0].errors` lists them. */
  invalid: 'InvalidRequest',
  /** The order is not in a state that allows it. */
  conflict: 'OrderStateConflict',
} as const;

const refuse = (message: string, errors: { path: string; message: string }[] = []) => ApplicationFailure.create({ type: errors.length ? purchasingFailures.invalid : purchasingFailures.conflict, message, nonRetryable: true, details: [{ errors }] });

const q = (value: string) => parseDecimal(value, PRICE_SCALE);
const show = (value: bigint) => formatDecimal(value, PRICE_SCALE);
const yearOf = (at: Date) => at.getUTCFullYear();
const orderUrl = (publicUrl: string, id: string) => `${publicUrl}/purchase-orders/${id}`;

/** The policy in force now (a running order keeps the one it started with). */
export async function readPurchasingPolicy(db: Executor): Promise<PurchasingPolicy> {
  return { ...defaultPurchasingPolicy, ...((await readPolicy<Partial<PurchasingPolicy>>(db, 'purchasing')) ?? {}) };
}

/** The processes of the order's invoices still being matched: each hears of a receipt or return (once, by its id). */
async function waitingInvoices(tx: Executor, purchaseOrderId: string): Promise<string[]> {
  return (await liveInvoicesOfOrder(tx, purchaseOrderId)).filter((invoice) => invoice.status !== 'approved').map((invoice) => invoice.workflowId);
}

/** An order's status from its lines: every line's open quantity 0 -> received; something accepted -> partially received. */
function statusFromLines(order: PurchaseOrderWithLines): PurchaseOrderStatus {
  const open = order.lines.some((line) => q(openQuantity(line)) > 0n);
  if (!open) return 'received';
  const anyAccepted = order.lines.some((line) => q(acceptedQuantity(line)) > 0n);
  return anyAccepted ? 'partially_received' : 'issued';
}

export function createPurchasingActivities(deps: ActivityDeps) {
  const { db, clock, mail, publicUrl } = deps;

  const context = (processId: string, requestId: string) => ({ processId, requestId, ip: null, userAgent: 'worker' });

  async function supplierRecipient(tx: Executor, supplierId: string) {
    const supplier = await findSupplierById(tx, supplierId);
    if (!supplier) throw ApplicationFailure.nonRetryable(`supplier ${supplierId} does not exist`, 'SupplierMissing');
    return { supplier, to: { userId: null, address: supplier.email, name: supplier.name } };
  }

  async function buyerOf(tx: Executor, order: PurchaseOrderWithLines) {
    return order.preparedById ? findUserById(tx, order.preparedById) : undefined;
  }

  /** Requisitions follow their lines: `ordered` once every line is on issued orders, back to `approved` when a cancellation frees some. */
  async function refreshRequisitions(tx: Executor, orderId: string, audits: AuditEntry[], ctx: AuditContext, now: Date): Promise<void> {
    for (const requisition of await requisitionsOfOrder(tx, orderId)) {
      const heading = await findRequisitionHeading(tx, requisition.id);
      if (!heading || !['approved', 'ordered'].includes(heading.status)) continue;
      const target = (await requisitionFullyOrdered(tx, requisition.id)) ? 'ordered' : 'approved';
      if (target === heading.status) continue;
      await updateRequisitionStatus(tx, { id: requisition.id, status: target, now });
      audits.push({ ...ctx, at: now, actorId: null, action: `requisition.${target}`, subjectType: 'Requisition', subjectId: requisition.id, before: { status: heading.status }, after: { status: target, purchaseOrderId: orderId } });
    }
  }

  function snapshotOf(order: PurchaseOrderWithLines): PurchaseOrderRevisionSnapshot {
    return {
      number: order.number!,
      revision: order.revision,
      deliveryDate: order.deliveryDate,
      deliveryAddress: order.deliveryAddress,
      paymentTermsDays: order.paymentTermsDays,
      currency: order.currency,
      note: order.note,
      subtotal: order.subtotal,
      taxTotal: order.taxTotal,
      total: order.total,
      lines: order.lines.map((line) => ({ id: line.id, lineNo: line.lineNo, description: line.description, unit: line.unit, quantity: line.quantity, cancelledQuantity: line.cancelledQuantity, unitPrice: line.unitPrice, taxRate: line.taxRate, amount: line.amount, taxAmount: line.taxAmount })),
    };
  }

  /**
   * Issues the order's current revision: keeps it as it is sent, renders the
   * PDF, and queues the mail to the supplier with the PDF and their link.
   * Runs once per revision: the revision row is the guard.
   */
  async function issueRevision(tx: Executor, order: PurchaseOrderWithLines, params: { processId: string; reason: string | null; byId: string | null; policy: PurchasingPolicy; now: Date }): Promise<void> {
    const snapshot = snapshotOf(order);
    const fresh = await insertRevision(tx, { purchaseOrderId: order.id, revision: order.revision, snapshot, total: order.total, reason: params.reason, createdById: params.byId, createdAt: params.now });
    if (!fresh) return;
    const { supplier, to } = await supplierRecipient(tx, order.supplierId);
    const buyer = await buyerOf(tx, order);
    const pdf = await renderPurchaseOrderPdf({
      company: deps.company,
      number: snapshot.number,
      revision: snapshot.revision,
      revisionReason: params.reason,
      issuedAt: params.now.toISOString(),
      // The order's address block: the supplier's address opened from its sealed form (personal data at rest).
      supplier: { name: supplier.name, address: openSupplierContact(deps.personalData, supplier).address, email: supplier.email, taxId: supplier.taxId },
      buyer: { name: buyer?.name ?? deps.company.name, email: buyer?.email ?? deps.company.email ?? '' },
      deliveryDate: snapshot.deliveryDate,
      deliveryAddress: snapshot.deliveryAddress,
      paymentTermsDays: snapshot.paymentTermsDays,
      currency: snapshot.currency,
      note: snapshot.note,
      lines: snapshot.lines,
      subtotal: snapshot.subtotal,
      taxTotal: snapshot.taxTotal,
      total: snapshot.total,
    });
    const filename = `${snapshot.number}${snapshot.revision ? `-rev${snapshot.revision}` : ''}.pdf`;
    const documentId = await insertDocument(tx, { kind: 'po_pdf', subjectType: 'PurchaseOrder', subjectId: order.id, revision: order.revision, filename, contentType: 'application/pdf', content: pdf, sha256: createHash('sha256').update(pdf).digest('hex'), createdAt: params.now });
    const link = await deps.supplierLinks.issue({ purchaseOrderId: order.id, supplierId: supplier.id, revision: order.revision, days: params.policy.supplierLinkDays }, tx);
    const message: SendMailParams = {
      key: `${params.processId}:issue:r${order.revision}`,
      template: 'purchase-order',
      to,
      processId: params.processId,
      attachments: [{ documentId, filename, contentType: 'application/pdf' }],
      data: {
        supplierName: supplier.name,
        companyName: deps.company.name,
        subject: purchaseOrderMailSubject({ number: snapshot.number, supplierName: supplier.name, total: snapshot.total, currency: snapshot.currency, deliveryDate: snapshot.deliveryDate, revision: snapshot.revision, url: null }),
        revision: snapshot.revision,
        revisionReason: params.reason,
        buyerName: buyer?.name ?? null,
        buyerEmail: buyer?.email ?? null,
        confirmUrl: `${link.url}?action=confirm`,
        proposeDateUrl: `${link.url}?action=propose_date`,
        linksExpireAt: link.expiresAt,
      },
    };
    await mail.enqueue(tx, message);
  }

  /** The purchase order as the human-task activities see it; its record changes as the process's steps decide. */
  const subject: SubjectAdapter = {
    async describe(tx, id) {
      const order = await findPurchaseOrder(tx, id);
      if (!order) throw ApplicationFailure.nonRetryable(`purchase order ${id} does not exist`, 'PurchaseOrderMissing');
      const supplier = await findSupplierById(tx, order.supplierId);
      const number = order.number ?? 'Draft PO';
      const title = `Order to ${supplier?.name ?? 'supplier'}`;
      return { number, title, mail: purchaseOrderMailSubject({ number, supplierName: supplier?.name ?? '', total: order.total, currency: order.currency, deliveryDate: order.deliveryDate, revision: order.revision, url: orderUrl(publicUrl, id) }) };
    },

    nextStep: (outcome) => (outcome === 'issued' ? 'The order goes to the supplier as a PDF.' : null),

    async applyChange(tx, id, change: RecordChange, ctx, now) {
      const order = await findPurchaseOrder(tx, id, { lock: true });
      if (!order) throw ApplicationFailure.nonRetryable(`purchase order ${id} does not exist`, 'PurchaseOrderMissing');
      const facts = change.facts ?? {};
      const policy = (facts.policy as PurchasingPolicy | undefined) ?? (await readPurchasingPolicy(tx));
      const audits: AuditEntry[] = [];
      const before = { status: order.status, total: order.total, revision: order.revision };
      let current = order;

      const prepare = facts.prepare as PreparePurchaseOrderForm | undefined;
      if (prepare) {
        const prices = new Map(prepare.lines.map((line) => [line.lineId, line]));
        for (const line of order.lines) {
          const priced = prices.get(line.id);
          if (priced) await updatePurchaseOrderLine(tx, line.id, { unitPrice: priced.unitPrice, taxRate: priced.taxRate ?? policy.defaultTaxRate });
        }
        const number = order.number ?? documentNumber('PO', yearOf(now), await allocateDocumentNumber(tx, { kind: 'PO', year: yearOf(now) }));
        await updatePurchaseOrder(tx, id, { number, deliveryDate: prepare.deliveryDate, deliveryAddress: prepare.deliveryAddress, note: prepare.note ?? null, preparedById: change.onBehalfOfId ?? change.actorId });
        current = await refreshOrderMoney(tx, id, now);
        audits.push({ ...ctx, at: now, actorId: change.actorId, onBehalfOfId: change.onBehalfOfId, action: 'purchase_order.prepared', subjectType: 'PurchaseOrder', subjectId: id, before: { total: order.total }, after: { number, total: current.total, deliveryDate: prepare.deliveryDate, lines: prepare.lines } });
      }

      const changeOrder = facts.changeOrder as ChangeOrder | undefined;
      if (changeOrder) {
        const plan = planChangeOrder(current, changeOrder, policy.defaultTaxRate, { clamp: true });
        for (const line of plan.lines) {
          const values = { quantity: line.quantity, cancelledQuantity: line.cancelledQuantity, unitPrice: line.unitPrice, taxRate: line.taxRate, amount: line.amount, taxAmount: line.taxAmount };
          if (line.id) await updatePurchaseOrderLine(tx, line.id, values);
          else await insertPurchaseOrderLine(tx, { purchaseOrderId: id, lineNo: line.lineNo, description: line.description, unit: line.unit, glCode: line.glCode, ...values });
        }
        await updatePurchaseOrder(tx, id, { revision: order.revision + 1, ...(changeOrder.deliveryDate ? { deliveryDate: changeOrder.deliveryDate } : {}), ...(changeOrder.deliveryAddress ? { deliveryAddress: changeOrder.deliveryAddress } : {}) });
        current = await refreshOrderMoney(tx, id, now);
        audits.push({ ...ctx, at: now, actorId: change.actorId, onBehalfOfId: change.onBehalfOfId, action: 'purchase_order.revised', subjectType: 'PurchaseOrder', subjectId: id, before, after: { revision: current.revision, total: current.total, reason: changeOrder.reason, change: changeOrder } });
      }

      const dateDecision = facts.dateDecision as { accepted: boolean; date: string } | undefined;
      if (dateDecision) {
        await updatePurchaseOrder(tx, id, { acknowledgement: dateDecision.accepted ? 'date_accepted' : 'date_rejected', proposedDeliveryDate: null, ...(dateDecision.accepted ? { deliveryDate: dateDecision.date } : {}), updatedAt: now });
        audits.push({ ...ctx, at: now, actorId: change.actorId, onBehalfOfId: change.onBehalfOfId, action: dateDecision.accepted ? 'purchase_order.delivery_date_accepted' : 'purchase_order.delivery_date_rejected', subjectType: 'PurchaseOrder', subjectId: id, before: { deliveryDate: order.deliveryDate }, after: { proposedDate: dateDecision.date, comment: change.comment } });
        const { supplier, to } = await supplierRecipient(tx, order.supplierId);
        const buyer = await buyerOf(tx, order);
        await mail.enqueue(tx, {
          key: `${ctx.processId}:date-decision:${ctx.requestId}`,
          template: 'delivery-date-decision',
          to,
          processId: ctx.processId,
          data: { supplierName: supplier.name, companyName: deps.company.name, number: order.number!, accepted: dateDecision.accepted, proposedDate: dateDecision.date, deliveryDate: dateDecision.accepted ? dateDecision.date : order.deliveryDate, comment: change.comment, buyerName: buyer?.name ?? null, buyerEmail: buyer?.email ?? null },
        });
      }

      const cancel = facts.cancel as { reason: string } | undefined;
      let status = change.status as PurchaseOrderStatus;
      if (cancel) {
        const wasIssued = !['draft', 'pending_approval'].includes(order.status);
        for (const line of current.lines) {
          const cancelled = q(line.quantity) - q(acceptedQuantity(line));
          await updatePurchaseOrderLine(tx, line.id, { cancelledQuantity: show(cancelled) });
        }
        current = await refreshOrderMoney(tx, id, now);
        const receivedSomething = current.lines.some((line) => q(line.receivedQuantity) > 0n);
        status = receivedSomething ? 'received' : 'cancelled';
        await updatePurchaseOrder(tx, id, { cancelReason: cancel.reason, closedAt: status === 'cancelled' ? now : null });
        if (wasIssued) {
          const { supplier, to } = await supplierRecipient(tx, order.supplierId);
          const buyer = await buyerOf(tx, order);
          await mail.enqueue(tx, {
            key: `${ctx.processId}:cancelled:${ctx.requestId}`,
            template: 'purchase-order-cancelled',
            to,
            processId: ctx.processId,
            data: { supplierName: supplier.name, companyName: deps.company.name, number: order.number!, reason: cancel.reason, whole: !receivedSomething, lines: order.lines.map((line) => ({ description: line.description, unit: line.unit, quantity: show(q(line.quantity) - q(acceptedQuantity(line)) - q(line.cancelledQuantity)) })).filter((line) => q(line.quantity) > 0n), buyerName: buyer?.name ?? null, buyerEmail: buyer?.email ?? null },
          });
        }
      }

      const issue = facts.issue as { reason?: string | null } | undefined;
      if (status === 'issued' && issue) {
        // A revision of an order that goods have reached keeps its receiving status.
        const issuedStatus = ['partially_received', 'received'].includes(order.status) ? statusFromLines(current) : 'issued';
        await updatePurchaseOrder(tx, id, { status: issuedStatus, acknowledgement: 'awaiting', proposedDeliveryDate: null, acknowledgedAt: null, issuedAt: order.issuedAt ?? now, updatedAt: now });
        current = (await findPurchaseOrder(tx, id))!;
        await issueRevision(tx, current, { processId: ctx.processId, reason: issue.reason ?? null, byId: change.onBehalfOfId ?? change.actorId, policy, now });
        status = issuedStatus;
      } else if (status !== order.status) {
        await updatePurchaseOrder(tx, id, { status, updatedAt: now });
      }
      if (status !== order.status) {
        audits.push({ ...ctx, at: now, actorId: change.actorId, onBehalfOfId: change.onBehalfOfId, action: `purchase_order.${status}`, subjectType: 'PurchaseOrder', subjectId: id, before, after: { status, total: current.total, revision: current.revision, ...(change.comment ? { comment: change.comment } : {}), ...(cancel ? { reason: cancel.reason } : {}) } });
      }
      if (issue || cancel || changeOrder) await refreshRequisitions(tx, id, audits, ctx, now);
      for (const entry of audits) queueAudit(tx, entry);
    },
  };

  const inTransaction = <T>(work: (tx: Executor, audits: AuditEntry[]) => Promise<T>) => auditedTransaction(db, work);

  /** Tells each requester whose lines arrived (one mail per requester per receipt). */
  async function tellRequesters(tx: Executor, order: PurchaseOrderWithLines, receipt: { id: string; number: string }, arrived: Map<string, string>, processId: string) {
    const requisitions = await requisitionsOfOrder(tx, order.id);
    const lineRequisition = await requisitionIdsOfLines(tx, order.id);
    for (const requisition of requisitions) {
      const lines = order.lines.filter((line) => lineRequisition.get(line.id) === requisition.id && arrived.has(line.id));
      if (lines.length === 0) continue;
      const requester = await findUserById(tx, requisition.requesterId);
      if (!requester) continue;
      await mail.enqueue(tx, {
        key: `${processId}:arrived:${receipt.id}:${requester.id}`,
        template: 'goods-arrived',
        to: { userId: requester.id, address: requester.email, name: requester.name },
        processId,
        data: {
          recipientName: requester.name,
          receiptNumber: receipt.number,
          purchaseOrderNumber: order.number!,
          requisitionNumber: requisition.number ?? '',
          requisitionTitle: requisition.title,
          url: `${publicUrl}/requisitions/${requisition.id}`,
          lines: lines.map((line) => ({ description: line.description, unit: line.unit, quantityNow: arrived.get(line.id)!, acceptedSoFar: acceptedQuantity(line), ordered: show(q(line.quantity) - q(line.cancelledQuantity)) })),
        },
      });
    }
  }

  return {
    purchaseOrderSubject: subject,

    /**
     * Turns a requisition's approved lines into draft orders, one per
     * supplier; lines without a supplier come back for a buyer to assign.
     * A retry finds the lines already on drafts and makes none twice.
     */
    async planPurchaseOrders(params: { processId: string; requisitionId: string }) {
      return inTransaction(async (tx, audits) => {
        const now = clock();
        const policy = await readPurchasingPolicy(tx);
        const approval = await readPolicy<{ stepSla?: string }>(tx, 'approval');
        const heading = await findRequisitionHeading(tx, params.requisitionId);
        if (!heading) throw ApplicationFailure.nonRetryable(`requisition ${params.requisitionId} does not exist`, 'RequisitionMissing');
        const open = await unorderedRequisitionLines(tx, params.requisitionId);
        const bySupplier = new Map<string, typeof open>();
        for (const row of open) if (row.line.supplierId) bySupplier.set(row.line.supplierId, [...(bySupplier.get(row.line.supplierId) ?? []), row]);
        for (const [supplierId, rows] of bySupplier) {
          const supplier = await findSupplierById(tx, supplierId);
          if (!supplier) continue;
          const order = await insertDraftOrder(tx, {
            id: randomUUID(),
            requisitionId: params.requisitionId,
            requesterId: heading.requesterId,
            supplierId,
            paymentTermsDays: supplier.paymentTermsDays,
            deliveryAddress: policy.deliveryAddress,
            taxRate: policy.defaultTaxRate,
            lines: rows.map((row) => ({ requisitionLineId: row.line.id, description: row.line.description, unit: row.line.unit, quantity: row.open, unitPrice: row.line.unitPrice, glCode: row.line.glCode })),
            now,
          });
          audits.push({ ...context(params.processId, `${params.processId}:plan`), at: now, actorId: null, action: 'purchase_order.drafted', subjectType: 'PurchaseOrder', subjectId: order.id, after: { requisitionId: params.requisitionId, supplierId, lines: order.lines.length, total: order.total, workflowId: order.workflowId } });
        }
        return {
          orders: await listPurchaseOrderIdsOfRequisition(tx, params.requisitionId),
          unassigned: open.filter((row) => !row.line.supplierId || !bySupplier.has(row.line.supplierId)).map((row) => ({ lineId: row.line.id, lineNo: row.line.lineNo, description: row.line.description, quantity: row.open, unit: row.line.unit, unitPrice: row.line.unitPrice })),
          requesterId: heading.requesterId,
          policy,
          approvalSla: approval?.stepSla ?? 'P2D',
        };
      });
    },

    /** What the prepare step shows and prices: the draft's lines, the supplier and the defaults. */
    async readPurchaseOrder(params: { purchaseOrderId: string }) {
      const order = await findPurchaseOrder(db, params.purchaseOrderId);
      if (!order) throw ApplicationFailure.nonRetryable(`purchase order ${params.purchaseOrderId} does not exist`, 'PurchaseOrderMissing');
      const supplier = await findSupplierById(db, order.supplierId);
      return {
        number: order.number,
        status: order.status,
        total: order.total,
        revision: order.revision,
        preparedById: order.preparedById,
        acknowledgement: order.acknowledgement,
        deliveryDate: order.deliveryDate,
        supplier: { id: order.supplierId, name: supplier?.name ?? '', paymentTermsDays: order.paymentTermsDays },
        deliveryAddress: order.deliveryAddress,
        lines: draftLines(order),
      };
    },

    /**
     * A goods receipt, once per receipt id: checks each line against what may
     * still arrive (exactly, with the policy's tolerance), numbers it, moves
     * the stock, moves the order's status and tells the requesters.
     */
    async recordReceipt(params: { processId: string; receiptId: string; purchaseOrderId: string; actorId: string; body: CreateReceiptBody; tolerancePercent: string }) {
      return inTransaction(async (tx, audits) => {
        const now = clock();
        const order = await findPurchaseOrder(tx, params.purchaseOrderId, { lock: true });
        if (!order) throw refuse('no such purchase order');
        const existing = await findReceipt(tx, params.receiptId);
        if (existing) return { receiptId: existing.id, number: existing.number, status: order.status, invoiceWorkflows: await waitingInvoices(tx, order.id) };
        if (!['issued', 'partially_received'].includes(order.status)) throw refuse(`the order is ${order.status.replaceAll('_', ' ')}: nothing more can be received`);
        const byId = new Map(order.lines.map((line) => [line.id, line]));
        const errors: { path: string; message: string }[] = [];
        const seen = new Set<string>();
        params.body.lines.forEach((entry, index) => {
          const line = byId.get(entry.purchaseOrderLineId);
          if (!line) return void errors.push({ path: `lines.${index}.purchaseOrderLineId`, message: 'not a line of this purchase order' });
          if (seen.has(line.id)) return void errors.push({ path: `lines.${index}.purchaseOrderLineId`, message: 'listed twice' });
          seen.add(line.id);
          const rejected = q(entry.quantityRejected ?? '0');
          if (rejected > q(entry.quantityReceived)) return void errors.push({ path: `lines.${index}.quantityRejected`, message: 'cannot exceed the quantity received' });
          const room = receivableQuantity(line, params.tolerancePercent);
          if (q(entry.quantityReceived) - rejected > q(room)) {
            errors.push({ path: `lines.${index}.quantityReceived`, message: `over-receipt: line ${line.lineNo} (${line.description}) can take at most ${formatQuantity(room)} ${line.unit} more: ${formatQuantity(show(q(line.quantity) - q(line.cancelledQuantity)))} ordered, ${formatQuantity(acceptedQuantity(line))} accepted so far, tolerance ${formatQuantity(params.tolerancePercent)}%` });
          }
        });
        if (params.body.lines.every((entry) => q(entry.quantityReceived) === 0n)) errors.push({ path: 'lines', message: 'a receipt receives something' });
        if (errors.length) throw refuse(errors.map((error) => error.message).join('; '), errors);

        const number = documentNumber('GR', yearOf(now), await allocateDocumentNumber(tx, { kind: 'GR', year: yearOf(now) }));
        const defaultLocation = params.body.location ?? 'MAIN';
        const lines = await insertReceipt(
          tx,
          { id: params.receiptId, number, purchaseOrderId: order.id, receivedById: params.actorId, receivedAt: now, deliveryNote: params.body.deliveryNote ?? null, note: params.body.note ?? null },
          params.body.lines.filter((entry) => q(entry.quantityReceived) > 0n).map((entry) => ({ receiptId: params.receiptId, purchaseOrderLineId: entry.purchaseOrderLineId, quantityReceived: entry.quantityReceived, quantityRejected: entry.quantityRejected ?? '0', location: entry.location ?? defaultLocation })),
        );
        const arrived = new Map<string, string>();
        for (const line of lines) {
          const poLine = byId.get(line.purchaseOrderLineId)!;
          await addToLine(tx, poLine.id, { received: line.quantityReceived, rejected: line.quantityRejected });
          const accepted = q(line.quantityReceived) - q(line.quantityRejected);
          arrived.set(poLine.id, show(accepted));
          if (accepted > 0n) await moveStock(tx, { kind: 'receipt', location: line.location, item: poLine.description, unit: poLine.unit, quantity: show(accepted), purchaseOrderLineId: poLine.id, documentId: params.receiptId, documentNumber: number, at: now });
        }
        const after = (await findPurchaseOrder(tx, order.id))!;
        const status = statusFromLines(after);
        const ctx = context(params.processId, `receipt:${params.receiptId}`);
        audits.push({ ...ctx, at: now, actorId: params.actorId, action: 'goods_receipt.recorded', subjectType: 'GoodsReceipt', subjectId: params.receiptId, after: { number, purchaseOrderId: order.id, purchaseOrderNumber: order.number, lines: lines.map((line) => ({ purchaseOrderLineId: line.purchaseOrderLineId, received: line.quantityReceived, rejected: line.quantityRejected, location: line.location })) } });
        if (status !== order.status) {
          await updatePurchaseOrder(tx, order.id, { status, updatedAt: now });
          audits.push({ ...ctx, at: now, actorId: params.actorId, action: `purchase_order.${status}`, subjectType: 'PurchaseOrder', subjectId: order.id, before: { status: order.status }, after: { status, receipt: number } });
        }
        await tellRequesters(tx, after, { id: params.receiptId, number }, new Map([...arrived].filter(([, quantity]) => q(quantity) > 0n)), params.processId);
        return { receiptId: params.receiptId, number, status, invoiceWorkflows: await waitingInvoices(tx, order.id) };
      }).finally(() => mail.deliverPending(params.processId));
    },

    /** A return to vendor, once per return id: reduces the accepted quantity and the stock, reopens what the order expects, tells the supplier. */
    async recordReturn(params: { processId: string; returnId: string; receiptId: string; actorId: string; body: CreateReturnBody }) {
      return inTransaction(async (tx, audits) => {
        const now = clock();
        const receipt = await findReceipt(tx, params.receiptId);
        if (!receipt) throw refuse('no such goods receipt');
        const order = (await findPurchaseOrder(tx, receipt.purchaseOrderId, { lock: true }))!;
        const existing = await findReturn(tx, params.returnId);
        if (existing) return { returnId: existing.id, number: existing.number, status: order.status, invoiceWorkflows: await waitingInvoices(tx, order.id) };
        if (['cancelled', 'closed'].includes(order.status)) throw refuse(`the order is ${order.status}`);
        const byId = new Map(receipt.lines.map((row) => [row.line.id, row]));
        const errors: { path: string; message: string }[] = [];
        const seen = new Set<string>();
        for (const [index, entry] of params.body.lines.entries()) {
          const row = byId.get(entry.receiptLineId);
          if (!row) {
            errors.push({ path: `lines.${index}.receiptLineId`, message: 'not a line of this receipt' });
            continue;
          }
          if (seen.has(entry.receiptLineId)) {
            errors.push({ path: `lines.${index}.receiptLineId`, message: 'listed twice' });
            continue;
          }
          seen.add(entry.receiptLineId);
          const returnable = q(row.line.quantityReceived) - q(row.line.quantityRejected) - q(row.line.quantityReturned);
          if (q(entry.quantity) > returnable) errors.push({ path: `lines.${index}.quantity`, message: `at most ${formatQuantity(show(returnable))} ${row.poLine.unit} of this receipt line can still be returned` });
          else {
            const onHand = await stockOf(tx, { location: row.line.location, item: row.poLine.description, unit: row.poLine.unit });
            if (q(entry.quantity) > q(onHand)) errors.push({ path: `lines.${index}.quantity`, message: `only ${formatQuantity(onHand)} ${row.poLine.unit} on hand at ${row.line.location}` });
          }
        }
        if (errors.length) throw refuse(errors.map((error) => error.message).join('; '), errors);
        const number = documentNumber('RTV', yearOf(now), await allocateDocumentNumber(tx, { kind: 'RTV', year: yearOf(now) }));
        await insertReturn(
          tx,
          { id: params.returnId, number, receiptId: receipt.id, purchaseOrderId: order.id, reason: params.body.reason, returnedById: params.actorId, returnedAt: now },
          params.body.lines.map((entry) => ({ returnId: params.returnId, receiptLineId: entry.receiptLineId, purchaseOrderLineId: byId.get(entry.receiptLineId)!.line.purchaseOrderLineId, quantity: entry.quantity })),
        );
        for (const entry of params.body.lines) {
          const row = byId.get(entry.receiptLineId)!;
          await addReturnedToReceiptLine(tx, row.line.id, entry.quantity);
          await addToLine(tx, row.poLine.id, { returned: entry.quantity });
          await moveStock(tx, { kind: 'return', location: row.line.location, item: row.poLine.description, unit: row.poLine.unit, quantity: show(-q(entry.quantity)), purchaseOrderLineId: row.poLine.id, documentId: params.returnId, documentNumber: number, at: now });
        }
        const after = (await findPurchaseOrder(tx, order.id))!;
        const status = order.status === 'issued' || order.status === 'partially_received' || order.status === 'received' ? statusFromLines(after) : order.status;
        const ctx = context(params.processId, `return:${params.returnId}`);
        audits.push({ ...ctx, at: now, actorId: params.actorId, action: 'vendor_return.recorded', subjectType: 'VendorReturn', subjectId: params.returnId, after: { number, receipt: receipt.number, purchaseOrderId: order.id, reason: params.body.reason, lines: params.body.lines } });
        if (status !== order.status) {
          await updatePurchaseOrder(tx, order.id, { status, updatedAt: now });
          audits.push({ ...ctx, at: now, actorId: params.actorId, action: `purchase_order.${status}`, subjectType: 'PurchaseOrder', subjectId: order.id, before: { status: order.status }, after: { status, return: number } });
        }
        const { supplier, to } = await supplierRecipient(tx, order.supplierId);
        const buyer = await buyerOf(tx, order);
        await mail.enqueue(tx, {
          key: `${params.processId}:return:${params.returnId}`,
          template: 'return-to-vendor',
          to,
          processId: params.processId,
          data: { supplierName: supplier.name, companyName: deps.company.name, returnNumber: number, purchaseOrderNumber: order.number!, receiptNumber: receipt.number, reason: params.body.reason, lines: params.body.lines.map((entry) => ({ description: byId.get(entry.receiptLineId)!.poLine.description, quantity: entry.quantity, unit: byId.get(entry.receiptLineId)!.poLine.unit })), buyerName: buyer?.name ?? null, buyerEmail: buyer?.email ?? null },
        });
        return { returnId: params.returnId, number, status, invoiceWorkflows: await waitingInvoices(tx, order.id) };
      }).finally(() => mail.deliverPending(params.processId));
    },

    /** Checks a change order against the order as it is now (the API checked it too; a delivery may have come since). */
    async checkChangeOrder(params: { purchaseOrderId: string; change: ChangeOrder }) {
      const order = await findPurchaseOrder(db, params.purchaseOrderId);
      if (!order) throw refuse('no such purchase order');
      if (!['issued', 'partially_received'].includes(order.status)) throw refuse(`the order is ${order.status.replaceAll('_', ' ')}: it cannot be revised`);
      const policy = await readPurchasingPolicy(db);
      const plan = planChangeOrder(order, params.change, policy.defaultTaxRate);
      if (plan.issues.length) throw refuse(plan.issues.map((issue) => issue.message).join('; '), plan.issues);
      return { previousTotal: plan.previousTotal, total: plan.totals.total, revision: order.revision + 1 };
    },

    /** The supplier's answer through their link, once per link: confirmed, or another date proposed (the buyer then decides). */
    async recordSupplierResponse(params: { processId: string; linkId: string; purchaseOrderId: string; response: SupplierResponseBody }) {
      return inTransaction(async (tx, audits) => {
        const now = clock();
        const order = await findPurchaseOrder(tx, params.purchaseOrderId, { lock: true });
        if (!order) throw refuse('no such purchase order');
        const link = await findSupplierLink(tx, params.linkId, { lock: true });
        if (!link || link.purchaseOrderId !== order.id) throw refuse('this link is not for this order');
        if (link.usedAt) return { acknowledgement: order.acknowledgement, recorded: false };
        if (link.revision !== order.revision) throw refuse(`this link is for revision ${link.revision}; the order is now at revision ${order.revision}`);
        const response = { action: params.response.action, deliveryDate: params.response.deliveryDate ?? null, comment: params.response.comment ?? null };
        await useSupplierLink(tx, { id: link.id, response, now });
        const proposing = response.action === 'propose_date';
        await updatePurchaseOrder(tx, order.id, { acknowledgement: proposing ? 'date_proposed' : 'confirmed', acknowledgedAt: now, proposedDeliveryDate: proposing ? response.deliveryDate : null, updatedAt: now });
        audits.push({ ...context(params.processId, `supplier-link:${link.id}`), at: now, actorId: null, action: proposing ? 'purchase_order.date_proposed' : 'purchase_order.acknowledged', subjectType: 'PurchaseOrder', subjectId: order.id, before: { acknowledgement: order.acknowledgement, deliveryDate: order.deliveryDate }, after: { by: 'supplier', supplierId: order.supplierId, revision: link.revision, ...response } });
        const buyer = await buyerOf(tx, order);
        const supplier = await findSupplierById(tx, order.supplierId);
        if (buyer) {
          await mail.enqueue(tx, {
            key: `${params.processId}:supplier-response:${link.id}`,
            template: 'supplier-response',
            to: { userId: buyer.id, address: buyer.email, name: buyer.name },
            processId: params.processId,
            data: { recipientName: buyer.name, supplierName: supplier?.name ?? '', number: order.number!, confirmed: !proposing, currentDate: order.deliveryDate, proposedDate: response.deliveryDate, comment: response.comment, url: orderUrl(publicUrl, order.id) },
          });
        }
        return { acknowledgement: proposing ? 'date_proposed' : 'confirmed', recorded: true, proposedDate: response.deliveryDate };
      }).finally(() => mail.deliverPending(params.processId));
    },

    /** The buyer hears once per revision that the supplier has not acknowledged the order. */
    async remindAcknowledgement(params: { processId: string; purchaseOrderId: string; revision: number; days: number }) {
      return inTransaction(async (tx, audits) => {
        const order = await findPurchaseOrder(tx, params.purchaseOrderId);
        if (!order || order.acknowledgement !== 'awaiting' || order.revision !== params.revision) return { reminded: false };
        const buyer = await buyerOf(tx, order);
        const supplier = await findSupplierById(tx, order.supplierId);
        if (!buyer) return { reminded: false };
        const queued = await mail.enqueue(tx, {
          key: `${params.processId}:ack-reminder:r${params.revision}`,
          template: 'acknowledgement-reminder',
          to: { userId: buyer.id, address: buyer.email, name: buyer.name },
          processId: params.processId,
          data: { recipientName: buyer.name, number: order.number!, supplierName: supplier?.name ?? '', issuedAt: order.issuedAt?.toISOString() ?? null, businessDays: params.days, url: orderUrl(publicUrl, order.id) },
        });
        if (queued) audits.push({ ...context(params.processId, `${params.processId}:ack-reminder:r${params.revision}`), at: clock(), actorId: null, action: 'purchase_order.acknowledgement_reminder', subjectType: 'PurchaseOrder', subjectId: order.id, after: { revision: params.revision, buyerId: buyer.id, businessDays: params.days } });
        return { reminded: queued };
      }).finally(() => mail.deliverPending(params.processId));
    },
  };
}

export type PurchasingActivities = Omit<ReturnType<typeof createPurchasingActivities>, 'purchaseOrderSubject'>;
