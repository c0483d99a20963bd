import { z } from 'zod';
import { calendarDate } from './dates.ts';
import { PRICE_SCALE, decimalString, moneyString } from './money.ts';
import { acknowledgements, PERCENT_SCALE, purchaseOrderStatuses, type PurchasingPolicy } from './purchase-orders.ts';
import { QUANTITY_DIGITS, UNIT_PRICE_DIGITS } from './requisitions.ts';
import { withRules } from './rules.ts';
import { defineTaskForm, type FormIssue } from './task-forms.ts';
import { text, trimmedText } from './text.ts';
import './purchase-order-task-kinds.ts';

export * from './purchase-orders.ts';

/** Request and response shapes of purchase orders, receipts and returns (SPEC 4.2, 7), and the forms of their tasks. */

/** Quantities and unit prices as a requisition line bounds them, so no line or total overflows the money columns. */
const quantityString = (sign: 'positive' | 'non-negative') => decimalString(PRICE_SCALE, { digits: QUANTITY_DIGITS, sign });
const priceString = () => decimalString(PRICE_SCALE, { digits: UNIT_PRICE_DIGITS, sign: 'non-negative' });
/** A percent from 0 to 100 with up to 4 decimals, as one published pattern. */
export const percentString = z.string().regex(new RegExp(`^(100(\\.0{1,${PERCENT_SCALE}})?|[1-9]?[0-9](\\.[0-9]{1,${PERCENT_SCALE}})?)$`), `must be a percent from 0 to 100 written as a string with at most ${PERCENT_SCALE} decimals, e.g. "5" or "19.5"`);

export const purchasingPolicySchema = z.strictObject({
  approvalAbove: decimalString(2, { sign: 'non-negative' }),
  reapprovalIncreasePercent: percentString,
  receiptTolerancePercent: percentString,
  defaultTaxRate: percentString,
  acknowledgementDays: z.int().min(1).max(60),
  supplierLinkDays: z.int().min(1).max(90),
  deliveryAddress: text(500),
}) satisfies z.ZodType<PurchasingPolicy>;

// ---- task forms ------------------------------------------------------------

export const assignSupplierForm = z.strictObject({
  lines: z.array(z.strictObject({ lineId: z.uuid(), supplierId: z.uuid() })).min(1).max(100),
});
export type AssignSupplierForm = z.infer<typeof assignSupplierForm>;

export const preparePurchaseOrderForm = z.strictObject({
  deliveryDate: calendarDate(),
  deliveryAddress: text(500),
  note: trimmedText(2000).nullish(),
  lines: z
    .array(
      z.strictObject({
        lineId: z.uuid(),
        unitPrice: priceString(),
        /** Percent; the policy's default rate when left out. */
        taxRate: percentString.nullish(),
      }),
    )
    .min(1)
    .max(100),
});
export type PreparePurchaseOrderForm = z.infer<typeof preparePurchaseOrderForm>;

/** The lines a task's details list (`details.lines[].lineId`): a form must price exactly those. */
function linesOfTask(details: Record<string, unknown>): Set<string> {
  const lines = Array.isArray(details.lines) ? (details.lines as { lineId?: unknown }[]) : [];
  return new Set(lines.map((line) => String(line.lineId)));
}

function exactlyTheLines(sent: readonly string[], details: Record<string, unknown>, what: string): FormIssue[] {
  const expected = linesOfTask(details);
  const issues: FormIssue[] = [];
  const seen = new Set<string>();
  sent.forEach((lineId, index) => {
    if (!expected.has(lineId)) issues.push({ path: `data.lines.${index}.lineId`, message: `not a line of this ${what}` });
    else if (seen.has(lineId)) issues.push({ path: `data.lines.${index}.lineId`, message: 'listed twice' });
    seen.add(lineId);
  });
  const missing = [...expected].filter((id) => !seen.has(id));
  if (missing.length > 0) issues.push({ path: 'data.lines', message: `every line of the ${what} is needed; missing ${missing.length}` });
  return issues;
}

defineTaskForm('po_assign_supplier', 'assign', assignSupplierForm, (data, details) =>
  exactlyTheLines(
    (data as AssignSupplierForm).lines.map((line) => line.lineId),
    details,
    'task',
  ),
);
defineTaskForm('po_prepare', 'prepare', preparePurchaseOrderForm, (data, details) =>
  exactlyTheLines(
    (data as PreparePurchaseOrderForm).lines.map((line) => line.lineId),
    details,
    'order',
  ),
);

// ---- API bodies -----------------------------------------------------------

export const purchaseOrderListQuery = z.object({
  requisitionId: z.uuid().optional(),
  supplierId: z.uuid().optional(),
  status: z.enum(purchaseOrderStatuses).optional(),
  /** Number or part of it (PO-2026-0004), for the receiving page's search. */
  q: trimmedText(100).optional(),
});

export const cancelPurchaseOrderBody = z.strictObject({ reason: text(1000) });

export const reviseLineBody = z.strictObject({
  id: z.uuid(),
  quantity: quantityString('positive').optional(),
  unitPrice: priceString().optional(),
  taxRate: percentString.optional(),
  /** Cancels what is still open on the line (the line keeps what arrived). */
  cancel: z.boolean().optional(),
});
export const addLineBody = z.strictObject({
  description: text(500),
  unit: text(20).default('each'),
  quantity: quantityString('positive'),
  unitPrice: priceString(),
  taxRate: percentString.optional(),
  glCode: text(30).nullish(),
});
export const revisePurchaseOrderBody = withRules(
  z.strictObject({
    reason: text(1000),
    deliveryDate: calendarDate().optional(),
    deliveryAddress: text(500).optional(),
    lines: z.array(reviseLineBody).max(100).optional(),
    addLines: z.array(addLineBody).max(100).optional(),
  }),
  (body, ctx) => {
    if (!(body.deliveryDate || body.deliveryAddress || body.lines?.length || body.addLines?.length)) ctx.addIssue({ code: 'custom', message: 'a change order changes something: lines, addLines, deliveryDate or deliveryAddress', path: ['lines'] });
  },
);
export type RevisePurchaseOrderBody = z.infer<typeof revisePurchaseOrderBody>;

export const moveLinesBody = z.strictObject({
  lineIds: z.array(z.uuid()).min(1).max(100),
  toPurchaseOrderId: z.uuid(),
});

export const receiptLineBody = z.strictObject({
  purchaseOrderLineId: z.uuid(),
  quantityReceived: quantityString('non-negative'),
  quantityRejected: quantityString('non-negative').optional(),
  location: text(100).optional(),
});
export const createReceiptBody = z.strictObject({
  purchaseOrderId: z.uuid(),
  deliveryNote: text(100).nullish(),
  note: trimmedText(2000).nullish(),
  /** Default storage location for lines that name none. */
  location: text(100).optional(),
  lines: z.array(receiptLineBody).min(1).max(100),
});
export type CreateReceiptBody = z.infer<typeof createReceiptBody>;

export const createReturnBody = z.strictObject({
  reason: text(1000),
  lines: z.array(z.strictObject({ receiptLineId: z.uuid(), quantity: quantityString('positive') })).min(1).max(100),
});
export type CreateReturnBody = z.infer<typeof createReturnBody>;

export const supplierResponseBody = withRules(
  z.strictObject({
    action: z.enum(['confirm', 'propose_date']),
    deliveryDate: calendarDate().optional(),
    comment: trimmedText(1000).optional(),
  }),
  (body, ctx) => {
    if (body.action === 'propose_date' && !body.deliveryDate) ctx.addIssue({ code: 'custom', message: 'required to propose a date', path: ['deliveryDate'] });
  },
  { if: { properties: { action: { const: 'propose_date' } } }, then: { required: ['deliveryDate'] } },
);
export type SupplierResponseBody = z.infer<typeof supplierResponseBody>;

// ---- responses ------------------------------------------------------------

export const purchaseOrderLineSchema = z.object({
  id: z.string(),
  lineNo: z.int(),
  requisitionLineId: z.string().nullable(),
  requisitionId: z.string().nullable(),
  description: z.string(),
  unit: z.string(),
  quantity: z.string(),
  cancelledQuantity: z.string(),
  unitPrice: z.string(),
  taxRate: z.string(),
  amount: moneyString,
  taxAmount: moneyString,
  glCode: z.string().nullable(),
  receivedQuantity: z.string(),
  rejectedQuantity: z.string(),
  returnedQuantity: z.string(),
  acceptedQuantity: z.string(),
  invoicedQuantity: z.string(),
  openQuantity: z.string(),
});

export const purchaseOrderSummarySchema = z.object({
  id: z.string(),
  number: z.string().nullable(),
  status: z.enum(purchaseOrderStatuses),
  revision: z.int(),
  supplierId: z.string(),
  supplierName: z.string(),
  requisitionId: z.string(),
  requisitionNumber: z.string().nullable(),
  currency: z.string(),
  total: moneyString,
  deliveryDate: z.string().nullable(),
  acknowledgement: z.enum(acknowledgements).nullable(),
  workflowId: z.string(),
  createdAt: z.string(),
  issuedAt: z.string().nullable(),
});
export type PurchaseOrderSummary = z.infer<typeof purchaseOrderSummarySchema>;

export const receiptLineSchema = z.object({
  id: z.string(),
  purchaseOrderLineId: z.string(),
  lineNo: z.int(),
  description: z.string(),
  unit: z.string(),
  quantityReceived: z.string(),
  quantityRejected: z.string(),
  quantityReturned: z.string(),
  location: z.string(),
});
export const vendorReturnSchema = z.object({
  id: z.string(),
  number: z.string(),
  receiptId: z.string(),
  reason: z.string(),
  returnedById: z.string(),
  returnedAt: z.string(),
  lines: z.array(z.object({ receiptLineId: z.string(), purchaseOrderLineId: z.string(), quantity: z.string() })),
});
export const receiptSchema = z.object({
  id: z.string(),
  number: z.string(),
  purchaseOrderId: z.string(),
  purchaseOrderNumber: z.string().nullable(),
  receivedById: z.string(),
  receivedAt: z.string(),
  deliveryNote: z.string().nullable(),
  note: z.string().nullable(),
  lines: z.array(receiptLineSchema),
  returns: z.array(vendorReturnSchema),
});
export type Receipt = z.infer<typeof receiptSchema>;

export const purchaseOrderRevisionSchema = z.object({
  revision: z.int(),
  total: moneyString,
  reason: z.string().nullable(),
  createdById: z.string().nullable(),
  createdAt: z.string(),
  pdfUrl: z.string(),
  snapshot: z.record(z.string(), z.unknown()),
});

export const purchaseOrderSchema = purchaseOrderSummarySchema.extend({
  supplier: z.object({ id: z.string(), name: z.string(), email: z.string(), paymentTermsDays: z.int() }),
  requisitionIds: z.array(z.string()),
  preparedById: z.string().nullable(),
  deliveryAddress: z.string().nullable(),
  paymentTermsDays: z.int(),
  subtotal: moneyString,
  taxTotal: moneyString,
  note: z.string().nullable(),
  proposedDeliveryDate: z.string().nullable(),
  acknowledgedAt: z.string().nullable(),
  cancelReason: z.string().nullable(),
  updatedAt: z.string(),
  closedAt: z.string().nullable(),
  lines: z.array(purchaseOrderLineSchema),
  revisions: z.array(purchaseOrderRevisionSchema),
  receipts: z.array(receiptSchema),
  /** What the caller may do now (the UI shows only these; the API checks again). */
  can: z.object({ revise: z.boolean(), cancel: z.boolean(), cancelRemaining: z.boolean(), receive: z.boolean(), moveLines: z.boolean() }),
});
export type PurchaseOrder = z.infer<typeof purchaseOrderSchema>;

/** What a supplier's link page shows (no account: only this order, nothing else). */
export const supplierLinkViewSchema = z.object({
  state: z.enum(['open', 'used', 'expired', 'invalid', 'superseded', 'closed']),
  purchaseOrder: z
    .object({
      number: z.string(),
      revision: z.int(),
      companyName: z.string(),
      supplierName: z.string(),
      buyerName: z.string().nullable(),
      buyerEmail: z.string().nullable(),
      deliveryDate: z.string().nullable(),
      deliveryAddress: z.string().nullable(),
      currency: z.string(),
      total: moneyString,
      lines: z.array(z.object({ lineNo: z.int(), description: z.string(), quantity: z.string(), unit: z.string(), unitPrice: z.string(), amount: z.string() })),
    })
    .nullable(),
  response: z.object({ action: z.enum(['confirm', 'propose_date']), deliveryDate: z.string().nullable(), comment: z.string().nullable(), at: z.string() }).nullable(),
  expiresAt: z.string().nullable(),
});
export type SupplierLinkView = z.infer<typeof supplierLinkViewSchema>;
