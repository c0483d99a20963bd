/**
 * What the purchasing steps carry in `task.details`, read defensively: the
 * details are the process's JSON, and a form should still open (with blanks)
 * if a field is missing. No zod: the browser imports this.
 */
import type { MatchLine } from '@p2p/domain/invoices';

const text = (value: unknown): string => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '');
const record = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
const list = (value: unknown): Record<string, unknown>[] => (Array.isArray(value) ? value.map(record) : []);

export interface TaskLine {
  lineId: string;
  lineNo: number;
  description: string;
  quantity: string;
  unit: string;
  /** The requisition's estimate. */
  unitPrice: string;
  taxRate: string;
}

function lineOf(line: Record<string, unknown>, index: number): TaskLine {
  return {
    lineId: text(line.lineId),
    lineNo: typeof line.lineNo === 'number' ? line.lineNo : index + 1,
    description: text(line.description),
    quantity: text(line.quantity),
    unit: text(line.unit),
    unitPrice: text(line.unitPrice),
    taxRate: text(line.taxRate)
  };
}

export interface PrepareDetails {
  lines: TaskLine[];
  supplier: { name: string; paymentTermsDays: number | null };
  deliveryAddress: string;
  deliveryDate: string;
  defaultTaxRate: string;
  approvalAbove: string | null;
  /** Set when the approver sent the order back. */
  rejectedBecause: string | null;
}

export function prepareDetailsOf(details: Record<string, unknown>): PrepareDetails {
  const supplier = record(details.supplier);
  return {
    lines: list(details.lines).map(lineOf),
    supplier: { name: text(supplier.name), paymentTermsDays: typeof supplier.paymentTermsDays === 'number' ? supplier.paymentTermsDays : null },
    deliveryAddress: text(details.deliveryAddress),
    deliveryDate: text(details.deliveryDate),
    defaultTaxRate: text(details.defaultTaxRate) || '0',
    approvalAbove: text(details.approvalAbove) || null,
    rejectedBecause: text(details.rejectedBecause) || null
  };
}

export function assignDetailsOf(details: Record<string, unknown>): { lines: TaskLine[] } {
  return { lines: list(details.lines).map(lineOf) };
}

/** "95.0000" -> "95.00", "0.1250" -> "0.125", "5.0000" -> "5": what a person would type, exactly the same value. */
export function editableDecimal(value: string, minDecimals: number): string {
  const [whole = '', fraction = ''] = value.split('.');
  const kept = fraction.replace(/0+$/, '').padEnd(minDecimals, '0');
  return kept ? `${whole}.${kept}` : whole;
}

/** What an order's approval (`po_approval`) or a supplier's proposed date (`po_delivery_date`) carries. */
export interface DecisionDetails {
  total: string | null;
  approvalAbove: string | null;
  revision: number | null;
  /** Set on a change order: the total before it. */
  previousTotal: string | null;
  reason: string | null;
  proposedDate: string | null;
  supplierComment: string | null;
}

export function decisionDetailsOf(details: Record<string, unknown>): DecisionDetails {
  return {
    total: text(details.total) || null,
    approvalAbove: text(details.approvalAbove) || null,
    revision: typeof details.revision === 'number' ? details.revision : null,
    previousTotal: text(details.previousTotal) || null,
    reason: text(details.reason) || null,
    proposedDate: text(details.proposedDate) || null,
    supplierComment: text(details.supplierComment) || null
  };
}

/**
 * Kinds whose dialog shows what is decided (the order's lines, the proposed
 * date): deciding them always opens the dialog, never one click, so nobody
 * approves an order they have not seen.
 */
export const kindsShowingWhatIsDecided: readonly string[] = [
  'po_approval',
  'po_delivery_date',
  'invoice_exception',
  'invoice_variance_approval',
  'invoice_approval',
  'retention_disposal_confirmation'
];

const flag = (value: unknown): boolean => value === true;

/** A hold as an invoice task lists it (`details.holds`): the invoice page's holds have the same fields. */
export interface InvoiceHoldView {
  reason: string;
  label: string;
  lineNo: number | null;
  detail: string;
  expected: string;
  actual: string;
  variance: string;
  allowed: string;
  aboveTwiceTolerance: boolean;
}

function holdOf(hold: Record<string, unknown>): InvoiceHoldView {
  return {
    reason: text(hold.reason),
    label: text(hold.label),
    lineNo: typeof hold.lineNo === 'number' ? hold.lineNo : null,
    detail: text(hold.detail),
    expected: text(hold.expected),
    actual: text(hold.actual),
    variance: text(hold.variance),
    allowed: text(hold.allowed),
    aboveTwiceTolerance: flag(hold.aboveTwiceTolerance)
  };
}

function matchLineOf(line: Record<string, unknown>, index: number): MatchLine {
  return {
    purchaseOrderLineId: text(line.purchaseOrderLineId),
    lineNo: typeof line.lineNo === 'number' ? line.lineNo : index + 1,
    description: text(line.description),
    unit: text(line.unit),
    ordered: text(line.ordered) || '0',
    accepted: text(line.accepted) || '0',
    invoicedBefore: text(line.invoicedBefore) || '0',
    quantity: text(line.quantity) || '0',
    poUnitPrice: text(line.poUnitPrice) || '0',
    unitPrice: text(line.unitPrice) || null,
    amount: text(line.amount) || '0',
    priceVariance: text(line.priceVariance) || '0',
    holds: Array.isArray(line.holds) ? (line.holds.filter((reason) => typeof reason === 'string') as MatchLine['holds']) : []
  };
}

/** What the invoice steps (`invoice_exception`, `invoice_variance_approval`, `invoice_approval`) carry. */
export interface InvoiceDecisionDetails {
  invoiceId: string;
  number: string;
  invoiceNumber: string;
  supplierName: string;
  purchaseOrderNumber: string;
  total: string | null;
  currency: string;
  /** Accepting the variance needs a procurement manager's approval too (a variance above twice the tolerance). */
  needsSecondApproval: boolean;
  escalated: boolean;
  holds: InvoiceHoldView[];
  matchLines: MatchLine[];
  /** Set on the variance approval: who in accounting accepted it, and why. */
  acceptedByName: string | null;
  acceptComment: string | null;
  /** Set on the payment approval. */
  acceptedPriceVariance: string | null;
  dueDate: string | null;
  autoApproveLimit: string | null;
}

export function invoiceDecisionDetailsOf(details: Record<string, unknown>): InvoiceDecisionDetails {
  return {
    invoiceId: text(details.invoiceId),
    number: text(details.number),
    invoiceNumber: text(details.invoiceNumber),
    supplierName: text(details.supplierName),
    purchaseOrderNumber: text(details.purchaseOrderNumber),
    total: text(details.total) || null,
    currency: text(details.currency),
    needsSecondApproval: flag(details.needsSecondApproval),
    escalated: flag(details.escalated),
    holds: list(details.holds).map(holdOf),
    matchLines: list(details.matchLines).map(matchLineOf),
    acceptedByName: text(details.acceptedByName) || null,
    acceptComment: text(details.acceptComment) || null,
    acceptedPriceVariance: text(details.acceptedPriceVariance) || null,
    dueDate: text(details.dueDate) || null,
    autoApproveLimit: text(details.autoApproveLimit) || null
  };
}

/** What the payment step (`invoice_payment`) carries: the amount its form starts from. */
export interface InvoicePaymentDetails {
  invoiceId: string;
  number: string;
  invoiceNumber: string;
  supplierName: string;
  amount: string;
  currency: string;
  dueDate: string | null;
  discountDate: string | null;
  discountAmount: string | null;
}

export function invoicePaymentDetailsOf(details: Record<string, unknown>): InvoicePaymentDetails {
  return {
    invoiceId: text(details.invoiceId),
    number: text(details.number),
    invoiceNumber: text(details.invoiceNumber),
    supplierName: text(details.supplierName),
    amount: text(details.amount),
    currency: text(details.currency),
    dueDate: text(details.dueDate) || null,
    discountDate: text(details.discountDate) || null,
    discountAmount: text(details.discountAmount) || null
  };
}

/** A record as a retention task lists it (`details.records`, the domain's RetentionBatchRecord). */
export interface RetentionBatchRecordView {
  itemId: string;
  recordClass: string;
  /** The class in words ("Requisition"), as the process wrote it. */
  label: string;
  recordId: string;
  number: string;
  eventAt: string;
  retentionDate: string;
  ageDays: number;
}

/** What the retention steps (`retention_review`, `retention_disposal_confirmation`) carry: the batch of records. */
export function retentionBatchOf(details: Record<string, unknown>): { reviewId: string; batch: number | null; records: RetentionBatchRecordView[] } {
  return {
    reviewId: text(details.reviewId),
    batch: typeof details.batch === 'number' ? details.batch : null,
    records: list(details.records).map((entry) => ({
      itemId: text(entry.itemId),
      recordClass: text(entry.recordClass),
      label: text(entry.label),
      recordId: text(entry.recordId),
      number: text(entry.number),
      eventAt: text(entry.eventAt),
      retentionDate: text(entry.retentionDate),
      ageDays: typeof entry.ageDays === 'number' ? entry.ageDays : 0
    }))
  };
}
