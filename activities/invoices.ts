import { ApplicationFailure } from '@temporalio/activity';
import { and, eq, inArray } from 'drizzle-orm';
import { MONEY_SCALE, PRICE_SCALE, acceptedQuantity, formatDecimal, parseDecimal } from '@p2p/domain';
import {
  defaultMatchingPolicy,
  holdReasonLabels,
  matchInvoice,
  paymentDates,
  tolerancesFor,
  type HoldReason,
  type InvoiceStatus,
  type MatchingPolicy,
  type MatchLine,
  type MatchResult,
  type MatchTolerances,
  type RecordPaymentBody,
} from '@p2p/domain/invoicing';
import type { Executor } from '../db/client.ts';
import type { AuditEntry } from '../db/queries/audit.ts';
import { auditedTransaction } from './audited-transaction.ts';
import {
  creditNotesOf,
  findInvoice,
  findMatch,
  findPossibleDuplicate,
  insertHolds,
  insertMatch,
  insertPayment,
  invoiceLinesOfOrder,
  liveInvoicesOfOrder,
  netTotalOf,
  openHolds,
  openOrdersOfRequisition,
  paidQuantitiesOfOrder,
  refreshInvoicedQuantities,
  releaseOpenHolds,
  supplierTolerances,
  updateHold,
  updateInvoice,
  type InvoiceWithLines,
} from '../db/queries/invoicing.ts';
import { findPurchaseOrder, requisitionsOfOrder, updatePurchaseOrder } from '../db/queries/purchasing.ts';
import { findRequisitionHeading, readPolicy, updateRequisitionStatus } from '../db/queries/requisitions.ts';
import { findSupplierById } from '../db/queries/suppliers.ts';
import { findUserById } from '../db/queries/users.ts';
import { invoiceHolds, purchaseOrders } from '../db/schema/index.ts';
import { queueAudit, type RecordChange, type SubjectAdapter } from './human-tasks.ts';
import { invoiceMailSubject } from './mail/subjects.ts';
import type { MailInvoiceHold } from './mail/templates.ts';
import type { ActivityDeps } from './index.ts';

/**
 * The invoice match process's effects (SPEC 4.3): each match round written
 * once (its holds placed and released with it), the invoice's record as its
 * steps change it (variance accepted, approved, rejected, paid), the mails
 * to the supplier and the buyer, and the purchase order's close once every
 * invoice is settled. One database transaction each, idempotent by round,
 * request id or the payment's key, so Temporal's retries change nothing twice.
 */

export const MATCHING_POLICY = 'matching';

/** The matching policy in force now (a running match keeps the one it started with). */
export async function readMatchingPolicy(db: Executor): Promise<MatchingPolicy> {
  return { ...defaultMatchingPolicy, ...((await readPolicy<Partial<MatchingPolicy>>(db, MATCHING_POLICY)) ?? {}) };
}

const q = (value: string) => parseDecimal(value, PRICE_SCALE);
const m = (value: string) => parseDecimal(value, MONEY_SCALE);
const showQ = (value: bigint) => formatDecimal(value, PRICE_SCALE);
const showM = (value: bigint) => formatDecimal(value, MONEY_SCALE);
const invoiceUrl = (publicUrl: string, id: string) => `${publicUrl}/invoices/${id}`;

/** A hold as the process and its tasks see it. */
export interface HoldView {
  reason: HoldReason;
  label: string;
  lineNo: number | null;
  detail: string;
  expected: string;
  actual: string;
  variance: string;
  allowed: string;
  aboveTwiceTolerance: boolean;
}

/** One match round's answer to the process. */
export interface MatchOutcome {
  round: number;
  matched: boolean;
  waitingForGoods: boolean;
  needsSecondApproval: boolean;
  holds: HoldView[];
  matchLines: MatchLine[];
  /** The invoice's total net of its credit notes. */
  total: string;
  acceptedPriceVariance: string;
}

const outcomeOf = (round: number, result: MatchResult): MatchOutcome => ({
  round,
  matched: result.matched,
  waitingForGoods: result.waitingForGoods,
  needsSecondApproval: result.needsSecondApproval,
  holds: result.holds.map((hold) => ({ reason: hold.reason, label: holdReasonLabels[hold.reason], lineNo: hold.lineNo, detail: hold.detail, expected: hold.expected, actual: hold.actual, variance: hold.variance, allowed: hold.allowed, aboveTwiceTolerance: hold.aboveTwiceTolerance })),
  matchLines: result.lines,
  total: result.header.total,
  acceptedPriceVariance: result.acceptedPriceVariance,
});

/** Why the record changed, as the process's steps decide it (facts of a RecordChange). */
export interface InvoiceFacts {
  acceptVariance?: { acceptedById: string; confirmedById: string | null; note: string | null };
  approve?: { automatic: boolean };
  reject?: { reason: string };
  creditNoteRequest?: { reason: string };
  hold?: { note: string };
  escalated?: { reason: string };
  payment?: RecordPaymentBody & { paymentRunId: string | null; recordedById: string | null };
}

export function createInvoicingActivities(deps: ActivityDeps) {
  const { db, clock, mail, publicUrl } = deps;
  const context = (processId: string, requestId: string) => ({ processId, requestId, ip: null, userAgent: 'worker' });

  /** The invoice with its credit notes: what a supplier mail says about it. */
  async function supplierMailOf(tx: Executor, invoice: InvoiceWithLines) {
    const supplier = await findSupplierById(tx, invoice.supplierId);
    if (!supplier) throw ApplicationFailure.nonRetryable(`supplier ${invoice.supplierId} does not exist`, 'SupplierMissing');
    const order = await findPurchaseOrder(tx, invoice.purchaseOrderId);
    const buyer = order?.preparedById ? await findUserById(tx, order.preparedById) : undefined;
    const holds: MailInvoiceHold[] = (await openHolds(tx, invoice.id)).map((hold) => ({ label: holdReasonLabels[hold.reason], detail: hold.detail }));
    return {
      to: { userId: null, address: supplier.email, name: supplier.name },
      data: { supplierName: supplier.name, companyName: deps.company.name, buyerName: buyer?.name ?? null, buyerEmail: buyer?.email ?? null, invoiceNumber: invoice.invoiceNumber, invoiceDate: invoice.invoiceDate, purchaseOrderNumber: invoice.purchaseOrderNumber ?? '', total: invoice.total, currency: invoice.currency, holds },
    };
  }

  /** Credit notes follow the invoice they correct: approved, paid or rejected with it. */
  async function carryCreditNotes(tx: Executor, invoiceId: string, status: InvoiceStatus, now: Date): Promise<void> {
    for (const note of await creditNotesOf(tx, invoiceId)) {
      if (note.status !== 'rejected' && note.status !== status) await updateInvoice(tx, note.id, { status, updatedAt: now });
    }
  }

  /** The invoice as the human-task activities see it; its record changes as the process's steps decide. */
  const subject: SubjectAdapter = {
    async describe(tx, id) {
      const invoice = await findInvoice(tx, id);
      if (!invoice) throw ApplicationFailure.nonRetryable(`invoice ${id} does not exist`, 'InvoiceMissing');
      const holds = await openHolds(tx, id);
      const kindLabel = invoice.kind === 'credit_note' ? 'Credit note' : 'Invoice';
      return {
        number: invoice.number,
        title: `${kindLabel} ${invoice.invoiceNumber} from ${invoice.supplierName}`,
        mail: invoiceMailSubject({ number: invoice.number, invoiceNumber: invoice.invoiceNumber, kindLabel, supplierName: invoice.supplierName, purchaseOrderNumber: invoice.purchaseOrderNumber, total: invoice.total, currency: invoice.currency, dueDate: invoice.dueDate, holds: [...new Set(holds.map((hold) => holdReasonLabels[hold.reason]))], url: invoiceUrl(publicUrl, id) }),
      };
    },

    nextStep: (outcome) => (outcome === 'approved' ? 'The invoice is scheduled for payment on its due date.' : null),

    async applyChange(tx, id, change: RecordChange, ctx, now) {
      const invoice = await findInvoice(tx, id, { lock: true });
      if (!invoice) throw ApplicationFailure.nonRetryable(`invoice ${id} does not exist`, 'InvoiceMissing');
      const facts = (change.facts ?? {}) as InvoiceFacts;
      const audits: AuditEntry[] = [];
      const by = { actorId: change.actorId, onBehalfOfId: change.onBehalfOfId };
      const entry = (action: string, after: Record<string, unknown>, before?: Record<string, unknown>) => audits.push({ ...ctx, at: now, ...by, action, subjectType: 'Invoice', subjectId: id, ...(before ? { before } : {}), after });
      let status = change.status as InvoiceStatus;

      if (facts.acceptVariance) {
        const held = await openHolds(tx, id);
        await releaseOpenHolds(tx, { invoiceId: id, release: 'accepted', byId: facts.acceptVariance.acceptedById, note: facts.acceptVariance.note, round: null, now });
        await updateInvoice(tx, id, { varianceAcceptedById: facts.acceptVariance.acceptedById });
        entry('invoice.variance_accepted', { acceptedById: facts.acceptVariance.acceptedById, confirmedById: facts.acceptVariance.confirmedById, note: facts.acceptVariance.note, holds: held.map((hold) => ({ reason: hold.reason, lineNo: hold.lineNo, expected: hold.expected, actual: hold.actual, variance: hold.variance })) });
      }
      if (facts.creditNoteRequest) {
        const { to, data } = await supplierMailOf(tx, invoice);
        await mail.enqueue(tx, { key: `${ctx.processId}:credit-note-request:${ctx.requestId}`, template: 'invoice-credit-note-request', to, processId: ctx.processId, data: { ...data, reason: facts.creditNoteRequest.reason } });
        entry('invoice.credit_note_requested', { reason: facts.creditNoteRequest.reason, supplierEmail: to.address });
      }
      if (facts.hold) entry('invoice.kept_on_hold', { note: facts.hold.note });
      if (facts.escalated) entry('invoice.escalated', { reason: facts.escalated.reason });
      if (facts.reject) {
        const { to, data } = await supplierMailOf(tx, invoice);
        await releaseOpenHolds(tx, { invoiceId: id, release: 'rejected', byId: change.actorId, note: facts.reject.reason, round: null, now });
        await updateInvoice(tx, id, { rejectedAt: now, rejectedById: change.onBehalfOfId ?? change.actorId, rejectionReason: facts.reject.reason });
        await mail.enqueue(tx, { key: `${ctx.processId}:rejected`, template: 'invoice-rejected', to, processId: ctx.processId, data: { ...data, reason: facts.reject.reason } });
        status = 'rejected';
      }
      if (facts.approve) {
        const supplier = (await findSupplierById(tx, invoice.supplierId))!;
        const order = await findPurchaseOrder(tx, invoice.purchaseOrderId);
        const net = await netTotalOf(tx, invoice);
        const dates = paymentDates(invoice.invoiceDate, { netDays: order?.paymentTermsDays ?? supplier.paymentTermsDays, discountPercent: supplier.discountPercent, discountDays: supplier.discountDays }, net);
        await updateInvoice(tx, id, { approvedAt: now, approvedById: facts.approve.automatic ? null : (change.onBehalfOfId ?? change.actorId), approvedAutomatically: facts.approve.automatic, dueDate: dates.dueDate, discountDate: dates.discountDate, discountAmount: dates.discountAmount, terms: dates.terms });
        entry('invoice.approved', { automatic: facts.approve.automatic, total: net, dueDate: dates.dueDate, discountDate: dates.discountDate, discountAmount: dates.discountAmount, terms: dates.terms, comment: change.comment });
        status = 'approved';
      }
      if (facts.payment) {
        const paid = await insertPayment(tx, { invoiceId: id, reference: facts.payment.reference, paidOn: facts.payment.paidOn, amount: facts.payment.amount, paymentRunId: facts.payment.paymentRunId, recordedById: facts.payment.recordedById, recordedAt: now });
        if (paid) entry('invoice.paid', { reference: facts.payment.reference, paidOn: facts.payment.paidOn, amount: facts.payment.amount, paymentRunId: facts.payment.paymentRunId });
        await updateInvoice(tx, id, { paidAt: now });
        status = 'paid';
      }
      if (status !== invoice.status) {
        await updateInvoice(tx, id, { status, updatedAt: now });
        if (!['approved', 'paid'].includes(status)) entry(`invoice.${status}`, { status, comment: change.comment }, { status: invoice.status });
        else audits.push({ ...ctx, at: now, ...by, action: 'invoice.status_changed', subjectType: 'Invoice', subjectId: id, before: { status: invoice.status }, after: { status } });
        if (['approved', 'paid', 'rejected'].includes(status)) await carryCreditNotes(tx, id, status, now);
        if (status === 'rejected') await refreshInvoicedQuantities(tx, invoice.purchaseOrderId);
      }
      for (const audit of audits) queueAudit(tx, audit);
    },
  };

  const inTransaction = <T>(work: (tx: Executor, audits: AuditEntry[]) => Promise<T>) => auditedTransaction(db, work);

  /** The match's input for one invoice: its lines and credit notes against the PO's lines, after the PO's earlier invoices. */
  async function matchInputOf(tx: Executor, invoice: InvoiceWithLines, tolerances: MatchTolerances, policy: MatchingPolicy) {
    const order = (await findPurchaseOrder(tx, invoice.purchaseOrderId))!;
    const rows = await invoiceLinesOfOrder(tx, order.id);
    const seqOf = new Map<string, number>();
    for (const row of rows) if (row.kind === 'invoice') seqOf.set(row.invoiceId, row.seq);
    const ownerOf = (row: (typeof rows)[number]) => (row.kind === 'credit_note' ? row.creditForId! : row.invoiceId);
    const goods = (row: (typeof rows)[number]) => (row.kind === 'credit_note' ? (q(row.quantity) < 0n ? q(row.quantity) : 0n) : q(row.quantity));
    const before = new Map<string, bigint>();
    const ours = new Map<string, { quantity: bigint; amount: bigint }>();
    for (const row of rows) {
      if (row.status === 'rejected') continue;
      const owner = ownerOf(row);
      if (owner === invoice.id) {
        const sum = ours.get(row.purchaseOrderLineId) ?? { quantity: 0n, amount: 0n };
        ours.set(row.purchaseOrderLineId, { quantity: sum.quantity + goods(row), amount: sum.amount + m(row.amount) });
      } else if ((seqOf.get(owner) ?? Number.MAX_SAFE_INTEGER) < invoice.seq) {
        before.set(row.purchaseOrderLineId, (before.get(row.purchaseOrderLineId) ?? 0n) + goods(row));
      }
    }
    const credits = (await creditNotesOf(tx, invoice.id)).filter((note) => note.status !== 'rejected');
    const duplicate = invoice.kind === 'invoice' ? await findPossibleDuplicate(tx, { id: invoice.id, supplierId: invoice.supplierId, total: invoice.total, invoiceDate: invoice.invoiceDate, windowDays: policy.duplicateWindowDays }) : undefined;
    return {
      lines: order.lines
        .filter((line) => ours.has(line.id))
        .map((line) => ({
          purchaseOrderLineId: line.id,
          lineNo: line.lineNo,
          description: line.description,
          unit: line.unit,
          ordered: showQ(q(line.quantity) - q(line.cancelledQuantity)),
          accepted: acceptedQuantity(line),
          poUnitPrice: line.unitPrice,
          taxRate: line.taxRate,
          invoicedBefore: showQ(before.get(line.id) ?? 0n),
          quantity: showQ(ours.get(line.id)!.quantity),
          amount: showM(ours.get(line.id)!.amount),
        })),
      taxAmount: showM(m(invoice.taxAmount) + credits.reduce((sum, note) => sum + m(note.taxAmount), 0n)),
      total: showM(m(invoice.total) + credits.reduce((sum, note) => sum + m(note.total), 0n)),
      tolerances,
      duplicateOf: duplicate ? { invoiceId: duplicate.id, invoiceNumber: duplicate.invoiceNumber, invoiceDate: duplicate.invoiceDate } : null,
    };
  }

  return {
    invoiceSubject: subject,

    /**
     * One match round of an invoice, written once: the first at entry, then
     * one per receipt, return or credit note the process hears of. Under a
     * lock on the PO's row, so receipts and the PO's other invoices are seen
     * whole. Holds the round no longer finds are released (`matched`), new
     * ones placed; the buyer hears once that the invoice waits for goods.
     */
    async matchInvoiceRound(params: { processId: string; invoiceId: string; round: number; trigger: string; policy: MatchingPolicy }): Promise<MatchOutcome> {
      return inTransaction(async (tx, audits) => {
        const now = clock();
        const head = await findInvoice(tx, params.invoiceId);
        if (!head) throw ApplicationFailure.nonRetryable(`invoice ${params.invoiceId} does not exist`, 'InvoiceMissing');
        await tx.select({ id: purchaseOrders.id }).from(purchaseOrders).where(eq(purchaseOrders.id, head.purchaseOrderId)).for('update');
        const existing = await findMatch(tx, params.invoiceId, params.round);
        if (existing) return outcomeOf(params.round, existing.result);
        const invoice = (await findInvoice(tx, params.invoiceId, { lock: true }))!;
        const override = await supplierTolerances(tx, invoice.supplierId);
        const tolerances = tolerancesFor(params.policy, override?.tolerances);
        const result = matchInvoice(await matchInputOf(tx, invoice, tolerances, params.policy));
        await insertMatch(tx, { invoiceId: invoice.id, round: params.round, matched: result.matched, result: { ...result, tolerances }, trigger: params.trigger, matchedAt: now });

        const open = await openHolds(tx, invoice.id);
        const keyOf = (hold: { reason: string; lineId: string | null }) => `${hold.reason}:${hold.lineId ?? ''}`;
        const found = new Map(result.holds.map((hold) => [keyOf(hold), hold]));
        const released = open.filter((hold) => !found.has(keyOf(hold)));
        if (released.length) {
          await tx
            .update(invoiceHolds)
            .set({ releasedAt: now, release: 'matched', releasedRound: params.round, releaseNote: `cleared by match round ${params.round} (${params.trigger})` })
            .where(and(eq(invoiceHolds.invoiceId, invoice.id), inArray(invoiceHolds.id, released.map((hold) => hold.id))));
        }
        const still = new Map(open.filter((hold) => found.has(keyOf(hold))).map((hold) => [keyOf(hold), hold]));
        for (const [key, hold] of found) {
          const current = still.get(key);
          if (current) await updateHold(tx, current.id, { expected: hold.expected, actual: hold.actual, variance: hold.variance, allowed: hold.allowed, detail: hold.detail, aboveTwiceTolerance: hold.aboveTwiceTolerance });
        }
        const placed = result.holds.filter((hold) => !still.has(keyOf(hold)));
        await insertHolds(tx, placed.map((hold) => ({ invoiceId: invoice.id, reason: hold.reason, lineId: hold.lineId, lineNo: hold.lineNo, expected: hold.expected, actual: hold.actual, variance: hold.variance, allowed: hold.allowed, aboveTwiceTolerance: hold.aboveTwiceTolerance, detail: hold.detail, placedRound: params.round, placedAt: now })));

        const status: InvoiceStatus = result.matched ? 'matching' : 'on_hold';
        if (invoice.status === 'matching' || invoice.status === 'on_hold') await updateInvoice(tx, invoice.id, { status, matchedAt: invoice.matchedAt ?? now, updatedAt: now });
        const ctx = context(params.processId, `${params.processId}:match-${params.round}`);
        audits.push({
          ...ctx,
          at: now,
          actorId: null,
          action: result.matched ? 'invoice.matched' : 'invoice.held',
          subjectType: 'Invoice',
          subjectId: invoice.id,
          before: { status: invoice.status },
          after: {
            round: params.round,
            trigger: params.trigger,
            status,
            placed: placed.map((hold) => ({ reason: hold.reason, lineNo: hold.lineNo, expected: hold.expected, actual: hold.actual, variance: hold.variance, detail: hold.detail })),
            released: released.map((hold) => ({ reason: hold.reason, lineNo: hold.lineNo })),
            acceptedPriceVariance: result.acceptedPriceVariance,
            acceptedWithinTolerance: result.header.acceptedWithinTolerance,
          },
        });

        if (result.waitingForGoods) {
          const order = await findPurchaseOrder(tx, invoice.purchaseOrderId);
          const buyer = order?.preparedById ? await findUserById(tx, order.preparedById) : undefined;
          if (buyer && order) {
            await mail.enqueue(tx, {
              key: `${params.processId}:waiting-for-goods`,
              template: 'invoice-on-hold',
              to: { userId: buyer.id, address: buyer.email, name: buyer.name },
              processId: params.processId,
              data: {
                recipientName: buyer.name,
                supplierName: invoice.supplierName,
                invoiceNumber: invoice.invoiceNumber,
                invoiceDate: invoice.invoiceDate,
                purchaseOrderNumber: order.number ?? '',
                total: invoice.total,
                currency: invoice.currency,
                holds: result.holds.map((hold) => ({ label: holdReasonLabels[hold.reason], detail: hold.detail })),
                waitDays: params.policy.goodsWaitDays,
                url: invoiceUrl(publicUrl, invoice.id),
                purchaseOrderUrl: `${publicUrl}/purchase-orders/${order.id}`,
              },
            });
          }
        }
        return outcomeOf(params.round, result);
      }).finally(() => mail.deliverPending(params.processId));
    },

    /** What the process needs of its invoice now: status, the net total and the dates of payment. */
    async readInvoice(params: { invoiceId: string }) {
      const invoice = await findInvoice(db, params.invoiceId);
      if (!invoice) throw ApplicationFailure.nonRetryable(`invoice ${params.invoiceId} does not exist`, 'InvoiceMissing');
      return {
        status: invoice.status,
        number: invoice.number,
        invoiceNumber: invoice.invoiceNumber,
        supplierName: invoice.supplierName,
        purchaseOrderNumber: invoice.purchaseOrderNumber,
        currency: invoice.currency,
        total: await netTotalOf(db, invoice),
        dueDate: invoice.dueDate,
        discountDate: invoice.discountDate,
        discountAmount: invoice.discountAmount,
      };
    },

    /**
     * Closes an order once it is fully received and every invoice on it is
     * paid or rejected, with what was accepted all invoiced by paid ones;
     * its requisitions follow when all their orders are closed or cancelled.
     */
    async closePurchaseOrderIfDone(params: { processId: string; purchaseOrderId: string }): Promise<{ closed: boolean }> {
      return inTransaction(async (tx, audits) => {
        const now = clock();
        const order = await findPurchaseOrder(tx, params.purchaseOrderId, { lock: true });
        if (!order) return { closed: false };
        if (order.status === 'closed') return { closed: true };
        if (order.status !== 'received') return { closed: false };
        if ((await liveInvoicesOfOrder(tx, order.id)).length > 0) return { closed: false };
        const paid = await paidQuantitiesOfOrder(tx, order.id);
        const invoiced = new Map([...paid].map(([lineId, quantity]) => [lineId, q(quantity)]));
        const settled = order.lines.every((line) => (invoiced.get(line.id) ?? 0n) >= q(acceptedQuantity(line)));
        if (!settled || invoiced.size === 0) return { closed: false };
        await updatePurchaseOrder(tx, order.id, { status: 'closed', closedAt: now, updatedAt: now });
        const ctx = context(params.processId, `${params.processId}:close`);
        audits.push({ ...ctx, at: now, actorId: null, action: 'purchase_order.closed', subjectType: 'PurchaseOrder', subjectId: order.id, before: { status: order.status }, after: { status: 'closed', reason: 'fully received and every invoice paid or rejected' } });
        for (const requisition of await requisitionsOfOrder(tx, order.id)) {
          const heading = await findRequisitionHeading(tx, requisition.id);
          if (heading?.status !== 'ordered') continue;
          const open = await openOrdersOfRequisition(tx, requisition.id);
          if (open > 0) continue;
          await updateRequisitionStatus(tx, { id: requisition.id, status: 'closed', now });
          audits.push({ ...ctx, at: now, actorId: null, action: 'requisition.closed', subjectType: 'Requisition', subjectId: requisition.id, before: { status: 'ordered' }, after: { status: 'closed', purchaseOrderId: order.id } });
        }
        return { closed: true };
      });
    },
  };
}

export type InvoicingActivities = Omit<ReturnType<typeof createInvoicingActivities>, 'invoiceSubject'>;
