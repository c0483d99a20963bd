import { formatDecimal, parseDecimal, PRICE_SCALE, type CreateInvoiceBody, type Invoice, type Problem, type PurchaseOrder } from '@p2p/domain';
import { editableDecimal } from '$lib/components/task-forms/details';
import { formText } from './form';
import type { ListOrigins } from './purchase-orders';

/**
 * The invoice entry form read into the API's body. Line inputs are named by
 * the PO line they bill (`line.<poLineId>.quantity`); only lines with a
 * quantity are sent, so `origins` lets `remapProblem` put a refusal of
 * `lines.1.unitPrice` back at the input it came from.
 */
export function readInvoice(form: FormData, order: PurchaseOrder): { body: CreateInvoiceBody; origins: ListOrigins; problem: Problem | null } {
  const value = (name: string) => formText(form, name).trim();
  const lines: CreateInvoiceBody['lines'] = [];
  const origins: string[] = [];
  for (const line of order.lines) {
    const prefix = `line.${line.id}`;
    const quantity = value(`${prefix}.quantity`);
    // A line left blank or at zero is not billed (its price is prefilled whether billed or not).
    if (!quantity || /^-?0*(\.0*)?$/.test(quantity)) continue;
    lines.push({ purchaseOrderLineId: line.id, quantity, unitPrice: value(`${prefix}.unitPrice`) });
    origins.push(prefix);
  }
  const creditNoteFor = value('creditNoteFor');
  const note = value('note');
  const body: CreateInvoiceBody = {
    supplierId: order.supplierId,
    invoiceNumber: value('invoiceNumber'),
    invoiceDate: value('invoiceDate'),
    purchaseOrderId: order.id,
    lines,
    taxAmount: value('taxAmount'),
    total: value('total'),
    ...(creditNoteFor ? { creditNoteFor } : {}),
    ...(note ? { note } : {})
  };
  const problem: Problem | null = lines.length
    ? null
    : { type: 'about:blank', title: 'Please check the form', status: 400, errors: [{ path: 'lines', message: 'Enter a quantity on at least one line.' }] };
  return { body, origins: { lines: origins }, problem };
}

/** The form's starting values of one line: a quantity and a unit price, as a person would type them. */
export interface LineStart {
  quantity: string;
  unitPrice: string;
}

const q = (value: string) => parseDecimal(value, PRICE_SCALE);
const show = (units: bigint) => editableDecimal(formatDecimal(units, PRICE_SCALE), 0);
const editable = (value: string, minDecimals = 0) => editableDecimal(value, minDecimals);

/** An invoice: what was accepted and is not invoiced yet, at the PO's price. */
export function invoiceStart(order: PurchaseOrder): Record<string, LineStart> {
  return Object.fromEntries(
    order.lines.map((line) => {
      const open = q(line.acceptedQuantity) - q(line.invoicedQuantity);
      return [line.id, { quantity: open > 0n ? show(open) : '', unitPrice: editable(line.unitPrice, 2) }];
    })
  );
}

/**
 * A credit note for `original`: each line with an open hold is prefilled
 * with what would clear it: a price over tolerance is credited as the
 * quantity at minus the difference per unit; more invoiced than received or
 * ordered as minus the excess at the invoiced price. Other lines start blank.
 */
export function creditNoteStart(order: PurchaseOrder, original: Invoice): Record<string, LineStart> {
  const start: Record<string, LineStart> = Object.fromEntries(order.lines.map((line) => [line.id, { quantity: '', unitPrice: editable(line.unitPrice, 2) }]));
  for (const hold of original.holds) {
    if (!hold.lineId || !start[hold.lineId] || start[hold.lineId]!.quantity) continue;
    const matched = original.match?.lines.find((line) => line.purchaseOrderLineId === hold.lineId);
    if (!matched) continue;
    try {
      if (hold.reason === 'price_over') {
        start[hold.lineId] = { quantity: editable(matched.quantity), unitPrice: editable(formatDecimal(-q(hold.variance), PRICE_SCALE), 2) };
      } else if (hold.reason === 'quantity_over_received' || hold.reason === 'quantity_over_ordered' || hold.reason === 'not_received') {
        start[hold.lineId] = { quantity: show(-q(hold.variance)), unitPrice: editable(matched.unitPrice ?? matched.poUnitPrice, 2) };
      }
    } catch {
      // A value the helpers cannot read leaves the line blank for the accountant.
    }
  }
  return start;
}

/** Today and a day some days on, as calendar dates (UTC, like every date the app shows). */
export function isoDay(offsetDays = 0, from = new Date()): string {
  const day = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate() + offsetDays));
  return day.toISOString().slice(0, 10);
}

export const isUuid = (value: string | null): value is string => !!value && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
export const isDay = (value: string | null): value is string => !!value && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
