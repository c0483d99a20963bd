import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { ForbiddenError, subject } from '@casl/ability';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import {
  MONEY_SCALE,
  PRICE_SCALE,
  formatDecimal,
  invoiceDocumentNumber,
  lineAmount,
  parseDecimal,
  paymentDates,
  type AccountingExport,
  type Bill,
  type CreateInvoiceBody,
  type CreatePaymentRunBody,
  type Invoice,
  type InvoiceKind,
  type InvoiceStatus,
  type InvoiceSummary,
  type MatchingPolicy,
  type PaymentProposal,
  type PaymentRun,
  type RecordPaymentBody,
  type SupplierTolerances,
  roleLabels,
  type Role,
} from '@p2p/domain';
import { MATCHING_POLICY, readMatchingPolicy } from '../../activities/invoices.ts';
import type { Executor } from '../../db/client.ts';
import { appendAudit } from '../../db/queries/audit.ts';
import {
  allHolds,
  creditNotesOf,
  creditNotesOfOpenInvoices,
  creditTotalsOf,
  deleteSupplierTolerances,
  dueInvoices,
  findAccountingExport,
  findInvoice,
  findInvoiceByNumber,
  findPayment,
  findPaymentRun,
  holdReasonsOf,
  insertAccountingExport,
  insertInvoice,
  insertPaymentRun,
  invoicesWithLines,
  latestMatch,
  listAccountingExports,
  listInvoices,
  listPaymentRuns,
  listSupplierTolerances,
  markExported,
  projectCodesOfOrderLines,
  refreshInvoicedQuantities,
  supplierTolerances,
  unexportedInvoiceIds,
  unpaidRunItems,
  recentPaymentsOfOpenOrders,
  writeSupplierTolerances,
  type InvoiceWithLines,
} from '../../db/queries/invoicing.ts';
import { findPurchaseOrder } from '../../db/queries/purchasing.ts';
import { allocateDocumentNumber, readPolicy, writePolicy } from '../../db/queries/requisitions.ts';
import { findSupplierById } from '../../db/queries/suppliers.ts';
import { openTasksOfProcess } from '../../db/queries/tasks.ts';
import { findUserById } from '../../db/queries/users.ts';
import type { InvoiceHoldRow, InvoiceRow } from '../../db/schema/index.ts';
import { taskKindDef } from '@p2p/domain/task-registry';
import { addDays, defaultMatchTolerances, isoDayOf, taxOn, tolerancesFor } from '@p2p/domain/invoices';
import { creditNoteReceived, invoiceState, invoiceWorkflow, recordPayment } from '../../workflows/invoice.workflow.ts';
import { searchKeys } from '../../workflows/search-attributes.ts';
import { toCsv } from '../csv.ts';
import type { RequestActor } from '../context.ts';
import type { ApiDeps } from '../deps.ts';
import { AppError, invalidFields as invalid } from '../errors.ts';
import type { AuditContext } from './audit-context.ts';
import { toProcessError } from './process-errors.ts';
import { requestIdFrom } from './purchase-orders.ts';

/** What an invoice's open step means to a reader of the invoice. */
const waitingPhrases: Record<string, string> = {
  invoice_exception: 'an accountant’s decision on the holds',
  invoice_variance_approval: 'a procurement manager’s approval of the variance',
  invoice_approval: 'an accountant’s approval for payment',
  invoice_payment: 'payment, due now',
};

const q = (value: string) => parseDecimal(value, PRICE_SCALE);
const m = (value: string) => parseDecimal(value, MONEY_SCALE);
const showM = (value: bigint) => formatDecimal(value, MONEY_SCALE);
const today = isoDayOf;


/**
 * Starts an invoice's match process (at entry, or by the relay when that
 * start failed). Idempotent: one workflow id per invoice, never reused.
 */
export async function startInvoiceProcess(client: Client, taskQueue: string, row: InvoiceRow, params: { policy: MatchingPolicy; approvalSla: string; purchaseOrderWorkflowId: string }): Promise<'started' | 'already started'> {
  try {
    await client.workflow.start(invoiceWorkflow, {
      workflowId: row.workflowId,
      taskQueue,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [{ invoiceId: row.id, purchaseOrderId: row.purchaseOrderId, purchaseOrderWorkflowId: params.purchaseOrderWorkflowId, enteredById: row.enteredById, policy: params.policy, approvalSla: params.approvalSla }],
      typedSearchAttributes: [
        { key: searchKeys.documentNumber, value: row.number },
        { key: searchKeys.businessKey, value: row.number },
        { key: searchKeys.supplierId, value: row.supplierId },
        { key: searchKeys.processStatus, value: 'matching' },
      ],
    });
    return 'started';
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return 'already started';
    throw error;
  }
}

/**
 * What the relay (api/process-starter.ts) finishes after a crash or an
 * outage: a credit note its invoice's process never heard of (entered while
 * Temporal was away, or heard in a workflow task Temporal lost) is sent again,
 * and an invoice a payment run did not reach is paid by it. Both are Updates
 * keyed by what they carry, so sending one twice changes nothing.
 */
export async function finishInvoiceWork(deps: Pick<ApiDeps, 'db' | 'logger'>, engine: () => Promise<Client>, graceSeconds: number): Promise<number> {
  let sent = 0;
  const notes = await creditNotesOfOpenInvoices(deps.db, { olderThanSeconds: graceSeconds, limit: 100 });
  const items = await unpaidRunItems(deps.db, { olderThanSeconds: graceSeconds, limit: 100 });
  const payments = await recentPaymentsOfOpenOrders(deps.db, { olderThanSeconds: graceSeconds, limit: 100 });
  if (notes.length === 0 && items.length === 0 && payments.length === 0) return 0;
  const client = await engine();
  for (const note of notes) {
    const handle = client.workflow.getHandle(note.workflowId);
    // Asked first, so a credit note heard long ago is not sent every pass; unanswered (no worker now): next pass.
    const heard = await handle.query(invoiceState).then((answer) => answer.heard, () => null);
    if (!heard || heard.includes(`credit_note:${note.id}`)) continue;
    await handle.executeUpdate(creditNoteReceived, { updateId: `credit-note:${note.id}`, args: [{ creditNoteId: note.id }] }).catch((error: unknown) => deps.logger.warn('relay: credit note not delivered yet', { creditNoteId: note.id, error: String(error) }));
    sent += 1;
  }
  for (const item of items) {
    const requestId = `payment:${item.invoiceId}`;
    const payment = { requestId, actorId: item.createdById, reference: item.reference, paidOn: item.paidOn, amount: item.amount, paymentRunId: item.runId };
    await client.workflow
      .getHandle(item.workflowId)
      .executeUpdate(recordPayment, { updateId: requestId, args: [payment] })
      .then(() => (sent += 1))
      .catch((error: unknown) => deps.logger.warn('relay: a payment run could not pay an invoice yet', { runId: item.runId, invoiceId: item.invoiceId, error: String(error) }));
  }
  // A payment the database holds but the process never heard of: told again, under the same key, with what was recorded.
  for (const payment of payments) {
    const handle = client.workflow.getHandle(payment.workflowId);
    const status = await handle.query(invoiceState).then((answer) => answer.status, () => null);
    if (status !== 'approved' || !payment.recordedById) continue;
    const requestId = `payment:${payment.invoiceId}`;
    await handle
      .executeUpdate(recordPayment, { updateId: requestId, args: [{ requestId, actorId: payment.recordedById, reference: payment.reference, paidOn: payment.paidOn, amount: payment.amount, paymentRunId: payment.paymentRunId }] })
      .then(() => (sent += 1))
      .catch((error: unknown) => deps.logger.warn('relay: a recorded payment could not be told to its process yet', { invoiceId: payment.invoiceId, error: String(error) }));
  }
  return sent;
}

export type InvoiceService = ReturnType<typeof createInvoiceService>;

export function createInvoiceService(deps: Pick<ApiDeps, 'db' | 'clock' | 'temporal' | 'config' | 'logger'>) {
  const { db, clock, temporal, config, logger } = deps;

  async function processParams(row: InvoiceRow) {
    const order = await findPurchaseOrder(db, row.purchaseOrderId);
    const approval = await readPolicy<{ stepSla?: string }>(db, 'approval');
    return { policy: await readMatchingPolicy(db), approvalSla: approval?.stepSla ?? 'P2D', purchaseOrderWorkflowId: order!.workflowId };
  }

  async function start(row: InvoiceRow): Promise<'started' | 'already started'> {
    return startInvoiceProcess(await temporal.client(), config.TEMPORAL_TASK_QUEUE, row, await processParams(row));
  }

  async function loadReadable(actor: RequestActor, id: string): Promise<InvoiceWithLines> {
    const invoice = await findInvoice(db, id);
    if (!invoice || !actor.ability.can('read', subject('Invoice', { ...invoice }))) throw new AppError('not_found', 'No such invoice');
    return invoice;
  }

  /** Total net of live credit notes: what is still to pay (0 once paid or rejected). */
  const openAmountOf = (row: InvoiceRow, credits: string | undefined) => (['paid', 'rejected'].includes(row.status) || row.kind === 'credit_note' ? '0.00' : showM(m(row.total) + m(credits ?? '0')));

  function toSummary(row: InvoiceRow & { supplierName: string; purchaseOrderNumber: string | null }, holdReasons: string[], credits: string | undefined): InvoiceSummary {
    return {
      id: row.id,
      number: row.number,
      kind: row.kind,
      invoiceNumber: row.invoiceNumber,
      status: row.status,
      supplierId: row.supplierId,
      supplierName: row.supplierName,
      purchaseOrderId: row.purchaseOrderId,
      purchaseOrderNumber: row.purchaseOrderNumber,
      creditNoteFor: row.creditForId,
      invoiceDate: row.invoiceDate,
      dueDate: row.dueDate,
      discountDate: row.discountDate,
      discountAmount: row.discountAmount,
      currency: row.currency,
      total: row.total,
      openAmount: openAmountOf(row, credits),
      holdReasons: holdReasons as InvoiceSummary['holdReasons'],
      workflowId: row.workflowId,
      createdAt: row.createdAt.toISOString(),
      exportedAt: row.exportedAt?.toISOString() ?? null,
    };
  }

  const toHold = (hold: InvoiceHoldRow) => ({
    id: hold.id,
    reason: hold.reason,
    lineId: hold.lineId,
    lineNo: hold.lineNo,
    detail: hold.detail,
    expected: hold.expected,
    actual: hold.actual,
    variance: hold.variance,
    allowed: hold.allowed,
    aboveTwiceTolerance: hold.aboveTwiceTolerance,
    placedAt: hold.placedAt.toISOString(),
    releasedAt: hold.releasedAt?.toISOString() ?? null,
    release: hold.release,
    releasedById: hold.releasedById,
    releaseNote: hold.releaseNote,
  });

  /** What the process waits for, from its open step (or the invoice's state when it waits on nobody). */
  async function waitingFor(invoice: InvoiceWithLines): Promise<string | null> {
    if (invoice.kind === 'credit_note') return null;
    const [task] = await openTasksOfProcess(db, invoice.workflowId);
    if (task) {
      const assignee = task.assigneeId ? await findUserById(db, task.assigneeId) : undefined;
      const who = assignee?.name ?? (task.candidateRole ? `any ${(roleLabels[task.candidateRole as Role] ?? task.candidateRole).toLowerCase()}` : 'nobody yet');
      return `${waitingPhrases[task.kind] ?? taskKindDef(task.kind)?.label ?? task.kind} (${who})`;
    }
    if (invoice.status === 'on_hold') return 'goods to be received or a credit note';
    if (invoice.status === 'matching') return 'the match';
    if (invoice.status === 'approved') return `payment, due ${invoice.dueDate ?? 'on its terms'}`;
    return null;
  }

  async function toInvoice(actor: RequestActor, invoice: InvoiceWithLines): Promise<Invoice> {
    const [holds, match, notes, payment, credits] = [await allHolds(db, invoice.id), await latestMatch(db, invoice.id), await creditNotesOf(db, invoice.id), await findPayment(db, invoice.id), await creditTotalsOf(db, [invoice.id])];
    const open = holds.filter((hold) => !hold.releasedAt);
    const record = subject('Invoice', { ...invoice });
    return {
      ...toSummary(invoice, [...new Set(open.map((hold) => hold.reason))], credits.get(invoice.id)),
      subtotal: invoice.subtotal,
      taxAmount: invoice.taxAmount,
      note: invoice.note,
      terms: invoice.terms,
      enteredById: invoice.enteredById,
      lines: invoice.lines.map((line) => ({ id: line.id, lineNo: line.lineNo, purchaseOrderLineId: line.purchaseOrderLineId, description: line.description, unit: line.unit, glCode: line.glCode, quantity: line.quantity, unitPrice: line.unitPrice, amount: line.amount })),
      holds: open.map(toHold),
      holdHistory: holds.map(toHold),
      match: match ? { round: match.round, matchedAt: match.matchedAt.toISOString(), matched: match.matched, lines: match.result.lines, header: match.result.header, acceptedPriceVariance: match.result.acceptedPriceVariance, tolerances: match.result.tolerances } : null,
      creditNotes: notes.map((note) => ({ id: note.id, number: note.number, invoiceNumber: note.invoiceNumber, total: note.total, status: note.status })),
      approval: invoice.approvedAt ? { approvedById: invoice.approvedById, approvedAt: invoice.approvedAt.toISOString(), automatic: invoice.approvedAutomatically ?? false, varianceAcceptedById: invoice.varianceAcceptedById } : null,
      payment: payment ? { reference: payment.reference, paidOn: payment.paidOn, amount: payment.amount, paymentRunId: payment.paymentRunId, recordedById: payment.recordedById, recordedAt: payment.recordedAt.toISOString() } : null,
      rejection: invoice.rejectedAt ? { reason: invoice.rejectionReason ?? '', rejectedById: invoice.rejectedById, rejectedAt: invoice.rejectedAt.toISOString() } : null,
      waitingFor: await waitingFor(invoice),
      actions: {
        pay: invoice.kind === 'invoice' && invoice.status === 'approved' && actor.ability.can('update', record),
        creditNote: invoice.kind === 'invoice' && ['matching', 'on_hold', 'approved'].includes(invoice.status) && actor.ability.can('create', 'Invoice'),
      },
    };
  }

  /** The rules of an invoice beyond its schema, each naming its field; the credit note's against the invoice it corrects. */
  async function check(body: CreateInvoiceBody, now: Date, policy: MatchingPolicy) {
    const errors: { path: string; message: string }[] = [];
    const order = await findPurchaseOrder(db, body.purchaseOrderId);
    if (!order) throw invalid([{ path: 'purchaseOrderId', message: 'no such purchase order' }]);
    if (order.supplierId !== body.supplierId) errors.push({ path: 'supplierId', message: `${order.number ?? 'the order'} is an order to another supplier` });
    if (order.status === 'cancelled') errors.push({ path: 'purchaseOrderId', message: `${order.number ?? 'the order'} is cancelled: nothing on it is payable` });
    else if (order.status === 'closed') errors.push({ path: 'purchaseOrderId', message: `${order.number} is closed: every invoice on it is settled` });
    else if (order.status === 'draft' || order.status === 'pending_approval') errors.push({ path: 'purchaseOrderId', message: 'the order has not been issued' });
    const latest = addDays(today(now), policy.futureDateDays);
    if (body.invoiceDate > latest) errors.push({ path: 'invoiceDate', message: `an invoice may be dated ${policy.futureDateDays === 0 ? 'today' : `${policy.futureDateDays} days ahead`} at the latest (${latest})` });

    const credit = Boolean(body.creditNoteFor);
    let original: InvoiceRow | undefined;
    if (body.creditNoteFor) {
      original = await findInvoice(db, body.creditNoteFor);
      if (!original || original.kind !== 'invoice') errors.push({ path: 'creditNoteFor', message: 'no such invoice' });
      else if (original.supplierId !== body.supplierId || original.purchaseOrderId !== body.purchaseOrderId) errors.push({ path: 'creditNoteFor', message: `${original.number} is an invoice of another supplier or order` });
      else if (original.status === 'rejected' || original.status === 'paid') errors.push({ path: 'creditNoteFor', message: `${original.number} is ${original.status}: a credit note corrects an invoice not yet settled` });
    }
    const lineIds = new Map(order.lines.map((line) => [line.id, line]));
    const seen = new Set<string>();
    let subtotal = 0n;
    const amounts: string[] = [];
    body.lines.forEach((line, index) => {
      const path = `lines.${index}`;
      if (!lineIds.has(line.purchaseOrderLineId)) errors.push({ path: `${path}.purchaseOrderLineId`, message: `not a line of ${order.number ?? 'this order'}` });
      else if (seen.has(line.purchaseOrderLineId)) errors.push({ path: `${path}.purchaseOrderLineId`, message: 'listed twice' });
      seen.add(line.purchaseOrderLineId);
      const quantity = q(line.quantity);
      const price = q(line.unitPrice);
      if (!credit) {
        if (quantity <= 0n) errors.push({ path: `${path}.quantity`, message: 'an invoice bills a positive quantity; negative amounts belong on a credit note' });
        if (price < 0n) errors.push({ path: `${path}.unitPrice`, message: 'negative amounts belong on a credit note' });
      } else if (quantity < 0n && price < 0n) errors.push({ path: `${path}.unitPrice`, message: 'a credit note line credits goods (a negative quantity) or price (a negative unit price), not both' });
      else if (quantity * price >= 0n) errors.push({ path: `${path}.quantity`, message: 'a credit note line credits something: a negative quantity or a negative unit price' });
      const amount = lineAmount(line.quantity, line.unitPrice);
      amounts.push(amount);
      subtotal += m(amount);
    });
    const tax = m(body.taxAmount);
    const total = m(body.total);
    if (!credit && (tax < 0n || total < 0n)) errors.push({ path: tax < 0n ? 'taxAmount' : 'total', message: 'negative amounts belong on a credit note' });
    if (credit && (tax > 0n || total >= 0n)) errors.push({ path: tax > 0n ? 'taxAmount' : 'total', message: 'a credit note’s tax and total are negative' });
    if (subtotal + tax !== total) errors.push({ path: 'total', message: `lines ${showM(subtotal)} + tax ${showM(tax)} = ${showM(subtotal + tax)}, but the total says ${showM(total)}: ${showM(total - subtotal - tax)} apart` });
    if (original && credit && total < 0n) {
      const earlier = (await creditNotesOf(db, original.id)).filter((note) => note.status !== 'rejected').reduce((sum, note) => sum - m(note.total), 0n);
      if (-total + earlier > m(original.total)) errors.push({ path: 'total', message: `a credit note larger than its invoice: ${original.number} is ${original.total}${earlier ? `, ${showM(earlier)} credited already` : ''}, this credits ${showM(-total)}` });
    }
    if (errors.length) throw invalid(errors);
    return { order, original, subtotal: showM(subtotal), amounts };
  }

  /** What paying an invoice on a day takes: the open amount, and that less the discount by its last day. `credits`: preloaded for many. */
  async function paymentDue(row: InvoiceRow, paidOn: string, credits?: Map<string, string>): Promise<{ open: string; discounted: string | null }> {
    const open = openAmountOf(row, (credits ?? (await creditTotalsOf(db, [row.id]))).get(row.id));
    const discounted = row.discountDate && row.discountAmount && paidOn <= row.discountDate ? showM(m(open) - m(row.discountAmount)) : null;
    return { open, discounted };
  }

  async function sendPayment(invoice: Pick<InvoiceRow, 'id' | 'workflowId'>, request: { actorId: string; reference: string; paidOn: string; amount: string; paymentRunId: string | null }) {
    const handle = (await temporal.client()).workflow.getHandle(invoice.workflowId);
    const requestId = `payment:${invoice.id}`;
    await handle.executeUpdate(recordPayment, { updateId: requestId, args: [{ requestId, ...request }] });
  }

  async function loadPaymentRun(id: string): Promise<PaymentRun> {
    const run = await findPaymentRun(db, id);
    if (!run) throw new AppError('not_found', 'No such payment run');
    return toPaymentRun(run);
  }

  function toPaymentRun(run: NonNullable<Awaited<ReturnType<typeof findPaymentRun>>>): PaymentRun {
    return {
      id: run.id,
      number: run.number,
      dueBy: run.dueBy,
      paidOn: run.paidOn,
      reference: run.reference,
      count: run.count,
      total: run.total,
      createdById: run.createdById,
      createdAt: run.createdAt.toISOString(),
      invoices: run.items.map((item) => ({ invoiceId: item.invoiceId, number: item.number, invoiceNumber: item.invoiceNumber, supplierName: item.supplierName, amount: item.amount, status: item.status })),
    };
  }

  const toExport = (row: { id: string; number: string; reexport: boolean; invoiceIds: string[]; count: number; total: string; createdById: string; createdAt: Date }): AccountingExport => ({ id: row.id, number: row.number, createdAt: row.createdAt.toISOString(), createdById: row.createdById, count: row.count, total: row.total, reexport: row.reexport, invoiceIds: row.invoiceIds });

  /** Invoices as bills, close to QuickBooks Online's Bill: vendor ref, lines with account (GL) and class (cost code) refs. */
  async function billsOf(executor: Executor, rows: InvoiceWithLines[]): Promise<Bill[]> {
    const codes = await projectCodesOfOrderLines(executor, rows.flatMap((row) => row.lines.map((line) => line.purchaseOrderLineId)));
    const bills: Bill[] = [];
    for (const row of rows) {
      // Tax per line at the PO line's rate; the rounding rest goes on the last line, so lines add up to the invoice's tax.
      const taxes = row.lines.map((line) => m(taxOn(line.amount, line.taxRate)));
      const rest = m(row.taxAmount) - taxes.reduce((sum, tax) => sum + tax, 0n);
      if (taxes.length) taxes[taxes.length - 1]! += rest;
      bills.push({
        DocNumber: row.invoiceNumber,
        TxnDate: row.invoiceDate,
        DueDate: row.dueDate,
        VendorRef: { value: row.supplierId, name: row.supplierName },
        CurrencyRef: { value: row.currency },
        PrivateNote: `${row.number} on ${row.purchaseOrderNumber ?? ''}${row.kind === 'credit_note' ? ' (credit note)' : ''}`,
        TotalAmt: row.total,
        TxnTaxDetail: { TotalTax: row.taxAmount },
        Line: row.lines.map((line, index) => ({
          LineNum: line.lineNo,
          Description: line.description,
          Amount: line.amount,
          DetailType: 'AccountBasedExpenseLineDetail' as const,
          AccountBasedExpenseLineDetail: { AccountRef: { value: line.glCode ?? 'unassigned' }, ClassRef: codes.has(line.purchaseOrderLineId) ? { value: codes.get(line.purchaseOrderLineId)! } : null, TaxAmount: showM(taxes[index]!), Qty: line.quantity, UnitPrice: line.unitPrice },
        })),
        LinkedTxn: row.creditForId ? [{ TxnId: row.creditForId, TxnType: 'Bill' }] : [],
      });
    }
    return bills;
  }

  return {
    start,

    async create(actor: RequestActor, body: CreateInvoiceBody, key: string | undefined, audit: AuditContext): Promise<Invoice> {
      ForbiddenError.from(actor.ability).throwUnlessCan('create', 'Invoice');
      const id = key ? requestIdFrom(actor.user.id, key, 'invoice') : randomUUID();
      const retried = await findInvoice(db, id);
      if (retried) return toInvoice(actor, retried);
      const now = clock();
      const policy = await readMatchingPolicy(db);
      const { order, original, subtotal, amounts } = await check(body, now, policy);
      const duplicate = await findInvoiceByNumber(db, body.supplierId, body.invoiceNumber);
      if (duplicate) throw new AppError('conflict', `Invoice ${body.invoiceNumber} of this supplier is already entered, as ${duplicate.number}`, { errors: [{ path: 'invoiceNumber', message: `already entered as ${duplicate.number}` }] });
      const kind: InvoiceKind = original ? 'credit_note' : 'invoice';
      const supplier = (await findSupplierById(db, body.supplierId))!;
      // Provisional until approval, which dates it again on the total net of credit notes; a credit note is paid with its invoice.
      const dates = paymentDates(body.invoiceDate, { netDays: order.paymentTermsDays, discountPercent: supplier.discountPercent, discountDays: supplier.discountDays }, body.total);
      let row: InvoiceRow | undefined;
      try {
        row = await db.transaction(async (tx) => {
          const number = invoiceDocumentNumber(kind, now.getUTCFullYear(), await allocateDocumentNumber(tx, { kind: kind === 'credit_note' ? 'CN' : 'INV', year: now.getUTCFullYear() }));
          const status: InvoiceStatus = original?.status === 'approved' ? 'approved' : 'matching';
          const values = {
            id,
            number,
            kind,
            supplierId: body.supplierId,
            invoiceNumber: body.invoiceNumber,
            creditForId: original?.id ?? null,
            purchaseOrderId: order.id,
            invoiceDate: body.invoiceDate,
            currency: order.currency,
            subtotal,
            taxAmount: body.taxAmount,
            total: body.total,
            status,
            note: body.note ?? null,
            enteredById: actor.user.id,
            workflowId: original?.workflowId ?? `inv-${id}`,
            terms: dates.terms,
            ...(original ? {} : { dueDate: dates.dueDate, discountDate: dates.discountDate, discountAmount: dates.discountAmount }),
            createdAt: now,
            updatedAt: now,
          };
          const inserted = await insertInvoice(tx, values, body.lines.map((line, index) => ({ invoiceId: id, lineNo: index + 1, purchaseOrderLineId: line.purchaseOrderLineId, quantity: line.quantity, unitPrice: line.unitPrice, amount: amounts[index]! })));
          // The same key raced in by a retry: that request records it.
          if (!inserted) return undefined;
          await refreshInvoicedQuantities(tx, order.id);
          await appendAudit(tx, { ...audit, at: now, action: kind === 'credit_note' ? 'credit_note.entered' : 'invoice.entered', subjectType: 'Invoice', subjectId: id, after: { number, invoiceNumber: body.invoiceNumber, supplierId: supplier.id, purchaseOrderId: order.id, purchaseOrderNumber: order.number, invoiceDate: body.invoiceDate, subtotal, taxAmount: body.taxAmount, total: body.total, creditNoteFor: original?.id ?? null, lines: body.lines } });
          return inserted;
        });
      } catch (error) {
        if ((error as { code?: unknown }).code === '23505' || /invoices_supplier_number/.test(String(error))) throw new AppError('conflict', `Invoice ${body.invoiceNumber} of this supplier is already entered`, { errors: [{ path: 'invoiceNumber', message: 'already entered' }] });
        throw error;
      }
      try {
        if (original) {
          const handle = (await temporal.client()).workflow.getHandle(original.workflowId);
          await handle.executeUpdate(creditNoteReceived, { updateId: `credit-note:${id}`, args: [{ creditNoteId: id }] });
        } else if (row) {
          await start(row);
        }
      } catch (error) {
        logger.warn('invoice recorded; its process will hear of it when the engine answers', { invoiceId: id, error: String(error) });
      }
      return toInvoice(actor, (await findInvoice(db, id))!);
    },

    async get(actor: RequestActor, id: string): Promise<Invoice> {
      return toInvoice(actor, await loadReadable(actor, id));
    },

    async list(actor: RequestActor, params: Omit<Parameters<typeof listInvoices>[1], 'access'>): Promise<InvoiceSummary[]> {
      ForbiddenError.from(actor.ability).throwUnlessCan('read', 'Invoice');
      const rows = await listInvoices(db, params);
      const ids = rows.map((row) => row.id);
      const [holds, credits] = [await holdReasonsOf(db, ids), await creditTotalsOf(db, ids)];
      return rows.map((row) => toSummary(row, holds.get(row.id) ?? [], credits.get(row.id)));
    },

    async pay(actor: RequestActor, id: string, body: RecordPaymentBody): Promise<Invoice> {
      ForbiddenError.from(actor.ability).throwUnlessCan('update', 'Invoice');
      const invoice = await loadReadable(actor, id);
      ForbiddenError.from(actor.ability).throwUnlessCan('update', subject('Invoice', { ...invoice }));
      if (invoice.kind === 'credit_note') throw invalid([{ path: 'id', message: 'a credit note is settled with the invoice it corrects' }]);
      if (invoice.status === 'paid') {
        // The same payment sent again (its answer was lost) gets the same answer; any other is a second payment.
        const recorded = await findPayment(db, id);
        if (recorded && recorded.reference === body.reference && recorded.paidOn === body.paidOn && m(recorded.amount) === m(body.amount)) return toInvoice(actor, invoice);
        throw new AppError('conflict', `${invoice.number} is already paid`);
      }
      if (invoice.status === 'rejected') throw new AppError('conflict', `${invoice.number} is rejected: it is not paid`);
      if (invoice.status !== 'approved') throw new AppError('conflict', `${invoice.number} is not approved for payment yet (${invoice.status.replaceAll('_', ' ')})`);
      if (body.paidOn > today(clock())) throw invalid([{ path: 'paidOn', message: 'a payment is recorded once made: the date is today or earlier' }]);
      const { open, discounted } = await paymentDue(invoice, body.paidOn);
      if (m(body.amount) !== m(open) && (discounted === null || m(body.amount) !== m(discounted))) throw invalid([{ path: 'amount', message: `the open amount is ${open}${discounted ? ` (${discounted} with the early-payment discount)` : ''}` }]);
      try {
        await sendPayment(invoice, { actorId: actor.user.id, reference: body.reference, paidOn: body.paidOn, amount: body.amount, paymentRunId: null });
      } catch (error) {
        throw toProcessError(error);
      }
      return toInvoice(actor, (await findInvoice(db, id))!);
    },

    async paymentProposal(actor: RequestActor, dueBy: string): Promise<PaymentProposal> {
      ForbiddenError.from(actor.ability).throwUnlessCan('update', 'Invoice');
      const rows = await dueInvoices(db, dueBy);
      const ids = rows.map((row) => row.id);
      const credits = await creditTotalsOf(db, ids);
      const bySupplier = new Map<string, PaymentProposal['suppliers'][number]>();
      let total = 0n;
      for (const row of rows) {
        const summary = toSummary(row, [], credits.get(row.id));
        const group = bySupplier.get(row.supplierId) ?? { supplierId: row.supplierId, supplierName: row.supplierName, count: 0, total: '0.00', discountAvailable: '0.00', invoices: [] };
        group.count += 1;
        group.total = showM(m(group.total) + m(summary.openAmount));
        if (row.discountDate && row.discountAmount && row.discountDate >= today(clock())) group.discountAvailable = showM(m(group.discountAvailable) + m(row.discountAmount));
        group.invoices.push(summary);
        bySupplier.set(row.supplierId, group);
        total += m(summary.openAmount);
      }
      return { dueBy, count: rows.length, total: showM(total), suppliers: [...bySupplier.values()] };
    },

    async createPaymentRun(actor: RequestActor, body: CreatePaymentRunBody, key: string | undefined, audit: AuditContext): Promise<PaymentRun> {
      ForbiddenError.from(actor.ability).throwUnlessCan('update', 'Invoice');
      const id = key ? requestIdFrom(actor.user.id, key, 'payment-run') : randomUUID();
      let run = await findPaymentRun(db, id);
      if (!run) {
        if (body.paidOn > today(clock())) throw invalid([{ path: 'paidOn', message: 'a payment run is recorded once paid: the date is today or earlier' }]);
        const errors: { path: string; message: string }[] = [];
        const items: { invoice: InvoiceWithLines; amount: string }[] = [];
        const seen = new Set<string>();
        const unique = [...new Set(body.invoiceIds)];
        const found = new Map((await invoicesWithLines(db, unique)).map((row) => [row.id, row]));
        const credits = await creditTotalsOf(db, unique);
        for (const [index, invoiceId] of body.invoiceIds.entries()) {
          const path = `invoiceIds.${index}`;
          if (seen.has(invoiceId)) {
            errors.push({ path, message: 'listed twice' });
            continue;
          }
          seen.add(invoiceId);
          const invoice = found.get(invoiceId);
          if (!invoice || invoice.kind !== 'invoice') errors.push({ path, message: 'no such invoice' });
          else if (invoice.status !== 'approved') errors.push({ path, message: `${invoice.number} is ${invoice.status.replaceAll('_', ' ')}: only approved invoices are paid` });
          else if (!invoice.dueDate || invoice.dueDate > body.dueBy) errors.push({ path, message: `${invoice.number} is due ${invoice.dueDate}, after ${body.dueBy}` });
          else {
            const { open, discounted } = await paymentDue(invoice, body.paidOn, credits);
            items.push({ invoice, amount: discounted ?? open });
          }
        }
        if (errors.length) throw invalid(errors);
        const now = clock();
        await db.transaction(async (tx) => {
          const number = `PAY-${now.getUTCFullYear()}-${String(await allocateDocumentNumber(tx, { kind: 'PAY', year: now.getUTCFullYear() })).padStart(5, '0')}`;
          const total = showM(items.reduce((sum, item) => sum + m(item.amount), 0n));
          await insertPaymentRun(tx, { id, number, dueBy: body.dueBy, paidOn: body.paidOn, reference: body.reference, total, count: items.length, createdById: actor.user.id, createdAt: now }, items.map((item) => ({ runId: id, invoiceId: item.invoice.id, amount: item.amount })));
          await appendAudit(tx, { ...audit, at: now, action: 'payment_run.created', subjectType: 'PaymentRun', subjectId: id, after: { number, dueBy: body.dueBy, paidOn: body.paidOn, reference: body.reference, total, invoices: items.map((item) => ({ invoiceId: item.invoice.id, number: item.invoice.number, amount: item.amount })) } });
        });
        run = (await findPaymentRun(db, id))!;
      }
      // Each invoice is paid by its process, once (the Update's id is the invoice's payment); a retry pays what is still unpaid.
      for (const item of run.items) {
        if (item.status !== 'approved') continue;
        try {
          await sendPayment({ id: item.invoiceId, workflowId: item.workflowId }, { actorId: actor.user.id, reference: run.reference, paidOn: run.paidOn, amount: item.amount, paymentRunId: run.id });
        } catch (error) {
          logger.info('payment run: an invoice was not paid by this attempt', { runId: run.id, invoiceId: item.invoiceId, error: String(error) });
        }
      }
      // Paid or rejected meanwhile is an answer; still approved and unpaid (the engine away, or its process behind its row) is not: the run is not done.
      // (An invoice's payment row and its status 'paid' are written in one transaction.)
      const after = (await findPaymentRun(db, id))!;
      const unreached = after.items.filter((item) => item.status === 'approved').length;
      if (unreached > 0) throw new AppError('unavailable', `Payment run ${run.number} is recorded, but ${unreached} of its invoices could not be reached yet: send the same request again (same Idempotency-Key) to finish it; the API also finishes it by itself`);
      return toPaymentRun(after);
    },

    async paymentRun(actor: RequestActor, id: string): Promise<PaymentRun> {
      ForbiddenError.from(actor.ability).throwUnlessCan('read', 'Invoice');
      return loadPaymentRun(id);
    },

    async paymentRuns(actor: RequestActor, params: { limit: number; before?: string | undefined }): Promise<PaymentRun[]> {
      ForbiddenError.from(actor.ability).throwUnlessCan('read', 'Invoice');
      return (await listPaymentRuns(db, params)).map(toPaymentRun);
    },

    async createExport(actor: RequestActor, body: { invoiceIds?: string[] | undefined }, audit: AuditContext): Promise<AccountingExport> {
      ForbiddenError.from(actor.ability).throwUnlessCan('export', 'Invoice');
      if (body.invoiceIds) {
        const errors: { path: string; message: string }[] = [];
        const found = new Map((await invoicesWithLines(db, body.invoiceIds)).map((row) => [row.id, row]));
        body.invoiceIds.forEach((invoiceId, index) => {
          const row = found.get(invoiceId);
          if (!row) errors.push({ path: `invoiceIds.${index}`, message: 'no such invoice' });
          else if (!['approved', 'paid'].includes(row.status)) errors.push({ path: `invoiceIds.${index}`, message: `${row.number} is ${row.status.replaceAll('_', ' ')}: only approved or paid invoices become bills` });
          else if (body.invoiceIds!.indexOf(invoiceId) !== index) errors.push({ path: `invoiceIds.${index}`, message: 'listed twice' });
        });
        if (errors.length) throw invalid(errors);
      }
      const now = clock();
      const id = randomUUID();
      const created = await db.transaction(async (tx) => {
        // One export at a time takes the unexported invoices: a second one waits here and finds none of them left.
        await tx.execute(sql`select pg_advisory_xact_lock(hashtext('accounting-export'))`);
        const ids = body.invoiceIds ?? (await unexportedInvoiceIds(tx, 1000));
        if (ids.length === 0) return null;
        const rows = await invoicesWithLines(tx, ids);
        const bills = await billsOf(tx, rows);
        const number = `EXP-${now.getUTCFullYear()}-${String(await allocateDocumentNumber(tx, { kind: 'EXP', year: now.getUTCFullYear() })).padStart(5, '0')}`;
        const total = showM(rows.reduce((sum, row) => sum + m(row.total), 0n));
        const values = { id, number, reexport: Boolean(body.invoiceIds), invoiceIds: rows.map((row) => row.id), count: rows.length, total, bills, createdById: actor.user.id, createdAt: now };
        await insertAccountingExport(tx, values);
        await markExported(tx, { ids: values.invoiceIds, exportId: id, now });
        await appendAudit(tx, { ...audit, at: now, action: 'accounting_export.created', subjectType: 'AccountingExport', subjectId: id, after: { number, reexport: values.reexport, count: values.count, total, invoices: rows.map((row) => row.number) } });
        return values;
      });
      if (!created) throw new AppError('conflict', 'Every approved invoice is already exported; name invoices to export them again');
      return toExport(created);
    },

    async export(actor: RequestActor, id: string): Promise<AccountingExport> {
      ForbiddenError.from(actor.ability).throwUnlessCan('read', 'Invoice');
      const row = await findAccountingExport(db, id);
      if (!row) throw new AppError('not_found', 'No such export');
      return toExport(row);
    },

    async exports(actor: RequestActor, params: { limit: number; before?: string | undefined }): Promise<AccountingExport[]> {
      ForbiddenError.from(actor.ability).throwUnlessCan('read', 'Invoice');
      return (await listAccountingExports(db, params)).map(toExport);
    },

    /** An export's bills as a file: JSON (an array of Bill objects) or CSV (one row per bill line, safe in a spreadsheet). */
    async bills(actor: RequestActor, id: string, format: 'csv' | 'json', audit: AuditContext): Promise<{ body: string; filename: string }> {
      ForbiddenError.from(actor.ability).throwUnlessCan('export', 'Invoice');
      const row = await findAccountingExport(db, id);
      if (!row) throw new AppError('not_found', 'No such export');
      await appendAudit(db, { ...audit, at: clock(), action: 'accounting_export.downloaded', subjectType: 'AccountingExport', subjectId: id, after: { number: row.number, format } });
      if (format === 'json') return { body: JSON.stringify(row.bills, null, 2), filename: `${row.number}.json` };
      const header = ['BillNo', 'VendorRef', 'VendorName', 'TxnDate', 'DueDate', 'Currency', 'LineNum', 'Description', 'AccountRef', 'ClassRef', 'Qty', 'UnitPrice', 'LineAmount', 'LineTax', 'TotalTax', 'TotalAmt', 'Memo'];
      const rows = row.bills.flatMap((bill) => bill.Line.map((line) => [bill.DocNumber, bill.VendorRef.value, bill.VendorRef.name, bill.TxnDate, bill.DueDate, bill.CurrencyRef.value, line.LineNum, line.Description, line.AccountBasedExpenseLineDetail.AccountRef.value, line.AccountBasedExpenseLineDetail.ClassRef?.value ?? '', line.AccountBasedExpenseLineDetail.Qty, line.AccountBasedExpenseLineDetail.UnitPrice, line.Amount, line.AccountBasedExpenseLineDetail.TaxAmount, bill.TxnTaxDetail.TotalTax, bill.TotalAmt, bill.PrivateNote]));
      return { body: toCsv(header, rows), filename: `${row.number}.csv` };
    },

    async policy(actor: RequestActor): Promise<MatchingPolicy> {
      ForbiddenError.from(actor.ability).throwUnlessCan('read', 'Policy');
      return readMatchingPolicy(db);
    },

    async putPolicy(actor: RequestActor, body: MatchingPolicy, audit: AuditContext): Promise<MatchingPolicy> {
      ForbiddenError.from(actor.ability).throwUnlessCan('update', 'Policy');
      await db.transaction(async (tx) => {
        const before = await readMatchingPolicy(tx);
        await writePolicy(tx, { name: MATCHING_POLICY, value: body, updatedBy: actor.user.id, now: clock() });
        await appendAudit(tx, { ...audit, at: clock(), action: 'policy.updated', subjectType: 'Policy', subjectId: MATCHING_POLICY, before: { name: MATCHING_POLICY, ...before }, after: { name: MATCHING_POLICY, ...body } });
      });
      return readMatchingPolicy(db);
    },

    async supplierTolerances(actor: RequestActor) {
      ForbiddenError.from(actor.ability).throwUnlessCan('read', 'Policy');
      const policy = await readMatchingPolicy(db);
      return (await listSupplierTolerances(db)).map(({ row, supplierName }) => ({ supplierId: row.supplierId, supplierName, tolerances: row.tolerances, effective: tolerancesFor(policy, row.tolerances), updatedAt: row.updatedAt.toISOString() }));
    },

    async putSupplierTolerances(actor: RequestActor, supplierId: string, body: SupplierTolerances, audit: AuditContext) {
      ForbiddenError.from(actor.ability).throwUnlessCan('update', 'Policy');
      const supplier = await findSupplierById(db, supplierId);
      if (!supplier) throw new AppError('not_found', 'No such supplier');
      const now = clock();
      await db.transaction(async (tx) => {
        const before = await supplierTolerances(tx, supplierId);
        await writeSupplierTolerances(tx, { supplierId, tolerances: body, updatedBy: actor.user.id, now });
        await appendAudit(tx, { ...audit, at: now, action: 'policy.supplier_tolerances_updated', subjectType: 'Supplier', subjectId: supplierId, before: before ? { tolerances: before.tolerances } : null, after: { tolerances: body } });
      });
      const policy = await readMatchingPolicy(db);
      return { supplierId, supplierName: supplier.name, tolerances: body, effective: tolerancesFor(policy ?? defaultMatchTolerances, body), updatedAt: now.toISOString() };
    },

    async deleteSupplierTolerances(actor: RequestActor, supplierId: string, audit: AuditContext): Promise<void> {
      ForbiddenError.from(actor.ability).throwUnlessCan('update', 'Policy');
      await db.transaction(async (tx) => {
        const before = await supplierTolerances(tx, supplierId);
        if (!(await deleteSupplierTolerances(tx, supplierId))) throw new AppError('not_found', 'This supplier has no tolerances of its own');
        await appendAudit(tx, { ...audit, at: clock(), action: 'policy.supplier_tolerances_removed', subjectType: 'Supplier', subjectId: supplierId, before: { tolerances: before?.tolerances ?? null }, after: null });
      });
    },
  };
}
