import { and, asc, desc, eq, inArray, ne, or, sql, type SQL } from 'drizzle-orm';
import { PRICE_SCALE, formatDecimal, parseDecimal, poLineMoney, poTotals, type PurchaseOrderStatus } from '@p2p/domain';
import type { Executor } from '../client.ts';
import { containing } from './like.ts';
import {
  documents,
  goodsReceiptLines,
  goodsReceipts,
  inventoryBalances,
  inventoryTransactions,
  purchaseOrderLines,
  purchaseOrderRevisions,
  purchaseOrders,
  requisitionLines,
  requisitions,
  supplierLinks,
  suppliers,
  vendorReturnLines,
  vendorReturns,
  type PurchaseOrderLineRow,
  type PurchaseOrderRow,
} from '../schema/index.ts';

/**
 * Purchase orders, goods receipts, returns and stock. Quantities are numeric
 * in the database and decimal strings here; every sum a line keeps
 * (received, rejected, returned) is changed in the transaction of the
 * document that changes it, under a lock on the order's row.
 */

export interface PurchaseOrderWithLines extends PurchaseOrderRow {
  lines: PurchaseOrderLineRow[];
}

const units = (value: string) => parseDecimal(value, PRICE_SCALE);
const quantity = (value: bigint) => formatDecimal(value, PRICE_SCALE);

export async function findPurchaseOrder(db: Executor, id: string, options: { lock?: boolean } = {}): Promise<PurchaseOrderWithLines | undefined> {
  const query = db.select().from(purchaseOrders).where(eq(purchaseOrders.id, id)).limit(1);
  const [order] = options.lock ? await query.for('update') : await query;
  if (!order) return undefined;
  const lines = await db.select().from(purchaseOrderLines).where(eq(purchaseOrderLines.purchaseOrderId, id)).orderBy(asc(purchaseOrderLines.lineNo));
  return { ...order, lines };
}

/** Requisition lines not (or no longer) fully on an order, with the quantity still to order. */
export async function unorderedRequisitionLines(db: Executor, requisitionId: string) {
  const rows = await db
    .select({
      line: requisitionLines,
      ordered: sql<string>`coalesce((select sum(pol.quantity - pol.cancelled_quantity) from purchase_order_lines pol where pol.requisition_line_id = "requisition_lines"."id"), 0)::text`,
    })
    .from(requisitionLines)
    .where(eq(requisitionLines.requisitionId, requisitionId))
    .orderBy(asc(requisitionLines.lineNo))
    .for('update', { of: requisitionLines });
  return rows
    .map(({ line, ordered }) => ({ line, open: quantity(units(line.quantity) - units(normalise(ordered))) }))
    .filter((row) => units(row.open) > 0n);
}

/** numeric::text may carry more decimals than the scale (sums keep 4): trims trailing zeros beyond it. */
function normalise(value: string): string {
  const [whole, fraction = ''] = value.split('.');
  const kept = fraction.slice(0, PRICE_SCALE);
  return kept ? `${whole}.${kept}` : whole!;
}

export async function insertDraftOrder(
  db: Executor,
  params: { id: string; requisitionId: string; requesterId: string; supplierId: string; paymentTermsDays: number; deliveryAddress: string; taxRate: string; lines: { requisitionLineId: string; description: string; unit: string; quantity: string; unitPrice: string; glCode: string | null }[]; now: Date },
): Promise<PurchaseOrderWithLines> {
  const lines = params.lines.map((line, index) => ({ ...line, purchaseOrderId: params.id, lineNo: index + 1, taxRate: params.taxRate, ...poLineMoney({ quantity: line.quantity, unitPrice: line.unitPrice, taxRate: params.taxRate }) }));
  const totals = poTotals(lines);
  const [order] = await db
    .insert(purchaseOrders)
    .values({ id: params.id, requisitionId: params.requisitionId, requesterIds: [params.requesterId], supplierId: params.supplierId, paymentTermsDays: params.paymentTermsDays, deliveryAddress: params.deliveryAddress, workflowId: `po-${params.id}`, ...totals, createdAt: params.now, updatedAt: params.now })
    .returning();
  const inserted = await db.insert(purchaseOrderLines).values(lines).returning();
  return { ...order!, lines: inserted };
}

export async function updatePurchaseOrder(db: Executor, id: string, values: Partial<typeof purchaseOrders.$inferInsert>): Promise<void> {
  await db.update(purchaseOrders).set(values).where(eq(purchaseOrders.id, id));
}

export async function updatePurchaseOrderLine(db: Executor, id: string, values: Partial<typeof purchaseOrderLines.$inferInsert>): Promise<void> {
  await db.update(purchaseOrderLines).set(values).where(eq(purchaseOrderLines.id, id));
}

export async function insertPurchaseOrderLine(db: Executor, values: typeof purchaseOrderLines.$inferInsert): Promise<PurchaseOrderLineRow> {
  const [row] = await db.insert(purchaseOrderLines).values(values).returning();
  return row!;
}

/** Recomputes each line's money and the order's totals from its lines (after prices, tax or quantities changed). */
export async function refreshOrderMoney(db: Executor, id: string, now: Date): Promise<PurchaseOrderWithLines> {
  const order = (await findPurchaseOrder(db, id))!;
  for (const line of order.lines) {
    const money = poLineMoney(line);
    if (money.amount !== line.amount || money.taxAmount !== line.taxAmount) {
      await updatePurchaseOrderLine(db, line.id, money);
      Object.assign(line, money);
    }
  }
  const totals = poTotals(order.lines);
  await updatePurchaseOrder(db, id, { ...totals, updatedAt: now });
  return { ...order, ...totals };
}

export async function insertRevision(db: Executor, values: typeof purchaseOrderRevisions.$inferInsert): Promise<boolean> {
  const rows = await db.insert(purchaseOrderRevisions).values(values).onConflictDoNothing().returning({ id: purchaseOrderRevisions.id });
  return rows.length > 0;
}

export async function listRevisions(db: Executor, purchaseOrderId: string) {
  return db.select().from(purchaseOrderRevisions).where(eq(purchaseOrderRevisions.purchaseOrderId, purchaseOrderId)).orderBy(asc(purchaseOrderRevisions.revision));
}

export async function insertDocument(db: Executor, values: typeof documents.$inferInsert): Promise<string> {
  await db.insert(documents).values(values).onConflictDoNothing();
  const [row] = await db
    .select({ id: documents.id })
    .from(documents)
    .where(and(eq(documents.kind, values.kind), eq(documents.subjectId, values.subjectId), eq(documents.revision, values.revision ?? 0)));
  return row!.id;
}

export async function findDocument(db: Executor, params: { kind: string; subjectId: string; revision: number }) {
  const [row] = await db
    .select()
    .from(documents)
    .where(and(eq(documents.kind, params.kind), eq(documents.subjectId, params.subjectId), eq(documents.revision, params.revision)))
    .limit(1);
  return row;
}

export async function insertSupplierLink(db: Executor, values: typeof supplierLinks.$inferInsert): Promise<void> {
  await db.insert(supplierLinks).values(values);
}

export async function findSupplierLink(db: Executor, id: string, options: { lock?: boolean } = {}) {
  const query = db.select().from(supplierLinks).where(eq(supplierLinks.id, id)).limit(1);
  const [row] = options.lock ? await query.for('update') : await query;
  return row;
}

export async function useSupplierLink(db: Executor, params: { id: string; response: NonNullable<typeof supplierLinks.$inferSelect.response>; now: Date }): Promise<boolean> {
  const rows = await db
    .update(supplierLinks)
    .set({ usedAt: params.now, response: params.response })
    .where(and(eq(supplierLinks.id, params.id), sql`${supplierLinks.usedAt} is null`))
    .returning({ id: supplierLinks.id });
  return rows.length > 0;
}

/** The requisitions an order's lines come from. */
export async function requisitionsOfOrder(db: Executor, purchaseOrderId: string): Promise<{ id: string; requesterId: string; number: string | null; title: string }[]> {
  return db
    .selectDistinct({ id: requisitions.id, requesterId: requisitions.requesterId, number: requisitions.number, title: requisitions.title })
    .from(purchaseOrderLines)
    .innerJoin(requisitionLines, eq(requisitionLines.id, purchaseOrderLines.requisitionLineId))
    .innerJoin(requisitions, eq(requisitions.id, requisitionLines.requisitionId))
    .where(eq(purchaseOrderLines.purchaseOrderId, purchaseOrderId));
}

/**
 * Whether every line of a requisition is on issued orders (SPEC 4.2: the
 * requisition is then `ordered`). A cancelled quantity frees its line.
 */
export async function requisitionFullyOrdered(db: Executor, requisitionId: string): Promise<boolean> {
  const [row] = await db
    .select({
      open: sql<number>`count(*) filter (where "requisition_lines"."quantity" > coalesce((
        select sum(pol.quantity - pol.cancelled_quantity)
        from purchase_order_lines pol join purchase_orders po on po.id = pol.purchase_order_id
        where pol.requisition_line_id = "requisition_lines"."id" and po.status in ('issued', 'partially_received', 'received', 'closed')), 0))::int`,
    })
    .from(requisitionLines)
    .where(eq(requisitionLines.requisitionId, requisitionId));
  return (row?.open ?? 1) === 0;
}

// ---- receipts, returns, stock ------------------------------------------

/** One goods receipt with its lines (each with its order line) and its returns; undefined when there is none. */
export async function findReceipt(db: Executor, id: string) {
  return (await loadReceipts(db, eq(goodsReceipts.id, id)))[0];
}

export async function insertReceipt(db: Executor, values: typeof goodsReceipts.$inferInsert, lines: (typeof goodsReceiptLines.$inferInsert)[]) {
  await db.insert(goodsReceipts).values(values);
  return db.insert(goodsReceiptLines).values(lines).returning();
}

export async function addToLine(db: Executor, lineId: string, delta: { received?: string; rejected?: string; returned?: string }): Promise<void> {
  await db
    .update(purchaseOrderLines)
    .set({
      receivedQuantity: sql`${purchaseOrderLines.receivedQuantity} + ${delta.received ?? '0'}::numeric`,
      rejectedQuantity: sql`${purchaseOrderLines.rejectedQuantity} + ${delta.rejected ?? '0'}::numeric`,
      returnedQuantity: sql`${purchaseOrderLines.returnedQuantity} + ${delta.returned ?? '0'}::numeric`,
    })
    .where(eq(purchaseOrderLines.id, lineId));
}

/** One stock movement, once per document and line; the balance moves with it. */
export async function moveStock(db: Executor, params: { kind: 'receipt' | 'return'; location: string; item: string; unit: string; quantity: string; purchaseOrderLineId: string; documentId: string; documentNumber: string; at: Date }): Promise<void> {
  const inserted = await db.insert(inventoryTransactions).values(params).onConflictDoNothing().returning({ id: inventoryTransactions.id });
  if (inserted.length === 0) return;
  if (params.quantity.startsWith('-')) {
    // Stock going out: the row exists (the caller checked what is on hand); an upsert would check its insert row (negative) first.
    await db
      .update(inventoryBalances)
      .set({ quantity: sql`${inventoryBalances.quantity} + ${params.quantity}::numeric`, updatedAt: params.at })
      .where(and(eq(inventoryBalances.location, params.location), eq(inventoryBalances.item, params.item), eq(inventoryBalances.unit, params.unit)));
    return;
  }
  await db
    .insert(inventoryBalances)
    .values({ location: params.location, item: params.item, unit: params.unit, quantity: params.quantity, updatedAt: params.at })
    .onConflictDoUpdate({
      target: [inventoryBalances.location, inventoryBalances.item, inventoryBalances.unit],
      set: { quantity: sql`${inventoryBalances.quantity} + ${params.quantity}::numeric`, updatedAt: params.at },
    });
}

export async function stockOf(db: Executor, params: { location: string; item: string; unit: string }): Promise<string> {
  const [row] = await db
    .select({ quantity: inventoryBalances.quantity })
    .from(inventoryBalances)
    .where(and(eq(inventoryBalances.location, params.location), eq(inventoryBalances.item, params.item), eq(inventoryBalances.unit, params.unit)));
  return row?.quantity ?? '0';
}

export async function findReturn(db: Executor, id: string) {
  const [row] = await db.select().from(vendorReturns).where(eq(vendorReturns.id, id)).limit(1);
  if (!row) return undefined;
  const lines = await db.select().from(vendorReturnLines).where(eq(vendorReturnLines.returnId, id));
  return { ...row, lines };
}

export async function insertReturn(db: Executor, values: typeof vendorReturns.$inferInsert, lines: (typeof vendorReturnLines.$inferInsert)[]): Promise<void> {
  await db.insert(vendorReturns).values(values);
  await db.insert(vendorReturnLines).values(lines);
}

export async function addReturnedToReceiptLine(db: Executor, receiptLineId: string, returned: string): Promise<void> {
  await db
    .update(goodsReceiptLines)
    .set({ quantityReturned: sql`${goodsReceiptLines.quantityReturned} + ${returned}::numeric` })
    .where(eq(goodsReceiptLines.id, receiptLineId));
}

/** Every receipt of an order, in the order they arrived. */
export function receiptsOfOrder(db: Executor, purchaseOrderId: string) {
  return loadReceipts(db, eq(goodsReceipts.purchaseOrderId, purchaseOrderId));
}

/** Receipts by id (a page of them), in the order the ids are given. */
export async function receiptsByIds(db: Executor, ids: readonly string[]) {
  if (ids.length === 0) return [];
  const found = new Map((await loadReceipts(db, inArray(goodsReceipts.id, [...ids]))).map((receipt) => [receipt.id, receipt]));
  return ids.map((id) => found.get(id)).filter((receipt) => receipt !== undefined);
}

export type LoadedReceipt = Awaited<ReturnType<typeof loadReceipts>>[number];

/** Receipts matching `where`, each with its order's number, its lines and its returns: four queries, however many receipts. */
async function loadReceipts(db: Executor, where: SQL) {
  const receipts = await db
    .select({ receipt: goodsReceipts, purchaseOrderNumber: purchaseOrders.number })
    .from(goodsReceipts)
    .innerJoin(purchaseOrders, eq(purchaseOrders.id, goodsReceipts.purchaseOrderId))
    .where(where)
    .orderBy(asc(goodsReceipts.receivedAt), asc(goodsReceipts.number));
  if (receipts.length === 0) return [];
  const ids = receipts.map((row) => row.receipt.id);
  const lines = await db
    .select({ line: goodsReceiptLines, poLine: purchaseOrderLines })
    .from(goodsReceiptLines)
    .innerJoin(purchaseOrderLines, eq(purchaseOrderLines.id, goodsReceiptLines.purchaseOrderLineId))
    .where(inArray(goodsReceiptLines.receiptId, ids))
    .orderBy(asc(purchaseOrderLines.lineNo));
  const returns = await db.select().from(vendorReturns).where(inArray(vendorReturns.receiptId, ids)).orderBy(asc(vendorReturns.returnedAt));
  const returnLines = returns.length ? await db.select().from(vendorReturnLines).where(inArray(vendorReturnLines.returnId, returns.map((row) => row.id))) : [];
  return receipts.map(({ receipt, purchaseOrderNumber }) => ({
    ...receipt,
    purchaseOrderNumber,
    lines: lines.filter((row) => row.line.receiptId === receipt.id),
    returns: returns.filter((row) => row.receiptId === receipt.id).map((row) => ({ ...row, lines: returnLines.filter((line) => line.returnId === row.id) })),
  }));
}

// ---- lists --------------------------------------------------------------

export interface ListPurchaseOrdersParams {
  access: SQL | undefined;
  requisitionId?: string | undefined;
  supplierId?: string | undefined;
  status?: PurchaseOrderStatus | undefined;
  search?: string | undefined;
  limit: number;
  /** Keyset: the id of the previous page's last order. */
  before?: string | undefined;
}

export async function listPurchaseOrders(db: Executor, params: ListPurchaseOrdersParams) {
  const { before } = params;
  return db
    .select({ order: purchaseOrders, supplierName: suppliers.name, requisitionNumber: requisitions.number })
    .from(purchaseOrders)
    .innerJoin(suppliers, eq(suppliers.id, purchaseOrders.supplierId))
    .innerJoin(requisitions, eq(requisitions.id, purchaseOrders.requisitionId))
    .where(
      and(
        params.access,
        params.requisitionId
          ? or(
              eq(purchaseOrders.requisitionId, params.requisitionId),
              sql`exists (select 1 from purchase_order_lines pol join requisition_lines rl on rl.id = pol.requisition_line_id where pol.purchase_order_id = "purchase_orders"."id" and rl.requisition_id = ${params.requisitionId})`,
            )
          : undefined,
        params.supplierId ? eq(purchaseOrders.supplierId, params.supplierId) : undefined,
        params.status ? eq(purchaseOrders.status, params.status) : undefined,
        params.search ? or(sql`${purchaseOrders.number} ilike ${containing(params.search)}`, sql`${suppliers.name} ilike ${containing(params.search)}`) : undefined,
        before ? sql`(${purchaseOrders.createdAt}, ${purchaseOrders.id}) < (select p.created_at, p.id from purchase_orders p where p.id = ${before})` : undefined,
      ),
    )
    .orderBy(desc(purchaseOrders.createdAt), desc(purchaseOrders.id))
    .limit(params.limit);
}

/** Every order a requisition's approval made (its drafts, whatever became of them), oldest first. */
export async function listPurchaseOrderIdsOfRequisition(db: Executor, requisitionId: string): Promise<string[]> {
  const rows = await db.select({ id: purchaseOrders.id }).from(purchaseOrders).where(eq(purchaseOrders.requisitionId, requisitionId)).orderBy(asc(purchaseOrders.createdAt), asc(purchaseOrders.id));
  return rows.map((row) => row.id);
}

/** Requisition ids behind each line of an order (line id -> requisition id). */
export async function requisitionIdsOfLines(db: Executor, purchaseOrderId: string): Promise<Map<string, string>> {
  const rows = await db
    .select({ lineId: purchaseOrderLines.id, requisitionId: requisitionLines.requisitionId })
    .from(purchaseOrderLines)
    .innerJoin(requisitionLines, eq(requisitionLines.id, purchaseOrderLines.requisitionLineId))
    .where(eq(purchaseOrderLines.purchaseOrderId, purchaseOrderId));
  return new Map(rows.map((row) => [row.lineId, row.requisitionId]));
}

/** Draft orders to the same supplier other than this one (where lines may move). */
export async function otherDraftsOfSupplier(db: Executor, params: { supplierId: string; exceptId: string }) {
  return db
    .select()
    .from(purchaseOrders)
    .where(and(eq(purchaseOrders.supplierId, params.supplierId), eq(purchaseOrders.status, 'draft'), ne(purchaseOrders.id, params.exceptId)));
}

/** Moves lines to another draft (numbered after its lines) and closes the gap they leave in theirs. */
export async function moveLinesToOrder(db: Executor, params: { lineIds: readonly string[]; fromOrderId: string; to: PurchaseOrderWithLines }): Promise<void> {
  let next = Math.max(0, ...params.to.lines.map((line) => line.lineNo));
  for (const lineId of params.lineIds) await db.update(purchaseOrderLines).set({ purchaseOrderId: params.to.id, lineNo: ++next }).where(eq(purchaseOrderLines.id, lineId));
  // Two steps, so the unique (order, line no) never sees a clash midway.
  await db.execute(sql`update ${purchaseOrderLines} set line_no = -line_no where purchase_order_id = ${params.fromOrderId}`);
  await db.execute(sql`
    update ${purchaseOrderLines} as l set line_no = o.n
    from (select id, row_number() over (order by -line_no) as n from ${purchaseOrderLines} where purchase_order_id = ${params.fromOrderId}) as o
    where l.id = o.id`);
}

/** The requesters whose requisition lines an order holds read it (CASL); an order without lines keeps those it had. */
export async function refreshRequesterIds(db: Executor, purchaseOrderId: string): Promise<void> {
  const rows = await db
    .selectDistinct({ requesterId: requisitions.requesterId })
    .from(purchaseOrderLines)
    .innerJoin(requisitionLines, eq(requisitionLines.id, purchaseOrderLines.requisitionLineId))
    .innerJoin(requisitions, eq(requisitions.id, requisitionLines.requisitionId))
    .where(eq(purchaseOrderLines.purchaseOrderId, purchaseOrderId));
  if (rows.length) await db.update(purchaseOrders).set({ requesterIds: rows.map((row) => row.requesterId) }).where(eq(purchaseOrders.id, purchaseOrderId));
}

/** A draft's lines as its prepare step lists them (and its form must price). */
export const draftLines = (order: PurchaseOrderWithLines) =>
  order.lines.map((line) => ({ lineId: line.id, lineNo: line.lineNo, description: line.description, quantity: line.quantity, unit: line.unit, unitPrice: line.unitPrice, taxRate: line.taxRate }));
