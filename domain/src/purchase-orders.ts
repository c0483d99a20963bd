/**
 * Purchase orders and goods receipt (SPEC 4.2): statuses, the purchasing
 * policy and the money of an order, computed one way everywhere. Zod-free:
 * the PO workflow and the browser import it.
 */
import { MONEY_SCALE, PRICE_SCALE, compareDecimal, formatDecimal, parseDecimal, rescale, sumMoney } from './decimal.ts';

export const purchaseOrderStatuses = ['draft', 'pending_approval', 'issued', 'partially_received', 'received', 'closed', 'cancelled'] as const;
export type PurchaseOrderStatus = (typeof purchaseOrderStatuses)[number];

/** Statuses in which goods may arrive and a change order may be made. */
export const receivableStatuses: readonly PurchaseOrderStatus[] = ['issued', 'partially_received'];
/** A draft or an order awaiting approval: not yet with the supplier. */
export const unissuedStatuses: readonly PurchaseOrderStatus[] = ['draft', 'pending_approval'];

export const purchaseOrderStatusLabels: Record<PurchaseOrderStatus, string> = {
  draft: 'Draft',
  pending_approval: 'Awaiting approval',
  issued: 'Issued',
  partially_received: 'Partially received',
  received: 'Received',
  closed: 'Closed',
  cancelled: 'Cancelled',
};

/** Where the supplier stands on the order. */
export const acknowledgements = ['awaiting', 'confirmed', 'date_proposed', 'date_accepted', 'date_rejected'] as const;
export type PurchaseOrderAcknowledgement = (typeof acknowledgements)[number];

/** The purchasing policy (admin-editable; a running order keeps the one it started with). */
export interface PurchasingPolicy {
  /** A PO whose total is above this needs a procurement manager's approval. */
  approvalAbove: string;
  /** A change order is approved again when its total rises above `approvalAbove` or by more than this percent. */
  reapprovalIncreasePercent: string;
  /** Percent of a line's open quantity that may arrive on top of it (0: never more than ordered). */
  receiptTolerancePercent: string;
  /** Tax rate of a line unless the buyer overrides it, percent. */
  defaultTaxRate: string;
  /** Business days after issue until the buyer is reminded of a missing acknowledgement. */
  acknowledgementDays: number;
  /** Days a supplier's link works. */
  supplierLinkDays: number;
  /** The delivery address a draft starts with. */
  deliveryAddress: string;
}

export const defaultPurchasingPolicy: PurchasingPolicy = {
  approvalAbove: '10000.00',
  reapprovalIncreasePercent: '10',
  receiptTolerancePercent: '0',
  defaultTaxRate: '5',
  acknowledgementDays: 3,
  supplierLinkDays: 14,
  deliveryAddress: 'Goods receiving, Dock 2, 1 Industrial Way, Springfield',
};

/** Percent values carry up to 4 decimals (19.5, 7.25). */
export const PERCENT_SCALE = 4;

export interface PricedLine {
  quantity: string;
  /** Cancelled part of the quantity: not charged. */
  cancelledQuantity?: string;
  unitPrice: string;
  taxRate: string;
}

export interface LineMoney {
  amount: string;
  taxAmount: string;
}

/** Net amount of what is still ordered (quantity minus cancelled) and its tax, each rounded to cents half away from zero. */
export function poLineMoney(line: PricedLine): LineMoney {
  const ordered = parseDecimal(line.quantity, PRICE_SCALE) - parseDecimal(line.cancelledQuantity ?? '0', PRICE_SCALE);
  const net = ordered * parseDecimal(line.unitPrice, PRICE_SCALE);
  const amount = rescale(net, PRICE_SCALE * 2, MONEY_SCALE);
  const tax = rescale(amount * parseDecimal(line.taxRate, PERCENT_SCALE), MONEY_SCALE + PERCENT_SCALE + 2, MONEY_SCALE);
  return { amount: formatDecimal(amount, MONEY_SCALE), taxAmount: formatDecimal(tax, MONEY_SCALE) };
}

export interface OrderTotals {
  subtotal: string;
  taxTotal: string;
  total: string;
}

export function poTotals(lines: readonly PricedLine[]): OrderTotals {
  const money = lines.map(poLineMoney);
  const subtotal = sumMoney(money.map((line) => line.amount));
  const taxTotal = sumMoney(money.map((line) => line.taxAmount));
  return { subtotal, taxTotal, total: sumMoney([subtotal, taxTotal]) };
}

/**
 * Whether a change order goes back to approval: its total rises and ends
 * above the approval threshold, or rises by more than the policy's percent.
 */
export function revisionNeedsApproval(previousTotal: string, newTotal: string, policy: Pick<PurchasingPolicy, 'approvalAbove' | 'reapprovalIncreasePercent'>): boolean {
  if (compareDecimal(newTotal, previousTotal) <= 0) return false;
  if (compareDecimal(newTotal, policy.approvalAbove) > 0) return true;
  const previous = parseDecimal(previousTotal, MONEY_SCALE);
  if (previous === 0n) return true;
  const increase = parseDecimal(newTotal, MONEY_SCALE) - previous;
  // increase / previous > percent / 100, in integers.
  return increase * 100n * 10n ** BigInt(PERCENT_SCALE) > parseDecimal(policy.reapprovalIncreasePercent, PERCENT_SCALE) * previous;
}

/** The most that may still arrive on a line: open quantity plus the tolerance, exactly. */
export function receivableQuantity(line: { quantity: string; cancelledQuantity: string; receivedQuantity: string; rejectedQuantity: string; returnedQuantity: string }, tolerancePercent: string): string {
  const ordered = parseDecimal(line.quantity, PRICE_SCALE) - parseDecimal(line.cancelledQuantity, PRICE_SCALE);
  // Accepted goods count against the order; rejected and returned ones are expected again.
  const accepted = parseDecimal(line.receivedQuantity, PRICE_SCALE) - parseDecimal(line.rejectedQuantity, PRICE_SCALE) - parseDecimal(line.returnedQuantity, PRICE_SCALE);
  const tolerance = rescale(ordered * parseDecimal(tolerancePercent, PERCENT_SCALE), PRICE_SCALE + PERCENT_SCALE + 2, PRICE_SCALE);
  const room = ordered + tolerance - accepted;
  return formatDecimal(room < 0n ? 0n : room, PRICE_SCALE);
}

/** What a line still expects: ordered minus cancelled minus accepted (never negative). */
export function openQuantity(line: { quantity: string; cancelledQuantity: string; receivedQuantity: string; rejectedQuantity: string; returnedQuantity: string }): string {
  return receivableQuantity(line, '0');
}

/** Accepted quantity of a line: received minus rejected minus returned. */
export function acceptedQuantity(line: { receivedQuantity: string; rejectedQuantity: string; returnedQuantity: string }): string {
  return formatDecimal(parseDecimal(line.receivedQuantity, PRICE_SCALE) - parseDecimal(line.rejectedQuantity, PRICE_SCALE) - parseDecimal(line.returnedQuantity, PRICE_SCALE), PRICE_SCALE);
}

/** `PO-2026-00042`: the number's year and sequence, zero-padded like the requisition's. */
export const documentNumber = (prefix: 'PO' | 'GR' | 'RTV', year: number, seq: number) => `${prefix}-${year}-${String(seq).padStart(5, '0')}`;

/** One line as an issued revision keeps it. */
export interface RevisionLine {
  id: string;
  lineNo: number;
  description: string;
  unit: string;
  quantity: string;
  cancelledQuantity: string;
  unitPrice: string;
  taxRate: string;
  amount: string;
  taxAmount: string;
}

/** An issued revision, as sent to the supplier. */
export interface PurchaseOrderRevisionSnapshot {
  number: string;
  revision: number;
  deliveryDate: string | null;
  deliveryAddress: string | null;
  paymentTermsDays: number;
  currency: string;
  note: string | null;
  lines: RevisionLine[];
  subtotal: string;
  taxTotal: string;
  total: string;
}
