import { PRICE_SCALE, acceptedQuantity, formatDecimal, parseDecimal, poLineMoney, poTotals, type FormIssue, type OrderTotals, type RevisionLine } from '@p2p/domain';
import type { PurchaseOrderWithLines } from '../db/queries/purchasing.ts';

/**
 * A change order (SPEC 4.2) computed against the order as it is: new
 * quantities, prices and tax per line, lines cancelled or added, never below
 * what has arrived. The API checks a request with it before the process
 * takes it; the process applies it with it after approval, against the order
 * as it is then (a delivery may have come in meanwhile).
 */
export interface ChangeOrder {
  reason: string;
  deliveryDate?: string | undefined;
  deliveryAddress?: string | undefined;
  lines?: { id: string; quantity?: string | undefined; unitPrice?: string | undefined; taxRate?: string | undefined; cancel?: boolean | undefined }[] | undefined;
  addLines?: { description: string; unit: string; quantity: string; unitPrice: string; taxRate?: string | undefined; glCode?: string | null | undefined }[] | undefined;
}

/** A line as the change order leaves it (a revision's line, with its GL code); id null for a line it adds. */
export type PlannedLine = Omit<RevisionLine, 'id'> & { id: string | null; glCode: string | null };

export interface ChangeOrderPlan {
  issues: FormIssue[];
  lines: PlannedLine[];
  totals: OrderTotals;
  previousTotal: string;
}

const q = (value: string) => parseDecimal(value, PRICE_SCALE);
const show = (value: bigint) => formatDecimal(value, PRICE_SCALE);

/**
 * `clamp`: when applying after approval, a quantity that a delivery since
 * has overtaken is raised to what arrived instead of refusing (the request
 * was valid when made); the API checks without it and refuses.
 */
export function planChangeOrder(order: PurchaseOrderWithLines, change: ChangeOrder, defaultTaxRate: string, options: { clamp?: boolean } = {}): ChangeOrderPlan {
  const issues: FormIssue[] = [];
  const byId = new Map(order.lines.map((line) => [line.id, line]));
  const changes = new Map<string, NonNullable<ChangeOrder['lines']>[number]>();
  (change.lines ?? []).forEach((entry, index) => {
    if (!byId.has(entry.id)) issues.push({ path: `lines.${index}.id`, message: 'not a line of this purchase order' });
    else if (changes.has(entry.id)) issues.push({ path: `lines.${index}.id`, message: 'listed twice' });
    else changes.set(entry.id, entry);
    if (entry.cancel && entry.quantity !== undefined) issues.push({ path: `lines.${index}.quantity`, message: 'a cancelled line takes no new quantity' });
  });

  const lines: PlannedLine[] = order.lines.map((line) => {
    const entry = changes.get(line.id);
    const accepted = q(acceptedQuantity(line));
    let quantity = entry?.quantity !== undefined ? q(entry.quantity) : q(line.quantity);
    let cancelled = q(line.cancelledQuantity);
    if (entry?.cancel) {
      // What has not arrived is cancelled; the line keeps what did.
      cancelled = quantity - accepted;
    } else if (entry?.quantity !== undefined) {
      const floor = accepted + cancelled;
      if (quantity < floor) {
        if (options.clamp) quantity = floor;
        else {
          const index = (change.lines ?? []).indexOf(entry);
          issues.push({ path: `lines.${index}.quantity`, message: `never below what has arrived and been accepted (${show(accepted)})${cancelled > 0n ? ` plus what was cancelled (${show(cancelled)})` : ''}` });
        }
      }
    }
    const priced = { quantity: show(quantity), cancelledQuantity: show(cancelled), unitPrice: entry?.unitPrice ?? line.unitPrice, taxRate: entry?.taxRate ?? line.taxRate };
    return { id: line.id, lineNo: line.lineNo, description: line.description, unit: line.unit, glCode: line.glCode, ...priced, ...poLineMoney(priced) };
  });
  let lineNo = Math.max(0, ...order.lines.map((line) => line.lineNo));
  for (const added of change.addLines ?? []) {
    const priced = { quantity: added.quantity, cancelledQuantity: '0.0000', unitPrice: added.unitPrice, taxRate: added.taxRate ?? defaultTaxRate };
    lines.push({ id: null, lineNo: ++lineNo, description: added.description, unit: added.unit, glCode: added.glCode ?? null, ...priced, ...poLineMoney(priced) });
  }
  if (lines.every((line) => q(line.quantity) - q(line.cancelledQuantity) <= 0n)) issues.push({ path: 'lines', message: 'a change order cannot cancel every line; cancel the order instead' });
  return { issues, lines, totals: poTotals(lines), previousTotal: order.total };
}
