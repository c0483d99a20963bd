import { sql } from 'drizzle-orm';
import { check, customType, date, index, integer, jsonb, numeric, pgTable, primaryKey, text, unique, uuid } from 'drizzle-orm/pg-core';
import type { PurchaseOrderAcknowledgement, PurchaseOrderRevisionSnapshot, PurchaseOrderStatus } from '@p2p/domain/purchase-orders';
import { suppliers } from './reference.ts';
import { requisitionLines, requisitions } from './requisitions.ts';
import { timestampColumn as at, users } from './users.ts';

const quantity = (name: string) => numeric(name, { precision: 18, scale: 4 });
const money = (name: string) => numeric(name, { precision: 18, scale: 2 });
const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/**
 * A purchase order to one supplier (SPEC 4.2). A draft is made from approved
 * requisition lines; the buyer prepares it (prices, dates, tax), it gets its
 * number PO-<year>-<seq> then, is approved above the threshold, and issued.
 * Its workflow (`po-<id>`) is the source of truth for what happens next; the
 * row is its projection, with the current revision's figures.
 */
export const purchaseOrders = pgTable(
  'purchase_orders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** PO-<year>-<seq>, allocated once when the buyer first prepares it; never reused. */
    number: text('number').unique(),
    /** The requisition whose approval made this draft (lines may later come from others). */
    requisitionId: uuid('requisition_id').notNull().references(() => requisitions.id),
    supplierId: uuid('supplier_id').notNull().references(() => suppliers.id),
    /** Requesters of the requisitions its lines come from: they read the order (SPEC 3). */
    requesterIds: uuid('requester_ids').array().notNull(),
    status: text('status').$type<PurchaseOrderStatus>().notNull().default('draft'),
    /** 0 for the order as first issued; each change order adds one. */
    revision: integer('revision').notNull().default(0),
    /** The buyer who prepared it (segregation of duties: they do not approve it). */
    preparedById: uuid('prepared_by_id').references(() => users.id),
    currency: text('currency').notNull().default('EUR'),
    deliveryDate: date('delivery_date', { mode: 'string' }),
    deliveryAddress: text('delivery_address'),
    paymentTermsDays: integer('payment_terms_days').notNull(),
    subtotal: money('subtotal').notNull().default('0'),
    taxTotal: money('tax_total').notNull().default('0'),
    total: money('total').notNull().default('0'),
    note: text('note'),
    acknowledgement: text('acknowledgement').$type<PurchaseOrderAcknowledgement>(),
    /** A delivery date the supplier proposed, while the buyer decides on it. */
    proposedDeliveryDate: date('proposed_delivery_date', { mode: 'string' }),
    acknowledgedAt: at('acknowledged_at'),
    cancelReason: text('cancel_reason'),
    workflowId: text('workflow_id').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
    issuedAt: at('issued_at'),
    closedAt: at('closed_at'),
  },
  (table) => [
    index('purchase_orders_requisition_idx').on(table.requisitionId),
    index('purchase_orders_supplier_idx').on(table.supplierId, table.createdAt),
    index('purchase_orders_status_idx').on(table.status, table.createdAt),
    index('purchase_orders_requesters_idx').using('gin', table.requesterIds),
    // Retention: closed and cancelled orders by their closing date.
    index('purchase_orders_closed_idx').on(table.closedAt).where(sql`${table.status} in ('closed', 'cancelled')`),
    check('purchase_orders_total_not_negative', sql`${table.total} >= 0`),
  ],
);

/**
 * One line of an order. Quantities received, rejected, returned and invoiced
 * are kept here as running sums of their documents (receipts, returns,
 * invoices), written in the same transaction as each document.
 */
export const purchaseOrderLines = pgTable(
  'purchase_order_lines',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    purchaseOrderId: uuid('purchase_order_id').notNull().references(() => purchaseOrders.id),
    lineNo: integer('line_no').notNull(),
    /** Where the line came from; null for a line a change order added. */
    requisitionLineId: uuid('requisition_line_id').references(() => requisitionLines.id),
    description: text('description').notNull(),
    unit: text('unit').notNull(),
    quantity: quantity('quantity').notNull(),
    unitPrice: quantity('unit_price').notNull(),
    /** Percent, e.g. 5 or 19.5. */
    taxRate: numeric('tax_rate', { precision: 7, scale: 4 }).notNull(),
    /** Net amount of the quantity still ordered (quantity minus cancelled), rounded to cents. */
    amount: money('amount').notNull(),
    taxAmount: money('tax_amount').notNull(),
    glCode: text('gl_code'),
    cancelledQuantity: quantity('cancelled_quantity').notNull().default('0'),
    receivedQuantity: quantity('received_quantity').notNull().default('0'),
    rejectedQuantity: quantity('rejected_quantity').notNull().default('0'),
    returnedQuantity: quantity('returned_quantity').notNull().default('0'),
    invoicedQuantity: quantity('invoiced_quantity').notNull().default('0'),
  },
  (table) => [
    unique('purchase_order_lines_no').on(table.purchaseOrderId, table.lineNo),
    index('purchase_order_lines_requisition_line_idx').on(table.requisitionLineId),
    check('purchase_order_lines_quantity_positive', sql`${table.quantity} > 0`),
    check('purchase_order_lines_cancelled_range', sql`${table.cancelledQuantity} >= 0 and ${table.cancelledQuantity} <= ${table.quantity}`),
    check('purchase_order_lines_received_not_negative', sql`${table.receivedQuantity} >= 0 and ${table.rejectedQuantity} >= 0 and ${table.returnedQuantity} >= 0 and ${table.invoicedQuantity} >= 0`),
    check('purchase_order_lines_returned_within_accepted', sql`${table.returnedQuantity} <= ${table.receivedQuantity} - ${table.rejectedQuantity}`),
  ],
);

/** Every issued revision, as it was sent: readable after later change orders. */
export const purchaseOrderRevisions = pgTable(
  'purchase_order_revisions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    purchaseOrderId: uuid('purchase_order_id').notNull().references(() => purchaseOrders.id),
    revision: integer('revision').notNull(),
    snapshot: jsonb('snapshot').$type<PurchaseOrderRevisionSnapshot>().notNull(),
    total: money('total').notNull(),
    reason: text('reason'),
    createdById: uuid('created_by_id').references(() => users.id),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (table) => [unique('purchase_order_revisions_no').on(table.purchaseOrderId, table.revision)],
);

/** Files the system made (a PO's PDF per revision): mailed as attachments, served by the API, deleted by a disposal. */
export const documents = pgTable(
  'documents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: uuid('subject_id').notNull(),
    revision: integer('revision').notNull().default(0),
    filename: text('filename').notNull(),
    contentType: text('content_type').notNull(),
    content: bytea('content').notNull(),
    sha256: text('sha256').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (table) => [unique('documents_subject_revision').on(table.kind, table.subjectId, table.revision)],
);

/** A goods receipt GR-<year>-<seq>: what arrived against one PO in one delivery. */
export const goodsReceipts = pgTable(
  'goods_receipts',
  {
    id: uuid('id').primaryKey(),
    number: text('number').notNull().unique(),
    purchaseOrderId: uuid('purchase_order_id').notNull().references(() => purchaseOrders.id),
    receivedById: uuid('received_by_id').notNull().references(() => users.id),
    receivedAt: at('received_at').notNull(),
    /** The supplier's delivery note number, if any. */
    deliveryNote: text('delivery_note'),
    note: text('note'),
  },
  (table) => [index('goods_receipts_po_idx').on(table.purchaseOrderId, table.receivedAt)],
);

export const goodsReceiptLines = pgTable(
  'goods_receipt_lines',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    receiptId: uuid('receipt_id').notNull().references(() => goodsReceipts.id),
    purchaseOrderLineId: uuid('purchase_order_line_id').notNull().references(() => purchaseOrderLines.id),
    quantityReceived: quantity('quantity_received').notNull(),
    quantityRejected: quantity('quantity_rejected').notNull().default('0'),
    /** Accepted quantity returned to the vendor since. */
    quantityReturned: quantity('quantity_returned').notNull().default('0'),
    location: text('location').notNull(),
  },
  (table) => [
    index('goods_receipt_lines_receipt_idx').on(table.receiptId),
    check('goods_receipt_lines_quantities', sql`${table.quantityReceived} >= 0 and ${table.quantityRejected} >= 0 and ${table.quantityRejected} <= ${table.quantityReceived} and ${table.quantityReturned} >= 0 and ${table.quantityReturned} <= ${table.quantityReceived} - ${table.quantityRejected}`),
  ],
);

/** A return to vendor RTV-<year>-<seq> against one receipt. */
export const vendorReturns = pgTable(
  'vendor_returns',
  {
    id: uuid('id').primaryKey(),
    number: text('number').notNull().unique(),
    receiptId: uuid('receipt_id').notNull().references(() => goodsReceipts.id),
    purchaseOrderId: uuid('purchase_order_id').notNull().references(() => purchaseOrders.id),
    reason: text('reason').notNull(),
    returnedById: uuid('returned_by_id').notNull().references(() => users.id),
    returnedAt: at('returned_at').notNull(),
  },
  (table) => [index('vendor_returns_po_idx').on(table.purchaseOrderId)],
);

export const vendorReturnLines = pgTable(
  'vendor_return_lines',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    returnId: uuid('return_id').notNull().references(() => vendorReturns.id),
    receiptLineId: uuid('receipt_line_id').notNull().references(() => goodsReceiptLines.id),
    purchaseOrderLineId: uuid('purchase_order_line_id').notNull().references(() => purchaseOrderLines.id),
    quantity: quantity('quantity').notNull(),
  },
  (table) => [check('vendor_return_lines_positive', sql`${table.quantity} > 0`)],
);

/** Stock on hand per storage location and item (the PO line's description and unit name the item). */
export const inventoryBalances = pgTable(
  'inventory_balances',
  {
    location: text('location').notNull(),
    item: text('item').notNull(),
    unit: text('unit').notNull(),
    quantity: quantity('quantity').notNull(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.location, table.item, table.unit] }), check('inventory_balances_not_negative', sql`${table.quantity} >= 0`)],
);

/** Every movement of stock: + for an accepted receipt, - for a return. */
export const inventoryTransactions = pgTable(
  'inventory_transactions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind').$type<'receipt' | 'return'>().notNull(),
    location: text('location').notNull(),
    item: text('item').notNull(),
    unit: text('unit').notNull(),
    quantity: quantity('quantity').notNull(),
    purchaseOrderLineId: uuid('purchase_order_line_id').notNull().references(() => purchaseOrderLines.id),
    /** The receipt or return that moved it. */
    documentId: uuid('document_id').notNull(),
    documentNumber: text('document_number').notNull(),
    at: at('at').notNull(),
  },
  (table) => [index('inventory_transactions_item_idx').on(table.location, table.item, table.at), unique('inventory_transactions_once').on(table.documentId, table.purchaseOrderLineId, table.kind)],
);

/**
 * The supplier's signed link in a PO mail (one per issued revision): the
 * signature proves it, this row makes it single-use and keeps the answer.
 */
export const supplierLinks = pgTable(
  'supplier_links',
  {
    id: uuid('id').primaryKey(),
    purchaseOrderId: uuid('purchase_order_id').notNull().references(() => purchaseOrders.id),
    supplierId: uuid('supplier_id').notNull().references(() => suppliers.id),
    revision: integer('revision').notNull(),
    expiresAt: at('expires_at').notNull(),
    usedAt: at('used_at'),
    response: jsonb('response').$type<{ action: 'confirm' | 'propose_date'; deliveryDate?: string | null; comment?: string | null }>(),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (table) => [index('supplier_links_po_idx').on(table.purchaseOrderId)],
);

export type PurchaseOrderRow = typeof purchaseOrders.$inferSelect;
export type PurchaseOrderLineRow = typeof purchaseOrderLines.$inferSelect;
export type GoodsReceiptRow = typeof goodsReceipts.$inferSelect;
export type GoodsReceiptLineRow = typeof goodsReceiptLines.$inferSelect;
export type VendorReturnRow = typeof vendorReturns.$inferSelect;
export type DocumentRow = typeof documents.$inferSelect;
export type SupplierLinkRow = typeof supplierLinks.$inferSelect;
