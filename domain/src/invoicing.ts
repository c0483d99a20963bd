import { z } from 'zod';
import { calendarDate } from './dates.ts';
import { MONEY_SCALE, PRICE_SCALE, decimalString, formatDecimal, parseDecimal } from './money.ts';
import { holdReasons, invoiceKinds, invoiceStatuses, isoDayOf, type MatchingPolicy, type MatchTolerances } from './invoices.ts';
import { percentString } from './purchasing.ts';
import { QUANTITY_DIGITS, UNIT_PRICE_DIGITS } from './requisitions.ts';
import { defineTaskForm, type FormIssue } from './task-forms.ts';
import { text, trimmedText } from './text.ts';
import './invoice-task-kinds.ts';

export * from './invoices.ts';

/** Request and response shapes of supplier invoices, payments, payment runs and accounting exports (SPEC 4.3, 7), and the forms of their tasks. */

/** Signed: a credit note's lines carry a negative quantity (goods credited) or a negative unit price (price credited). */
const signedQuantity = decimalString(PRICE_SCALE, { digits: QUANTITY_DIGITS, sign: 'any' });
const signedPrice = decimalString(PRICE_SCALE, { digits: UNIT_PRICE_DIGITS, sign: 'any' });
const signedMoney = decimalString(MONEY_SCALE, { digits: 15, sign: 'any' });
const amountString = decimalString(MONEY_SCALE, { digits: 13, sign: 'non-negative' });
const positiveMoney = decimalString(MONEY_SCALE, { digits: 15, sign: 'positive' });

// ---- policy -----------------------------------------------------------------

const priceLimitSchema = z.strictObject({ percent: percentString, amount: decimalString(PRICE_SCALE, { digits: 9, sign: 'non-negative' }) });

export const matchTolerancesSchema = z.strictObject({
  quantityPercent: percentString,
  priceUpper: priceLimitSchema,
  priceLower: priceLimitSchema,
  header: amountString,
}) satisfies z.ZodType<MatchTolerances>;

export const matchingPolicySchema = matchTolerancesSchema.extend({
  autoApproveLimit: amountString,
  goodsWaitDays: z.int().min(1).max(120),
  creditNoteWaitDays: z.int().min(1).max(120),
  duplicateWindowDays: z.int().min(0).max(60),
  futureDateDays: z.int().min(0).max(60),
}) satisfies z.ZodType<MatchingPolicy>;

/** A supplier's tolerances: what it names replaces the company's. */
export const supplierTolerancesSchema = z.strictObject({
  quantityPercent: percentString.optional(),
  priceUpper: priceLimitSchema.optional(),
  priceLower: priceLimitSchema.optional(),
  header: amountString.optional(),
});
export const supplierTolerancesView = z.object({ supplierId: z.string(), supplierName: z.string(), tolerances: supplierTolerancesSchema, effective: matchTolerancesSchema, updatedAt: z.string().nullable() });

// ---- API bodies -------------------------------------------------------------

export const invoiceLineBody = z.strictObject({
  purchaseOrderLineId: z.uuid(),
  quantity: signedQuantity,
  unitPrice: signedPrice,
});

export const createInvoiceBody = z.strictObject({
  supplierId: z.uuid(),
  /** The supplier's own number: unique per supplier. */
  invoiceNumber: text(60),
  invoiceDate: calendarDate(),
  purchaseOrderId: z.uuid(),
  lines: z.array(invoiceLineBody).min(1).max(100),
  taxAmount: signedMoney,
  total: signedMoney,
  /** A credit note names the invoice it corrects; its amounts are negative. */
  creditNoteFor: z.uuid().nullish(),
  note: trimmedText(2000).nullish(),
});
export type CreateInvoiceBody = z.infer<typeof createInvoiceBody>;

export const invoiceListQuery = z.object({
  supplierId: z.uuid().optional(),
  purchaseOrderId: z.uuid().optional(),
  status: z.enum(invoiceStatuses).optional(),
  kind: z.enum(invoiceKinds).optional(),
  dueFrom: calendarDate().optional(),
  dueTo: calendarDate().optional(),
});

export const recordPaymentBody = z.strictObject({
  reference: text(100),
  paidOn: calendarDate(),
  amount: positiveMoney,
});
export type RecordPaymentBody = z.infer<typeof recordPaymentBody>;

export const paymentProposalQuery = z.object({ dueBy: calendarDate() });

export const createPaymentRunBody = z.strictObject({
  dueBy: calendarDate(),
  invoiceIds: z.array(z.uuid()).min(1).max(500),
  paidOn: calendarDate(),
  /** The bank's reference of the run; each payment gets it with the invoice number. */
  reference: text(100),
});
export type CreatePaymentRunBody = z.infer<typeof createPaymentRunBody>;

export const createAccountingExportBody = z.strictObject({
  /** Re-export these (already exported or not); without it, every approved invoice not yet exported. */
  invoiceIds: z.array(z.uuid()).min(1).max(1000).optional(),
});

export const exportFormatQuery = z.object({ format: z.enum(['csv', 'json']).default('json') });

// ---- responses ----------------------------------------------------------------

export const holdSchema = z.object({
  id: z.string(),
  reason: z.enum(holdReasons),
  lineId: z.string().nullable(),
  lineNo: z.int().nullable(),
  detail: z.string(),
  expected: z.string(),
  actual: z.string(),
  variance: z.string(),
  allowed: z.string(),
  aboveTwiceTolerance: z.boolean(),
  placedAt: z.string(),
  releasedAt: z.string().nullable(),
  /** How it ended: `matched` (a receipt or credit note cleared it), `accepted`, `rejected`. */
  release: z.string().nullable(),
  releasedById: z.string().nullable(),
  releaseNote: z.string().nullable(),
});

export const matchLineSchema = z.object({
  purchaseOrderLineId: z.string(),
  lineNo: z.int(),
  description: z.string(),
  unit: z.string(),
  ordered: z.string(),
  accepted: z.string(),
  invoicedBefore: z.string(),
  quantity: z.string(),
  poUnitPrice: z.string(),
  unitPrice: z.string().nullable(),
  amount: z.string(),
  priceVariance: z.string(),
  holds: z.array(z.enum(holdReasons)),
});

export const matchSchema = z.object({
  round: z.int(),
  matchedAt: z.string(),
  matched: z.boolean(),
  lines: z.array(matchLineSchema),
  header: z.object({ tax: z.string(), expectedTax: z.string(), taxVariance: z.string(), total: z.string(), expectedTotal: z.string(), totalVariance: z.string(), acceptedWithinTolerance: z.string().nullable() }),
  acceptedPriceVariance: z.string(),
  tolerances: matchTolerancesSchema,
});

export const invoiceLineSchema = z.object({
  id: z.string(),
  lineNo: z.int(),
  purchaseOrderLineId: z.string(),
  description: z.string(),
  unit: z.string(),
  glCode: z.string().nullable(),
  quantity: z.string(),
  unitPrice: z.string(),
  amount: z.string(),
});

export const invoiceSummarySchema = z.object({
  id: z.string(),
  number: z.string(),
  kind: z.enum(invoiceKinds),
  invoiceNumber: z.string(),
  status: z.enum(invoiceStatuses),
  supplierId: z.string(),
  supplierName: z.string(),
  purchaseOrderId: z.string(),
  purchaseOrderNumber: z.string().nullable(),
  creditNoteFor: z.string().nullable(),
  invoiceDate: z.string(),
  dueDate: z.string().nullable(),
  discountDate: z.string().nullable(),
  discountAmount: z.string().nullable(),
  currency: z.string(),
  total: z.string(),
  /** What is still to pay: the total net of its credit notes (0 once paid or rejected). */
  openAmount: z.string(),
  holdReasons: z.array(z.enum(holdReasons)),
  workflowId: z.string(),
  createdAt: z.string(),
  exportedAt: z.string().nullable(),
});
export type InvoiceSummary = z.infer<typeof invoiceSummarySchema>;

export const paymentSchema = z.object({
  reference: z.string(),
  paidOn: z.string(),
  amount: z.string(),
  paymentRunId: z.string().nullable(),
  recordedById: z.string().nullable(),
  recordedAt: z.string(),
});

export const invoiceSchema = invoiceSummarySchema.extend({
  subtotal: z.string(),
  taxAmount: z.string(),
  note: z.string().nullable(),
  terms: z.string(),
  enteredById: z.string(),
  lines: z.array(invoiceLineSchema),
  /** Open holds, and every hold ever placed with how it ended. */
  holds: z.array(holdSchema),
  holdHistory: z.array(holdSchema),
  match: matchSchema.nullable(),
  creditNotes: z.array(z.object({ id: z.string(), number: z.string(), invoiceNumber: z.string(), total: z.string(), status: z.enum(invoiceStatuses) })),
  approval: z.object({ approvedById: z.string().nullable(), approvedAt: z.string(), automatic: z.boolean(), varianceAcceptedById: z.string().nullable() }).nullable(),
  payment: paymentSchema.nullable(),
  rejection: z.object({ reason: z.string(), rejectedById: z.string().nullable(), rejectedAt: z.string() }).nullable(),
  /** What the process waits for now, in words; null when it waits for nothing. */
  waitingFor: z.string().nullable(),
  actions: z.object({ pay: z.boolean(), creditNote: z.boolean() }),
});
export type Invoice = z.infer<typeof invoiceSchema>;

export const paymentProposalSchema = z.object({
  dueBy: z.string(),
  count: z.int(),
  total: z.string(),
  suppliers: z.array(z.object({ supplierId: z.string(), supplierName: z.string(), count: z.int(), total: z.string(), discountAvailable: z.string(), invoices: z.array(invoiceSummarySchema) })),
});
export type PaymentProposal = z.infer<typeof paymentProposalSchema>;

export const paymentRunSchema = z.object({
  id: z.string(),
  number: z.string(),
  dueBy: z.string(),
  paidOn: z.string(),
  reference: z.string(),
  count: z.int(),
  total: z.string(),
  createdById: z.string(),
  createdAt: z.string(),
  invoices: z.array(z.object({ invoiceId: z.string(), number: z.string(), invoiceNumber: z.string(), supplierName: z.string(), amount: z.string(), status: z.enum(invoiceStatuses) })),
});
export type PaymentRun = z.infer<typeof paymentRunSchema>;

export const accountingExportSchema = z.object({
  id: z.string(),
  number: z.string(),
  createdAt: z.string(),
  createdById: z.string(),
  count: z.int(),
  total: z.string(),
  reexport: z.boolean(),
  invoiceIds: z.array(z.string()),
});
export type AccountingExport = z.infer<typeof accountingExportSchema>;

/** One bill as the accounting system takes it, close to QuickBooks Online's Bill. */
export const billSchema = z.object({
  DocNumber: z.string(),
  TxnDate: z.string(),
  DueDate: z.string().nullable(),
  VendorRef: z.object({ value: z.string(), name: z.string() }),
  CurrencyRef: z.object({ value: z.string() }),
  PrivateNote: z.string(),
  TotalAmt: z.string(),
  TxnTaxDetail: z.object({ TotalTax: z.string() }),
  Line: z.array(
    z.object({
      LineNum: z.int(),
      Description: z.string(),
      Amount: z.string(),
      DetailType: z.literal('AccountBasedExpenseLineDetail'),
      AccountBasedExpenseLineDetail: z.object({ AccountRef: z.object({ value: z.string() }), ClassRef: z.object({ value: z.string() }).nullable(), TaxAmount: z.string(), Qty: z.string(), UnitPrice: z.string() }),
    }),
  ),
  LinkedTxn: z.array(z.object({ TxnId: z.string(), TxnType: z.string() })),
});
export type Bill = z.infer<typeof billSchema>;

// ---- task forms -------------------------------------------------------------------

/** The payment task pays what its details say is open (less the discount when paid by its last day), on a day that has come. */
defineTaskForm('invoice_payment', 'mark_paid', recordPaymentBody, (data, details) => {
  const payment = data as RecordPaymentBody;
  const issues: FormIssue[] = [];
  if (payment.paidOn > isoDayOf(new Date())) issues.push({ path: 'data.paidOn', message: 'a payment is recorded once made: the date is today or earlier' });
  const open = typeof details.amount === 'string' ? details.amount : null;
  const discount = typeof details.discountAmount === 'string' && typeof details.discountDate === 'string' && payment.paidOn <= details.discountDate ? details.discountAmount : null;
  const cents = (value: string) => parseDecimal(value, MONEY_SCALE);
  if (open && cents(payment.amount) !== cents(open) && (discount === null || cents(payment.amount) !== cents(open) - cents(discount))) {
    issues.push({ path: 'data.amount', message: `the open amount is ${open}${discount ? ` (${formatDecimal(cents(open) - cents(discount), MONEY_SCALE)} with the early-payment discount)` : ''}` });
  }
  return issues;
});
