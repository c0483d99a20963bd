/**
 * Supplier invoices and the three-way match (SPEC 4.3): statuses, hold
 * reasons, the matching policy, the match itself and payment dates, computed
 * one way for the workflow, the API and the browser. Zod-free: the invoice
 * workflow and the web app import it.
 */
import { MONEY_SCALE, PRICE_SCALE, formatDecimal, parseDecimal, rescale } from './decimal.ts';
import { PERCENT_SCALE } from './purchase-orders.ts';

export const invoiceStatuses = ['matching', 'on_hold', 'approved', 'rejected', 'paid'] as const;
export type InvoiceStatus = (typeof invoiceStatuses)[number];

export const invoiceStatusLabels: Record<InvoiceStatus, string> = {
  matching: 'Matching',
  on_hold: 'On hold',
  approved: 'Approved for payment',
  rejected: 'Rejected',
  paid: 'Paid',
};

export const invoiceKinds = ['invoice', 'credit_note'] as const;
export type InvoiceKind = (typeof invoiceKinds)[number];

export const holdReasons = ['not_received', 'quantity_over_received', 'quantity_over_ordered', 'price_over', 'price_under', 'tax_mismatch', 'total_mismatch', 'possible_duplicate'] as const;
export type HoldReason = (typeof holdReasons)[number];

export const holdReasonLabels: Record<HoldReason, string> = {
  not_received: 'Not received yet',
  quantity_over_received: 'More invoiced than received',
  quantity_over_ordered: 'More invoiced than ordered',
  price_over: 'Price above tolerance',
  price_under: 'Price below tolerance',
  tax_mismatch: 'Tax does not match',
  total_mismatch: 'Total does not match',
  possible_duplicate: 'Possible duplicate',
};

/** Holds that only waiting for goods can clear: the workflow waits for receipts before anyone is asked. */
export const goodsHolds: readonly HoldReason[] = ['not_received', 'quantity_over_received'];

/** One side of the price tolerance: the tighter of a percent of the PO price and an amount per unit applies. */
export interface PriceLimit {
  percent: string;
  amount: string;
}

/** What a match forgives; per company, optionally overridden per supplier. */
export interface MatchTolerances {
  /** Percent of the quantity (ordered, accepted) that may be invoiced on top of it. */
  quantityPercent: string;
  /** How far above the PO unit price an invoice price may be. */
  priceUpper: PriceLimit;
  /** How far below it. */
  priceLower: PriceLimit;
  /** Small differences of tax and total, accepted and recorded. */
  header: string;
}

/** The matching and payment policy (admin-editable; a running match keeps the one it started with). */
export interface MatchingPolicy extends MatchTolerances {
  /** A matched invoice up to this total is approved for payment at once; above it an accountant approves. */
  autoApproveLimit: string;
  /** Days an invoice waits for goods before it becomes an exception (fractions allowed, for tests). */
  goodsWaitDays: number;
  /** Days the process waits for a requested credit note before it escalates. */
  creditNoteWaitDays: number;
  /** Same supplier and amount with invoice dates this many days apart: a possible duplicate. */
  duplicateWindowDays: number;
  /** How many days after today an invoice may be dated. */
  futureDateDays: number;
}

export const defaultMatchTolerances: MatchTolerances = {
  quantityPercent: '0',
  priceUpper: { percent: '2', amount: '50.00' },
  priceLower: { percent: '2', amount: '50.00' },
  header: '1.00',
};

export const defaultMatchingPolicy: MatchingPolicy = {
  ...defaultMatchTolerances,
  autoApproveLimit: '5000.00',
  goodsWaitDays: 14,
  creditNoteWaitDays: 14,
  duplicateWindowDays: 3,
  futureDateDays: 0,
};

/** A supplier's override: any tolerance it names replaces the company's. */
export type SupplierTolerances = Partial<MatchTolerances>;

export function tolerancesFor(policy: MatchTolerances, override: SupplierTolerances | null | undefined): MatchTolerances {
  return {
    quantityPercent: override?.quantityPercent ?? policy.quantityPercent,
    priceUpper: override?.priceUpper ?? policy.priceUpper,
    priceLower: override?.priceLower ?? policy.priceLower,
    header: override?.header ?? policy.header,
  };
}

/** `INV-2026-00042`: our number for a supplier's invoice (their number is kept beside it). */
export const invoiceDocumentNumber = (kind: InvoiceKind, year: number, seq: number) => `${kind === 'credit_note' ? 'CN' : 'INV'}-${year}-${String(seq).padStart(5, '0')}`;

// ---- the match -------------------------------------------------------------

/** One PO line as the match sees it, with this invoice's part and what earlier invoices took. */
export interface MatchLineInput {
  purchaseOrderLineId: string;
  lineNo: number;
  description: string;
  unit: string;
  /** Ordered minus cancelled. */
  ordered: string;
  /** Received minus rejected minus returned. */
  accepted: string;
  poUnitPrice: string;
  taxRate: string;
  /** Net quantity of earlier live invoices of the PO (credit notes included). */
  invoicedBefore: string;
  /** Net quantity this invoice bills, its credit notes included. */
  quantity: string;
  /** Net amount this invoice bills on the line, its credit notes included. */
  amount: string;
}

export interface MatchInput {
  lines: readonly MatchLineInput[];
  /** The invoice's tax and total, net of its credit notes. */
  taxAmount: string;
  total: string;
  tolerances: MatchTolerances;
  /** Another invoice of the supplier with the same amount and a close date. */
  duplicateOf?: { invoiceId: string; invoiceNumber: string; invoiceDate: string } | null;
}

export interface Hold {
  reason: HoldReason;
  /** The PO line, for a line's check; null for a header check. */
  lineId: string | null;
  lineNo: number | null;
  expected: string;
  actual: string;
  variance: string;
  /** What the tolerance allowed, in the variance's terms. */
  allowed: string;
  detail: string;
  /** The variance is above twice the tolerance: accepting it needs a procurement manager too. */
  aboveTwiceTolerance: boolean;
}

/** A row of the match table (SPEC 4.3; the invoice page shows it). */
export interface MatchLine {
  purchaseOrderLineId: string;
  lineNo: number;
  description: string;
  unit: string;
  ordered: string;
  accepted: string;
  invoicedBefore: string;
  quantity: string;
  poUnitPrice: string;
  /** This invoice's net unit price on the line (amount / quantity), or null when it bills no quantity. */
  unitPrice: string | null;
  amount: string;
  /** amount minus quantity x PO price: the price variance in money. */
  priceVariance: string;
  holds: HoldReason[];
}

export interface MatchHeader {
  tax: string;
  expectedTax: string;
  taxVariance: string;
  total: string;
  expectedTotal: string;
  totalVariance: string;
  /** A tax or total difference inside the header tolerance: accepted, and said so. */
  acceptedWithinTolerance: string | null;
}

export interface MatchResult {
  lines: MatchLine[];
  holds: Hold[];
  header: MatchHeader;
  /** Sum of the price variances of lines that passed (recorded even when inside tolerance). */
  acceptedPriceVariance: string;
  matched: boolean;
  /** Only goods holds: waiting for receipts may clear them. */
  waitingForGoods: boolean;
  needsSecondApproval: boolean;
}

const Q = PRICE_SCALE;
const q = (value: string) => parseDecimal(value, Q);
const m = (value: string) => parseDecimal(value, MONEY_SCALE);
const showQ = (value: bigint) => formatDecimal(value, Q);
const showM = (value: bigint) => formatDecimal(value, MONEY_SCALE);
const abs = (value: bigint) => (value < 0n ? -value : value);
const min = (a: bigint, b: bigint) => (a < b ? a : b);
/** value x percent / 100, at the value's scale. */
const percentOf = (value: bigint, percent: string, scale: number) => rescale(value * parseDecimal(percent, PERCENT_SCALE), scale + PERCENT_SCALE + 2, scale);
/** quantity x price, rounded to money. */
const times = (quantity: bigint, price: bigint) => rescale(quantity * price, Q * 2, MONEY_SCALE);
const taxOnCents = (amount: bigint, rate: string) => rescale(amount * parseDecimal(rate, PERCENT_SCALE), MONEY_SCALE + PERCENT_SCALE + 2, MONEY_SCALE);

/** Tax at a rate (percent) on a money amount, rounded to the cent half away from zero. */
export const taxOn = (amount: string, rate: string) => showM(taxOnCents(m(amount), rate));

/** The price limit per unit on one side: the tighter of percent of the PO price and the amount. */
export function priceLimit(poUnitPrice: string, limit: PriceLimit): string {
  return showQ(min(percentOf(q(poUnitPrice), limit.percent, Q), q(limit.amount)));
}

/**
 * Matches one invoice (with its credit notes) against its PO's lines,
 * cumulatively over the PO's earlier invoices: quantity against what was
 * accepted and ordered, unit price against the PO price within tolerance,
 * tax at the PO lines' rates, and the total against what the PO says for
 * these quantities. Every failed check is a named hold with line, expected,
 * actual and variance. Exact: quantities and prices at 4 decimals, money at 2.
 */
export function matchInvoice(input: MatchInput): MatchResult {
  const { tolerances } = input;
  const holds: Hold[] = [];
  const lines: MatchLine[] = [];
  let expectedTax = 0n;
  let expectedTotal = 0n;
  let band = m(tolerances.header);
  let acceptedPriceVariance = 0n;
  const header = m(tolerances.header);

  for (const line of input.lines) {
    const lineHolds: HoldReason[] = [];
    const hold = (reason: HoldReason, values: { expected: string; actual: string; variance: string; allowed: string; detail: string; aboveTwice: boolean }) => {
      lineHolds.push(reason);
      holds.push({ reason, lineId: line.purchaseOrderLineId, lineNo: line.lineNo, expected: values.expected, actual: values.actual, variance: values.variance, allowed: values.allowed, detail: values.detail, aboveTwiceTolerance: values.aboveTwice });
    };
    const quantity = q(line.quantity);
    const before = q(line.invoicedBefore);
    const ordered = q(line.ordered);
    const accepted = q(line.accepted);
    const poPrice = q(line.poUnitPrice);
    const amount = m(line.amount);
    const cumulative = before + quantity;
    const label = `line ${line.lineNo} (${line.description})`;

    if (quantity > 0n) {
      const orderedRoom = ordered + percentOf(ordered, tolerances.quantityPercent, Q);
      if (cumulative > orderedRoom) {
        const variance = cumulative - ordered;
        const allowed = orderedRoom - ordered;
        hold('quantity_over_ordered', { expected: showQ(ordered - before < 0n ? 0n : ordered - before), actual: showQ(quantity), variance: showQ(variance), allowed: showQ(allowed), detail: `${label}: ${showQ(cumulative)} ${line.unit} invoiced in all, ${showQ(ordered)} ordered`, aboveTwice: variance > 2n * allowed });
      }
      const acceptedRoom = accepted + percentOf(accepted, tolerances.quantityPercent, Q);
      if (cumulative > acceptedRoom) {
        const available = accepted - before;
        const variance = cumulative - accepted;
        const allowed = acceptedRoom - accepted;
        const detail = available <= 0n
          ? `${label}: nothing received yet that is not already invoiced (${showQ(accepted)} ${line.unit} accepted, ${showQ(before)} invoiced before)`
          : `${label}: ${showQ(cumulative)} ${line.unit} invoiced in all, ${showQ(accepted)} accepted`;
        hold(available <= 0n ? 'not_received' : 'quantity_over_received', { expected: showQ(available < 0n ? 0n : available), actual: showQ(quantity), variance: showQ(variance), allowed: showQ(allowed), detail, aboveTwice: variance > 2n * allowed });
      }
    }

    // Price: the net unit price (credit notes included) against the PO's, per unit.
    let unitPrice: bigint | null = null;
    const atPoPrice = times(quantity, poPrice);
    const variance = amount - atPoPrice;
    let pricePassed = true;
    if (quantity > 0n) {
      // Rounded division: amount (scale 2) / quantity (scale 4) -> price (scale 4).
      const numerator = amount * 10n ** BigInt(Q - MONEY_SCALE) * 10n ** BigInt(Q);
      unitPrice = (numerator + (numerator >= 0n ? quantity / 2n : -quantity / 2n)) / quantity;
      const perUnit = unitPrice - poPrice;
      const upper = q(priceLimit(line.poUnitPrice, tolerances.priceUpper));
      const lower = q(priceLimit(line.poUnitPrice, tolerances.priceLower));
      if (perUnit > upper) {
        pricePassed = false;
        hold('price_over', { expected: showQ(poPrice), actual: showQ(unitPrice), variance: showQ(perUnit), allowed: showQ(upper), detail: `${label}: invoiced at ${showQ(unitPrice)} per ${line.unit}, PO price ${showQ(poPrice)}, ${showQ(perUnit)} over (at most ${showQ(upper)} allowed); ${showM(variance)} on this invoice`, aboveTwice: perUnit > 2n * upper });
      } else if (-perUnit > lower) {
        pricePassed = false;
        hold('price_under', { expected: showQ(poPrice), actual: showQ(unitPrice), variance: showQ(perUnit), allowed: showQ(-lower), detail: `${label}: invoiced at ${showQ(unitPrice)} per ${line.unit}, PO price ${showQ(poPrice)}, ${showQ(-perUnit)} under (at most ${showQ(lower)} allowed); ${showM(variance)} on this invoice`, aboveTwice: -perUnit > 2n * lower });
      }
      // The total may differ by what the price band allows on these quantities, with its tax.
      const side = perUnit >= 0n ? upper : lower;
      const room = times(quantity, side);
      // Tax rounded on the invoiced amount and on the PO amount may part by a cent more than the tax on the room.
      band += room + taxOnCents(room, line.taxRate) + 1n;
    }
    if (pricePassed) acceptedPriceVariance += variance;
    expectedTax += taxOnCents(amount, line.taxRate);
    expectedTotal += atPoPrice + taxOnCents(atPoPrice, line.taxRate);
    lines.push({
      purchaseOrderLineId: line.purchaseOrderLineId,
      lineNo: line.lineNo,
      description: line.description,
      unit: line.unit,
      ordered: line.ordered,
      accepted: line.accepted,
      invoicedBefore: line.invoicedBefore,
      quantity: line.quantity,
      poUnitPrice: line.poUnitPrice,
      unitPrice: unitPrice === null ? null : showQ(unitPrice),
      amount: showM(amount),
      priceVariance: showM(variance),
      holds: lineHolds,
    });
  }

  const tax = m(input.taxAmount);
  const total = m(input.total);
  const taxVariance = tax - expectedTax;
  const totalVariance = total - expectedTotal;
  let acceptedWithinTolerance: bigint | null = null;
  if (abs(taxVariance) > header) {
    holds.push({ reason: 'tax_mismatch', lineId: null, lineNo: null, expected: showM(expectedTax), actual: showM(tax), variance: showM(taxVariance), allowed: showM(header), detail: `tax ${showM(tax)}, the PO lines' rates give ${showM(expectedTax)}: ${showM(taxVariance)} apart (header tolerance ${showM(header)})`, aboveTwiceTolerance: abs(taxVariance) > 2n * header });
  } else if (taxVariance !== 0n) {
    acceptedWithinTolerance = taxVariance;
  }
  if (abs(totalVariance) > band) {
    holds.push({ reason: 'total_mismatch', lineId: null, lineNo: null, expected: showM(expectedTotal), actual: showM(total), variance: showM(totalVariance), allowed: showM(band), detail: `total ${showM(total)}, the PO's prices and tax rates give ${showM(expectedTotal)} for these quantities: ${showM(totalVariance)} apart (at most ${showM(band)} allowed)`, aboveTwiceTolerance: abs(totalVariance) > 2n * band });
  }
  if (input.duplicateOf) {
    holds.push({ reason: 'possible_duplicate', lineId: null, lineNo: null, expected: 'a new invoice', actual: input.duplicateOf.invoiceNumber, variance: '0', allowed: '0', detail: `same supplier and amount as invoice ${input.duplicateOf.invoiceNumber} of ${input.duplicateOf.invoiceDate}`, aboveTwiceTolerance: false });
  }

  return {
    lines,
    holds,
    header: { tax: showM(tax), expectedTax: showM(expectedTax), taxVariance: showM(taxVariance), total: showM(total), expectedTotal: showM(expectedTotal), totalVariance: showM(totalVariance), acceptedWithinTolerance: acceptedWithinTolerance === null ? null : showM(acceptedWithinTolerance) },
    acceptedPriceVariance: showM(acceptedPriceVariance),
    matched: holds.length === 0,
    waitingForGoods: holds.length > 0 && holds.every((held) => goodsHolds.includes(held.reason)),
    needsSecondApproval: holds.some((held) => held.aboveTwiceTolerance),
  };
}

// ---- payment terms -----------------------------------------------------------

export interface PaymentTerms {
  netDays: number;
  /** Early-payment discount: `discountPercent` off when paid within `discountDays` (2/10 net 30). */
  discountPercent?: string | null;
  discountDays?: number | null;
}

export interface PaymentDates {
  dueDate: string;
  /** The last day the discount may be taken, or null. */
  discountDate: string | null;
  discountAmount: string | null;
  /** "2/10 net 30" or "net 30". */
  terms: string;
}

/** The calendar day (UTC) of an instant, as ISO 8601. */
export const isoDayOf = (at: Date) => at.toISOString().slice(0, 10);

/** An ISO day plus (or minus) whole days. */
export const addDays = (isoDate: string, days: number) => {
  const date = new Date(`${isoDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return isoDayOf(date);
};

export function termsLabel(terms: PaymentTerms): string {
  // "2.50" -> "2.5", "2.00" -> "2", "10" stays "10": only zeros after the point go.
  const percent = terms.discountPercent?.includes('.') ? terms.discountPercent.replace(/0+$/, '').replace(/\.$/, '') : terms.discountPercent;
  const discount = percent && terms.discountDays ? `${percent}/${terms.discountDays} ` : '';
  return `${discount}net ${terms.netDays}`;
}

/** Due date from the invoice date and the supplier's terms; the discount's last day and amount when the terms give one. */
export function paymentDates(invoiceDate: string, terms: PaymentTerms, total: string): PaymentDates {
  const hasDiscount = Boolean(terms.discountPercent && parseDecimal(terms.discountPercent, PERCENT_SCALE) > 0n && terms.discountDays);
  return {
    dueDate: addDays(invoiceDate, terms.netDays),
    discountDate: hasDiscount ? addDays(invoiceDate, terms.discountDays!) : null,
    discountAmount: hasDiscount ? showM(percentOf(m(total), terms.discountPercent!, MONEY_SCALE)) : null,
    terms: termsLabel(terms),
  };
}
