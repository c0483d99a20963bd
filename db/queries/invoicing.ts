import { and, asc, desc, eq, inArray, isNull, lte, gte, ne, sql, type SQL } from 'drizzle-orm';
import { MONEY_SCALE, formatDecimal, parseDecimal } from '@p2p/domain';
import type { InvoiceKind, InvoiceStatus, SupplierTolerances } from '@p2p/domain/invoicing';
import type { Executor } from '../client.ts';
import {
  accountingExports,
  invoiceHolds,
  invoiceLines,
  invoiceMatches,
  invoicePayments,
  invoices,
  paymentRunItems,
  paymentRuns,
  purchaseOrderLines,
  projects,
  purchaseOrders,
  requisitionLines,
  requisitions,
  supplierMatchTolerances,
  suppliers,
  type InvoiceHoldRow,
  type InvoiceLineRow,
  type InvoiceRow,
  type PaymentRunRow,
} from '../schema/index.ts';

/**
 * Invoices, credit notes, their matches and holds, payments, payment runs and
 * accounting exports. An invoice's lines name PO lines; what a PO line has
 * been invoiced is kept on it (`invoiced_quantity`), recomputed from the
 * live invoices in the transaction that changes them.
 */

export interface InvoiceLineView extends InvoiceLineRow {
  description: string;
  unit: string;
  glCode: string | null;
  /** The PO line's tax rate, percent. */
  taxRate: string;
}

export interface InvoiceWithLines extends InvoiceRow {
  lines: InvoiceLineView[];
  supplierName: string;
  purchaseOrderNumber: string | null;
}

/** The invoice and its lines, once per id: undefined when the id is taken. */
export async function insertInvoice(db: Executor, values: typeof invoices.$inferInsert, lines: (typeof invoiceLines.$inferInsert)[]): Promise<InvoiceRow | undefined> {
  const [inserted] = await db.insert(invoices).values(values).onConflictDoNothing({ target: invoices.id }).returning();
  if (inserted) await db.insert(invoiceLines).values(lines);
  return inserted;
}

async function linesOf(db: Executor, invoiceIds: readonly string[]): Promise<Map<string, InvoiceLineView[]>> {
  const byInvoice = new Map<string, InvoiceLineView[]>();
  if (invoiceIds.length === 0) return byInvoice;
  const rows = await db
    .select({ line: invoiceLines, description: purchaseOrderLines.description, unit: purchaseOrderLines.unit, glCode: purchaseOrderLines.glCode, taxRate: purchaseOrderLines.taxRate })
    .from(invoiceLines)
    .innerJoin(purchaseOrderLines, eq(purchaseOrderLines.id, invoiceLines.purchaseOrderLineId))
    .where(inArray(invoiceLines.invoiceId, [...invoiceIds]))
    .orderBy(asc(invoiceLines.invoiceId), asc(invoiceLines.lineNo));
  for (const row of rows) byInvoice.set(row.line.invoiceId, [...(byInvoice.get(row.line.invoiceId) ?? []), { ...row.line, description: row.description, unit: row.unit, glCode: row.glCode, taxRate: row.taxRate }]);
  return byInvoice;
}

const withNames = { invoice: invoices, supplierName: suppliers.name, purchaseOrderNumber: purchaseOrders.number };

export async function findInvoice(db: Executor, id: string, options: { lock?: boolean } = {}): Promise<InvoiceWithLines | undefined> {
  if (options.lock) await db.select({ id: invoices.id }).from(invoices).where(eq(invoices.id, id)).for('update');
  const [row] = await db.select(withNames).from(invoices).innerJoin(suppliers, eq(suppliers.id, invoices.supplierId)).innerJoin(purchaseOrders, eq(purchaseOrders.id, invoices.purchaseOrderId)).where(eq(invoices.id, id)).limit(1);
  if (!row) return undefined;
  const lines = await linesOf(db, [id]);
  return { ...row.invoice, supplierName: row.supplierName, purchaseOrderNumber: row.purchaseOrderNumber, lines: lines.get(id) ?? [] };
}

export async function findInvoiceByNumber(db: Executor, supplierId: string, invoiceNumber: string): Promise<InvoiceRow | undefined> {
  const [row] = await db.select().from(invoices).where(and(eq(invoices.supplierId, supplierId), eq(invoices.invoiceNumber, invoiceNumber))).limit(1);
  return row;
}

export async function updateInvoice(db: Executor, id: string, values: Partial<typeof invoices.$inferInsert>): Promise<void> {
  await db.update(invoices).set(values).where(eq(invoices.id, id));
}

/** The credit notes correcting an invoice, oldest first. */
export async function creditNotesOf(db: Executor, invoiceId: string): Promise<InvoiceRow[]> {
  return db.select().from(invoices).where(eq(invoices.creditForId, invoiceId)).orderBy(asc(invoices.seq));
}

/** Every invoice line of a PO with its invoice's standing: the match reads what earlier invoices took from it. */
export async function invoiceLinesOfOrder(db: Executor, purchaseOrderId: string) {
  return db
    .select({ invoiceId: invoices.id, seq: invoices.seq, kind: invoices.kind, creditForId: invoices.creditForId, status: invoices.status, purchaseOrderLineId: invoiceLines.purchaseOrderLineId, quantity: invoiceLines.quantity, amount: invoiceLines.amount })
    .from(invoiceLines)
    .innerJoin(invoices, eq(invoices.id, invoiceLines.invoiceId))
    .where(eq(invoices.purchaseOrderId, purchaseOrderId));
}

/** Another live invoice of the supplier with the same total and an invoice date within `windowDays`. */
export async function findPossibleDuplicate(db: Executor, params: { id: string; supplierId: string; total: string; invoiceDate: string; windowDays: number }): Promise<InvoiceRow | undefined> {
  const [row] = await db
    .select()
    .from(invoices)
    .where(
      and(
        eq(invoices.supplierId, params.supplierId),
        eq(invoices.kind, 'invoice'),
        ne(invoices.id, params.id),
        ne(invoices.status, 'rejected'),
        eq(invoices.total, params.total),
        sql`abs(${invoices.invoiceDate} - ${params.invoiceDate}::date) <= ${params.windowDays}`,
      ),
    )
    .orderBy(asc(invoices.seq))
    .limit(1);
  return row;
}

/**
 * A PO line's invoiced quantity: what live invoices bill on it, net of the
 * goods their credit notes take back (a price credit takes back no goods).
 */
export async function refreshInvoicedQuantities(db: Executor, purchaseOrderId: string): Promise<void> {
  await db.execute(sql`
    update purchase_order_lines pol set invoiced_quantity = greatest(0, coalesce((
      select sum(case when i.kind = 'credit_note' then least(il.quantity, 0) else il.quantity end)
      from invoice_lines il join invoices i on i.id = il.invoice_id
      where il.purchase_order_line_id = pol.id and i.status <> 'rejected'
    ), 0))
    where pol.purchase_order_id = ${purchaseOrderId}`);
}

// ---- matches and holds -----------------------------------------------------

export async function findMatch(db: Executor, invoiceId: string, round: number) {
  const [row] = await db.select().from(invoiceMatches).where(and(eq(invoiceMatches.invoiceId, invoiceId), eq(invoiceMatches.round, round))).limit(1);
  return row;
}

export async function latestMatch(db: Executor, invoiceId: string) {
  const [row] = await db.select().from(invoiceMatches).where(eq(invoiceMatches.invoiceId, invoiceId)).orderBy(desc(invoiceMatches.round)).limit(1);
  return row;
}

export async function insertMatch(db: Executor, values: typeof invoiceMatches.$inferInsert): Promise<boolean> {
  const rows = await db.insert(invoiceMatches).values(values).onConflictDoNothing().returning({ id: invoiceMatches.id });
  return rows.length > 0;
}

export async function openHolds(db: Executor, invoiceId: string): Promise<InvoiceHoldRow[]> {
  return db.select().from(invoiceHolds).where(and(eq(invoiceHolds.invoiceId, invoiceId), isNull(invoiceHolds.releasedAt))).orderBy(asc(invoiceHolds.placedAt), asc(invoiceHolds.lineNo));
}

export async function allHolds(db: Executor, invoiceId: string): Promise<InvoiceHoldRow[]> {
  return db.select().from(invoiceHolds).where(eq(invoiceHolds.invoiceId, invoiceId)).orderBy(asc(invoiceHolds.placedAt), asc(invoiceHolds.lineNo), asc(invoiceHolds.reason));
}

export async function insertHolds(db: Executor, rows: (typeof invoiceHolds.$inferInsert)[]): Promise<void> {
  if (rows.length) await db.insert(invoiceHolds).values(rows);
}

export async function updateHold(db: Executor, id: string, values: Partial<typeof invoiceHolds.$inferInsert>): Promise<void> {
  await db.update(invoiceHolds).set(values).where(eq(invoiceHolds.id, id));
}

export async function releaseOpenHolds(db: Executor, params: { invoiceId: string; release: string; byId: string | null; note: string | null; round: number | null; now: Date }): Promise<number> {
  const rows = await db
    .update(invoiceHolds)
    .set({ releasedAt: params.now, release: params.release, releasedById: params.byId, releaseNote: params.note, releasedRound: params.round })
    .where(and(eq(invoiceHolds.invoiceId, params.invoiceId), isNull(invoiceHolds.releasedAt)))
    .returning({ id: invoiceHolds.id });
  return rows.length;
}

/** Current hold reasons of many invoices at once (the list shows them). */
export async function holdReasonsOf(db: Executor, invoiceIds: readonly string[]): Promise<Map<string, string[]>> {
  const byInvoice = new Map<string, string[]>();
  if (invoiceIds.length === 0) return byInvoice;
  const rows = await db.select({ invoiceId: invoiceHolds.invoiceId, reason: invoiceHolds.reason }).from(invoiceHolds).where(and(inArray(invoiceHolds.invoiceId, [...invoiceIds]), isNull(invoiceHolds.releasedAt)));
  for (const row of rows) {
    const reasons = byInvoice.get(row.invoiceId) ?? [];
    if (!reasons.includes(row.reason)) reasons.push(row.reason);
    byInvoice.set(row.invoiceId, reasons);
  }
  return byInvoice;
}

// ---- lists -----------------------------------------------------------------

export interface ListInvoicesParams {
  access?: SQL | undefined;
  supplierId?: string | undefined;
  purchaseOrderId?: string | undefined;
  status?: InvoiceStatus | undefined;
  kind?: InvoiceKind | undefined;
  dueFrom?: string | undefined;
  dueTo?: string | undefined;
  limit: number;
  /** Keyset: the id of the previous page's last invoice (newest first). */
  before?: string | undefined;
}

export async function listInvoices(db: Executor, params: ListInvoicesParams) {
  const rows = await db
    .select(withNames)
    .from(invoices)
    .innerJoin(suppliers, eq(suppliers.id, invoices.supplierId))
    .innerJoin(purchaseOrders, eq(purchaseOrders.id, invoices.purchaseOrderId))
    .where(
      and(
        params.access,
        params.supplierId ? eq(invoices.supplierId, params.supplierId) : undefined,
        params.purchaseOrderId ? eq(invoices.purchaseOrderId, params.purchaseOrderId) : undefined,
        params.status ? eq(invoices.status, params.status) : undefined,
        params.kind ? eq(invoices.kind, params.kind) : undefined,
        params.dueFrom ? gte(invoices.dueDate, params.dueFrom) : undefined,
        params.dueTo ? lte(invoices.dueDate, params.dueTo) : undefined,
        params.before ? sql`${invoices.seq} < (select i.seq from invoices i where i.id = ${params.before})` : undefined,
      ),
    )
    .orderBy(desc(invoices.seq))
    .limit(params.limit);
  return rows.map((row) => ({ ...row.invoice, supplierName: row.supplierName, purchaseOrderNumber: row.purchaseOrderNumber }));
}

/** Net credit of the live credit notes of each invoice (a negative amount), for open amounts. */
export async function creditTotalsOf(db: Executor, invoiceIds: readonly string[]): Promise<Map<string, string>> {
  const totals = new Map<string, string>();
  if (invoiceIds.length === 0) return totals;
  const rows = await db
    .select({ invoiceId: invoices.creditForId, total: sql<string>`sum(${invoices.total})::text` })
    .from(invoices)
    .where(and(inArray(invoices.creditForId, [...invoiceIds]), ne(invoices.status, 'rejected')))
    .groupBy(invoices.creditForId);
  for (const row of rows) if (row.invoiceId) totals.set(row.invoiceId, row.total);
  return totals;
}

/** Approved, unpaid invoices due on or before a date, by supplier and due date: what a payment run proposes. */
export async function dueInvoices(db: Executor, dueBy: string) {
  const rows = await db
    .select(withNames)
    .from(invoices)
    .innerJoin(suppliers, eq(suppliers.id, invoices.supplierId))
    .innerJoin(purchaseOrders, eq(purchaseOrders.id, invoices.purchaseOrderId))
    .where(and(eq(invoices.status, 'approved'), eq(invoices.kind, 'invoice'), lte(invoices.dueDate, dueBy)))
    .orderBy(asc(suppliers.name), asc(invoices.dueDate), asc(invoices.seq))
    .limit(2000);
  return rows.map((row) => ({ ...row.invoice, supplierName: row.supplierName, purchaseOrderNumber: row.purchaseOrderNumber }));
}

// ---- payments --------------------------------------------------------------

export async function insertPayment(db: Executor, values: typeof invoicePayments.$inferInsert): Promise<boolean> {
  const rows = await db.insert(invoicePayments).values(values).onConflictDoNothing({ target: invoicePayments.invoiceId }).returning({ id: invoicePayments.invoiceId });
  return rows.length > 0;
}

export async function findPayment(db: Executor, invoiceId: string) {
  const [row] = await db.select().from(invoicePayments).where(eq(invoicePayments.invoiceId, invoiceId)).limit(1);
  return row;
}

export async function insertPaymentRun(db: Executor, run: typeof paymentRuns.$inferInsert, items: (typeof paymentRunItems.$inferInsert)[]): Promise<boolean> {
  const rows = await db.insert(paymentRuns).values(run).onConflictDoNothing({ target: paymentRuns.id }).returning({ id: paymentRuns.id });
  if (rows.length === 0) return false;
  await db.insert(paymentRunItems).values(items);
  return true;
}

/** Runs with their invoices, in one query for the items of them all. */
async function withItems(db: Executor, runs: PaymentRunRow[]) {
  if (runs.length === 0) return [];
  const items = await db
    .select({ runId: paymentRunItems.runId, invoiceId: paymentRunItems.invoiceId, amount: paymentRunItems.amount, number: invoices.number, invoiceNumber: invoices.invoiceNumber, status: invoices.status, workflowId: invoices.workflowId, supplierName: suppliers.name })
    .from(paymentRunItems)
    .innerJoin(invoices, eq(invoices.id, paymentRunItems.invoiceId))
    .innerJoin(suppliers, eq(suppliers.id, invoices.supplierId))
    .where(inArray(paymentRunItems.runId, runs.map((run) => run.id)))
    .orderBy(asc(suppliers.name), asc(invoices.seq));
  return runs.map((run) => ({ ...run, items: items.filter((item) => item.runId === run.id) }));
}

export async function findPaymentRun(db: Executor, id: string) {
  const runs = await db.select().from(paymentRuns).where(eq(paymentRuns.id, id)).limit(1);
  return (await withItems(db, runs))[0];
}

export async function listPaymentRuns(db: Executor, params: { limit: number; before?: string | undefined }) {
  const runs = await db
    .select()
    .from(paymentRuns)
    .where(params.before ? sql`(${paymentRuns.createdAt}, ${paymentRuns.id}) < (select r.created_at, r.id from payment_runs r where r.id = ${params.before})` : undefined)
    .orderBy(desc(paymentRuns.createdAt), desc(paymentRuns.id))
    .limit(params.limit);
  return withItems(db, runs);
}

// ---- accounting exports ----------------------------------------------------

/** Approved or paid invoices and credit notes not exported yet, oldest first. */
export async function unexportedInvoiceIds(db: Executor, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: invoices.id })
    .from(invoices)
    .where(and(inArray(invoices.status, ['approved', 'paid']), isNull(invoices.exportId)))
    .orderBy(asc(invoices.seq))
    .limit(limit);
  return rows.map((row) => row.id);
}

export async function invoicesWithLines(db: Executor, ids: readonly string[]): Promise<InvoiceWithLines[]> {
  if (ids.length === 0) return [];
  const rows = await db.select(withNames).from(invoices).innerJoin(suppliers, eq(suppliers.id, invoices.supplierId)).innerJoin(purchaseOrders, eq(purchaseOrders.id, invoices.purchaseOrderId)).where(inArray(invoices.id, [...ids])).orderBy(asc(invoices.seq));
  const lines = await linesOf(db, ids);
  return rows.map((row) => ({ ...row.invoice, supplierName: row.supplierName, purchaseOrderNumber: row.purchaseOrderNumber, lines: lines.get(row.invoice.id) ?? [] }));
}

export async function markExported(db: Executor, params: { ids: readonly string[]; exportId: string; now: Date }): Promise<void> {
  if (params.ids.length) await db.update(invoices).set({ exportId: params.exportId, exportedAt: params.now }).where(inArray(invoices.id, [...params.ids]));
}

export async function insertAccountingExport(db: Executor, values: typeof accountingExports.$inferInsert): Promise<void> {
  await db.insert(accountingExports).values(values);
}

export async function findAccountingExport(db: Executor, id: string) {
  const [row] = await db.select().from(accountingExports).where(eq(accountingExports.id, id)).limit(1);
  return row;
}

export async function listAccountingExports(db: Executor, params: { limit: number; before?: string | undefined }) {
  return db
    .select({ id: accountingExports.id, number: accountingExports.number, reexport: accountingExports.reexport, invoiceIds: accountingExports.invoiceIds, count: accountingExports.count, total: accountingExports.total, createdById: accountingExports.createdById, createdAt: accountingExports.createdAt })
    .from(accountingExports)
    .where(params.before ? sql`(${accountingExports.createdAt}, ${accountingExports.id}) < (select e.created_at, e.id from accounting_exports e where e.id = ${params.before})` : undefined)
    .orderBy(desc(accountingExports.createdAt), desc(accountingExports.id))
    .limit(params.limit);
}

// ---- tolerances --------------------------------------------------------------

export async function supplierTolerances(db: Executor, supplierId: string) {
  const [row] = await db.select().from(supplierMatchTolerances).where(eq(supplierMatchTolerances.supplierId, supplierId)).limit(1);
  return row;
}

export async function listSupplierTolerances(db: Executor) {
  return db.select({ row: supplierMatchTolerances, supplierName: suppliers.name }).from(supplierMatchTolerances).innerJoin(suppliers, eq(suppliers.id, supplierMatchTolerances.supplierId)).orderBy(asc(suppliers.name));
}

export async function writeSupplierTolerances(db: Executor, params: { supplierId: string; tolerances: SupplierTolerances; updatedBy: string; now: Date }): Promise<void> {
  await db
    .insert(supplierMatchTolerances)
    .values({ supplierId: params.supplierId, tolerances: params.tolerances, updatedBy: params.updatedBy, updatedAt: params.now })
    .onConflictDoUpdate({ target: supplierMatchTolerances.supplierId, set: { tolerances: params.tolerances, updatedBy: params.updatedBy, updatedAt: params.now } });
}

export async function deleteSupplierTolerances(db: Executor, supplierId: string): Promise<boolean> {
  const rows = await db.delete(supplierMatchTolerances).where(eq(supplierMatchTolerances.supplierId, supplierId)).returning({ id: supplierMatchTolerances.supplierId });
  return rows.length > 0;
}

/** Invoices of an order not yet paid or rejected: the order stays open for them. */
export async function liveInvoicesOfOrder(db: Executor, purchaseOrderId: string): Promise<{ id: string; workflowId: string; status: InvoiceStatus }[]> {
  return db
    .select({ id: invoices.id, workflowId: invoices.workflowId, status: invoices.status })
    .from(invoices)
    .where(and(eq(invoices.purchaseOrderId, purchaseOrderId), eq(invoices.kind, 'invoice'), inArray(invoices.status, ['matching', 'on_hold', 'approved'])));
}

/** Invoices whose first match never came (the engine was down at entry, or the API died between commit and start). */
export async function invoicesAwaitingStart(db: Executor, params: { olderThanSeconds: number; limit: number }): Promise<InvoiceRow[]> {
  return db
    .select()
    .from(invoices)
    .where(and(eq(invoices.kind, 'invoice'), eq(invoices.status, 'matching'), isNull(invoices.matchedAt), sql`${invoices.createdAt} < now() - make_interval(secs => ${params.olderThanSeconds})`))
    .orderBy(asc(invoices.seq))
    .limit(params.limit);
}

/** Per PO line, the goods paid invoices billed (net of their credit notes): an order closes when they cover what was accepted. */
export async function paidQuantitiesOfOrder(db: Executor, purchaseOrderId: string): Promise<Map<string, string>> {
  const rows = await db
    .select({ lineId: invoiceLines.purchaseOrderLineId, quantity: sql<string>`sum(case when "invoices"."kind" = 'credit_note' then least("invoice_lines"."quantity", 0) else "invoice_lines"."quantity" end)::numeric(18, 4)::text` })
    .from(invoiceLines)
    .innerJoin(invoices, eq(invoices.id, invoiceLines.invoiceId))
    .where(and(eq(invoices.purchaseOrderId, purchaseOrderId), eq(invoices.status, 'paid')))
    .groupBy(invoiceLines.purchaseOrderLineId);
  return new Map(rows.map((row) => [row.lineId, row.quantity]));
}

/** Orders a requisition's lines are on that are neither closed nor cancelled. */
export async function openOrdersOfRequisition(db: Executor, requisitionId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(purchaseOrders)
    .where(
      and(
        sql`${purchaseOrders.status} not in ('closed', 'cancelled')`,
        sql`(${purchaseOrders.requisitionId} = ${requisitionId} or exists (select 1 from purchase_order_lines pol join requisition_lines rl on rl.id = pol.requisition_line_id where pol.purchase_order_id = "purchase_orders"."id" and rl.requisition_id = ${requisitionId}))`,
      ),
    );
  return Number(row?.n ?? 0);
}

/** The cost code (project code of the requisition) behind each PO line that has one: an exported bill's line class. */
export async function projectCodesOfOrderLines(db: Executor, lineIds: readonly string[]): Promise<Map<string, string>> {
  if (lineIds.length === 0) return new Map();
  const rows = await db
    .select({ lineId: purchaseOrderLines.id, code: projects.code })
    .from(purchaseOrderLines)
    .innerJoin(requisitionLines, eq(requisitionLines.id, purchaseOrderLines.requisitionLineId))
    .innerJoin(requisitions, eq(requisitions.id, requisitionLines.requisitionId))
    .innerJoin(projects, eq(projects.id, requisitions.projectId))
    .where(inArray(purchaseOrderLines.id, [...lineIds]));
  return new Map(rows.map((row) => [row.lineId, row.code]));
}

/** Credit notes of the last day (at least `olderThanSeconds` old) whose invoice is not settled: its process may not have heard of them. */
export async function creditNotesOfOpenInvoices(db: Executor, params: { olderThanSeconds: number; limit: number }): Promise<{ id: string; workflowId: string }[]> {
  return db
    .select({ id: invoices.id, workflowId: invoices.workflowId })
    .from(invoices)
    .where(
      and(
        eq(invoices.kind, 'credit_note'),
        // Its invoice's row may already say approved while the process has not heard (Temporal lost the task that wrote it).
        sql`exists (select 1 from invoices parent where parent.id = "invoices"."credit_for_id" and parent.status in ('matching', 'on_hold', 'approved'))`,
        sql`${invoices.createdAt} between now() - interval '1 day' and now() - make_interval(secs => ${params.olderThanSeconds})`,
      ),
    )
    .orderBy(asc(invoices.seq))
    .limit(params.limit);
}

/** Invoices of payment runs made at least `olderThanSeconds` ago that are approved and still unpaid: the run did not reach them. */
export async function unpaidRunItems(db: Executor, params: { olderThanSeconds: number; limit: number }) {
  return db
    .select({ runId: paymentRuns.id, reference: paymentRuns.reference, paidOn: paymentRuns.paidOn, createdById: paymentRuns.createdById, invoiceId: paymentRunItems.invoiceId, amount: paymentRunItems.amount, workflowId: invoices.workflowId })
    .from(paymentRunItems)
    .innerJoin(paymentRuns, eq(paymentRuns.id, paymentRunItems.runId))
    .innerJoin(invoices, eq(invoices.id, paymentRunItems.invoiceId))
    .where(and(eq(invoices.status, 'approved'), sql`not exists (select 1 from invoice_payments p where p.invoice_id = "payment_run_items"."invoice_id")`, sql`${paymentRuns.createdAt} < now() - make_interval(secs => ${params.olderThanSeconds})`))
    .orderBy(asc(paymentRuns.createdAt))
    .limit(params.limit);
}

/**
 * Payments recorded in the last day (at least `olderThanSeconds` ago) on
 * orders not yet closed: the relay asks each invoice's process whether it
 * heard of its payment (Temporal may have lost the workflow task that wrote it).
 */
export async function recentPaymentsOfOpenOrders(db: Executor, params: { olderThanSeconds: number; limit: number }) {
  return db
    .select({ invoiceId: invoicePayments.invoiceId, workflowId: invoices.workflowId, reference: invoicePayments.reference, paidOn: invoicePayments.paidOn, amount: invoicePayments.amount, paymentRunId: invoicePayments.paymentRunId, recordedById: invoicePayments.recordedById })
    .from(invoicePayments)
    .innerJoin(invoices, eq(invoices.id, invoicePayments.invoiceId))
    .innerJoin(purchaseOrders, eq(purchaseOrders.id, invoices.purchaseOrderId))
    .where(and(ne(purchaseOrders.status, 'closed'), sql`${invoicePayments.recordedAt} between now() - interval '1 day' and now() - make_interval(secs => ${params.olderThanSeconds})`))
    .orderBy(desc(invoicePayments.recordedAt))
    .limit(params.limit);
}

/** An invoice's total net of its live credit notes (a credit note's total is negative). */
export async function netTotalOf(db: Executor, invoice: Pick<InvoiceRow, 'id' | 'total'>): Promise<string> {
  const credit = (await creditTotalsOf(db, [invoice.id])).get(invoice.id) ?? '0';
  return formatDecimal(parseDecimal(invoice.total, MONEY_SCALE) + parseDecimal(credit, MONEY_SCALE), MONEY_SCALE);
}
