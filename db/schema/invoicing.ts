import { sql } from 'drizzle-orm';
import { bigserial, boolean, check, date, index, integer, jsonb, numeric, pgTable, primaryKey, text, unique, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Bill, HoldReason, InvoiceKind, InvoiceStatus, MatchResult, MatchTolerances, SupplierTolerances } from '@p2p/domain/invoicing';
import { purchaseOrderLines, purchaseOrders } from './purchasing.ts';
import { suppliers } from './reference.ts';
import { timestampColumn as at, users } from './users.ts';

const quantity = (name: string) => numeric(name, { precision: 18, scale: 4 });
const money = (name: string) => numeric(name, { precision: 18, scale: 2 });

/**
 * A supplier's invoice or credit note against one PO (SPEC 4.3). Entered by
 * an accountant or an API client, numbered INV-/CN-<year>-<seq>, and matched
 * by its workflow (`inv-<id>`); a credit note has no process of its own: the
 * invoice it corrects takes it into its match. The row is the process's
 * projection: status, holds, approval, payment.
 */
export const invoices = pgTable(
  'invoices',
  {
    id: uuid('id').primaryKey(),
    /** Entry order: earlier invoices of a PO count against what was received before later ones. */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    number: text('number').notNull().unique(),
    kind: text('kind').$type<InvoiceKind>().notNull(),
    supplierId: uuid('supplier_id').notNull().references(() => suppliers.id),
    /** The supplier's own number: unique per supplier. */
    invoiceNumber: text('invoice_number').notNull(),
    creditForId: uuid('credit_for_id').references((): AnyPgColumn => invoices.id),
    purchaseOrderId: uuid('purchase_order_id').notNull().references(() => purchaseOrders.id),
    invoiceDate: date('invoice_date', { mode: 'string' }).notNull(),
    currency: text('currency').notNull(),
    subtotal: money('subtotal').notNull(),
    taxAmount: money('tax_amount').notNull(),
    total: money('total').notNull(),
    status: text('status').$type<InvoiceStatus>().notNull().default('matching'),
    note: text('note'),
    enteredById: uuid('entered_by_id').notNull().references(() => users.id),
    /** The match process; a credit note carries the one of the invoice it corrects. */
    workflowId: text('workflow_id').notNull(),
    terms: text('terms').notNull(),
    dueDate: date('due_date', { mode: 'string' }),
    discountDate: date('discount_date', { mode: 'string' }),
    discountAmount: money('discount_amount'),
    /** First match: an invoice without one after a grace period has its process started by the relay. */
    matchedAt: at('matched_at'),
    approvedAt: at('approved_at'),
    approvedById: uuid('approved_by_id').references(() => users.id),
    approvedAutomatically: boolean('approved_automatically'),
    varianceAcceptedById: uuid('variance_accepted_by_id').references(() => users.id),
    rejectedAt: at('rejected_at'),
    rejectedById: uuid('rejected_by_id').references(() => users.id),
    rejectionReason: text('rejection_reason'),
    paidAt: at('paid_at'),
    exportedAt: at('exported_at'),
    exportId: uuid('export_id'),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (table) => [
    unique('invoices_supplier_number').on(table.supplierId, table.invoiceNumber),
    index('invoices_po_idx').on(table.purchaseOrderId, table.seq),
    index('invoices_status_due_idx').on(table.status, table.dueDate),
    index('invoices_supplier_date_idx').on(table.supplierId, table.invoiceDate),
    index('invoices_credit_for_idx').on(table.creditForId),
    // Retention: paid and rejected invoices by the date they were settled.
    index('invoices_settled_idx').on(sql`coalesce(${table.paidAt}, ${table.rejectedAt})`).where(sql`${table.status} in ('paid', 'rejected')`),
    check('invoices_kind_sign', sql`(${table.kind} = 'invoice' and ${table.total} >= 0 and ${table.creditForId} is null) or (${table.kind} = 'credit_note' and ${table.total} < 0 and ${table.creditForId} is not null)`),
  ],
);

export const invoiceLines = pgTable(
  'invoice_lines',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    invoiceId: uuid('invoice_id').notNull().references(() => invoices.id),
    lineNo: integer('line_no').notNull(),
    purchaseOrderLineId: uuid('purchase_order_line_id').notNull().references(() => purchaseOrderLines.id),
    quantity: quantity('quantity').notNull(),
    unitPrice: quantity('unit_price').notNull(),
    amount: money('amount').notNull(),
  },
  (table) => [unique('invoice_lines_no').on(table.invoiceId, table.lineNo), index('invoice_lines_po_line_idx').on(table.purchaseOrderLineId)],
);

/** Each match of an invoice, per round (the first, then one per receipt, return or credit note): written once per round. */
export const invoiceMatches = pgTable(
  'invoice_matches',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    invoiceId: uuid('invoice_id').notNull().references(() => invoices.id),
    round: integer('round').notNull(),
    matched: boolean('matched').notNull(),
    result: jsonb('result').$type<MatchResult & { tolerances: MatchTolerances }>().notNull(),
    /** What made this round: `entered`, `receipt:<id>`, `return:<id>`, `credit_note:<id>`, `hold_period`. */
    trigger: text('trigger').notNull(),
    matchedAt: at('matched_at').notNull(),
  },
  (table) => [unique('invoice_matches_round').on(table.invoiceId, table.round)],
);

/** A named hold: placed by a match, released by a later match, an accepted variance or a rejection. Part of the record. */
export const invoiceHolds = pgTable(
  'invoice_holds',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    invoiceId: uuid('invoice_id').notNull().references(() => invoices.id),
    reason: text('reason').$type<HoldReason>().notNull(),
    lineId: uuid('line_id').references(() => purchaseOrderLines.id),
    lineNo: integer('line_no'),
    expected: text('expected').notNull(),
    actual: text('actual').notNull(),
    variance: text('variance').notNull(),
    allowed: text('allowed').notNull(),
    aboveTwiceTolerance: boolean('above_twice_tolerance').notNull(),
    detail: text('detail').notNull(),
    placedRound: integer('placed_round').notNull(),
    placedAt: at('placed_at').notNull(),
    releasedAt: at('released_at'),
    releasedRound: integer('released_round'),
    release: text('release'),
    releasedById: uuid('released_by_id').references(() => users.id),
    releaseNote: text('release_note'),
  },
  (table) => [index('invoice_holds_invoice_idx').on(table.invoiceId, table.placedAt), index('invoice_holds_open_idx').on(table.reason).where(sql`${table.releasedAt} is null`)],
);

/** A payment run PAY-<year>-<seq>: the due invoices someone selected, paid in one step. */
export const paymentRuns = pgTable('payment_runs', {
  id: uuid('id').primaryKey(),
  number: text('number').notNull().unique(),
  dueBy: date('due_by', { mode: 'string' }).notNull(),
  paidOn: date('paid_on', { mode: 'string' }).notNull(),
  reference: text('reference').notNull(),
  total: money('total').notNull(),
  count: integer('count').notNull(),
  createdById: uuid('created_by_id').notNull().references(() => users.id),
  createdAt: at('created_at').notNull(),
});

export const paymentRunItems = pgTable(
  'payment_run_items',
  {
    runId: uuid('run_id').notNull().references(() => paymentRuns.id),
    invoiceId: uuid('invoice_id').notNull().references(() => invoices.id),
    amount: money('amount').notNull(),
  },
  (table) => [primaryKey({ columns: [table.runId, table.invoiceId] })],
);

/** The payment of an invoice: one row, ever (the key makes a second payment impossible). */
export const invoicePayments = pgTable(
  'invoice_payments',
  {
    invoiceId: uuid('invoice_id').primaryKey().references(() => invoices.id),
    reference: text('reference').notNull(),
    paidOn: date('paid_on', { mode: 'string' }).notNull(),
    amount: money('amount').notNull(),
    paymentRunId: uuid('payment_run_id').references(() => paymentRuns.id),
    recordedById: uuid('recorded_by_id').references(() => users.id),
    recordedAt: at('recorded_at').notNull(),
  },
  (table) => [index('invoice_payments_run_idx').on(table.paymentRunId)],
);

/** Bills handed to the accounting system: the exported invoices are marked with the export, so the next one skips them. */
export const accountingExports = pgTable('accounting_exports', {
  id: uuid('id').primaryKey(),
  number: text('number').notNull().unique(),
  reexport: boolean('reexport').notNull(),
  invoiceIds: uuid('invoice_ids').array().notNull(),
  count: integer('count').notNull(),
  total: money('total').notNull(),
  /** The bills as exported: a download later gives the same file. */
  bills: jsonb('bills').$type<Bill[]>().notNull(),
  createdById: uuid('created_by_id').notNull().references(() => users.id),
  createdAt: at('created_at').notNull(),
});

/** A supplier's match tolerances: what it names replaces the company's policy. */
export const supplierMatchTolerances = pgTable('supplier_match_tolerances', {
  supplierId: uuid('supplier_id').primaryKey().references(() => suppliers.id),
  tolerances: jsonb('tolerances').$type<SupplierTolerances>().notNull(),
  updatedAt: at('updated_at').notNull().defaultNow(),
  updatedBy: uuid('updated_by').references(() => users.id),
});

export type InvoiceRow = typeof invoices.$inferSelect;
export type InvoiceLineRow = typeof invoiceLines.$inferSelect;
export type InvoiceHoldRow = typeof invoiceHolds.$inferSelect;
export type InvoiceMatchRow = typeof invoiceMatches.$inferSelect;
export type PaymentRunRow = typeof paymentRuns.$inferSelect;
export type AccountingExportRow = typeof accountingExports.$inferSelect;
