import { createHash, randomUUID } from 'node:crypto';
import { compareDecimal, type CreateReceiptBody, type CreateReturnBody, type Problem, type PurchaseOrder } from '@p2p/domain';
import { normalPath } from '$lib/problem';
import { formText } from './form';

/**
 * The purchasing forms (change order, goods receipt, return to vendor) read
 * into API bodies. Their inputs are named by the record they edit
 * (`line.<id>.quantity`), not by a position: the body sends only some lines,
 * so `remapProblem` turns the API's list paths (`lines.2.quantity`) back
 * into the input a refusal belongs to.
 */

/** Which input each position of a body list came from: `{ lines: ['line.<id>', ...] }`. */
export type ListOrigins = Record<string, readonly string[]>;

export function remapProblem(problem: Problem, origins: ListOrigins): Problem {
  if (!problem.errors) return problem;
  return {
    ...problem,
    errors: problem.errors.map((entry) => {
      const match = /^(\w+)\.(\d+)(\..+)?$/.exec(normalPath(entry.path));
      const origin = match ? origins[match[1]!]?.[Number(match[2])] : undefined;
      return origin ? { ...entry, path: `${origin}${match?.[3] ?? ''}` } : entry;
    })
  };
}

/**
 * One submitted form is one receipt, return or change order, however often
 * the browser sends it: the key is the rendered form's own plus a hash of
 * what it sends. A corrected form is another request (a refusal is not
 * replayed onto the corrected values).
 */
export function idempotencyKey(form: FormData, body: unknown): string {
  const formKey = formText(form, 'formKey').replace(/[^\w-]/g, '').slice(0, 64) || randomUUID();
  return `${formKey}-${createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 24)}`;
}

const invalid = (errors: { path: string; message: string }[]): Problem => ({ type: 'about:blank', title: 'Please check the form', status: 400, errors });

/** Equal as decimals ("40" and "40.0000"); text that is no decimal counts as changed, for the API to refuse at its field. */
function sameDecimal(typed: string, current: string): boolean {
  try {
    return compareDecimal(typed, current) === 0;
  } catch {
    return false;
  }
}

interface RevisionLine {
  id: string;
  quantity?: string;
  unitPrice?: string;
  taxRate?: string;
  cancel?: boolean;
}
interface AddedLine {
  description: string;
  unit: string;
  quantity: string;
  unitPrice: string;
  taxRate?: string;
}
export interface RevisionBody {
  reason: string;
  deliveryDate?: string;
  deliveryAddress?: string;
  lines?: RevisionLine[];
  addLines?: AddedLine[];
}

/** A change order: only what differs from the order as it stands is sent, so the revision says what changed. */
export function readRevision(form: FormData, order: PurchaseOrder): { body: RevisionBody; origins: ListOrigins; problem: Problem | null } {
  const value = (name: string) => formText(form, name).trim();
  const body: RevisionBody = { reason: value('reason') };
  const deliveryDate = value('deliveryDate');
  if (deliveryDate && deliveryDate !== order.deliveryDate) body.deliveryDate = deliveryDate;
  const deliveryAddress = value('deliveryAddress');
  if (deliveryAddress && deliveryAddress !== (order.deliveryAddress ?? '')) body.deliveryAddress = deliveryAddress;

  const lines: RevisionLine[] = [];
  const lineOrigins: string[] = [];
  for (const line of order.lines) {
    const prefix = `line.${line.id}`;
    const change: RevisionLine = { id: line.id };
    if (form.get(`${prefix}.cancel`) === 'true') change.cancel = true;
    const quantity = value(`${prefix}.quantity`);
    const unitPrice = value(`${prefix}.unitPrice`);
    const taxRate = value(`${prefix}.taxRate`);
    if (quantity && !sameDecimal(quantity, line.quantity)) change.quantity = quantity;
    if (unitPrice && !sameDecimal(unitPrice, line.unitPrice)) change.unitPrice = unitPrice;
    if (taxRate && !sameDecimal(taxRate, line.taxRate)) change.taxRate = taxRate;
    if (Object.keys(change).length > 1) {
      lines.push(change);
      lineOrigins.push(prefix);
    }
  }
  if (lines.length) body.lines = lines;

  const added: AddedLine[] = [];
  const addOrigins: string[] = [];
  for (let index = 0; index < 50; index++) {
    const prefix = `add.${index}`;
    const row = { description: value(`${prefix}.description`), unit: value(`${prefix}.unit`), quantity: value(`${prefix}.quantity`), unitPrice: value(`${prefix}.unitPrice`), taxRate: value(`${prefix}.taxRate`) };
    if (!Object.values(row).some(Boolean)) continue;
    added.push({ description: row.description, unit: row.unit || 'each', quantity: row.quantity, unitPrice: row.unitPrice, ...(row.taxRate ? { taxRate: row.taxRate } : {}) });
    addOrigins.push(prefix);
  }
  if (added.length) body.addLines = added;

  const nothing = !body.deliveryDate && !body.deliveryAddress && !body.lines && !body.addLines;
  const problem = !body.reason
    ? invalid([{ path: 'reason', message: 'Say why the order changes: the supplier reads it with the revision.' }])
    : nothing
      ? invalid([{ path: 'lines', message: 'Nothing was changed: change a quantity, price or date, cancel a line or add one.' }])
      : null;
  return { body, origins: { lines: lineOrigins, addLines: addOrigins }, problem };
}

/** A goods receipt: the lines where something was entered; the default location for those that name none. */
export function readReceipt(form: FormData, order: PurchaseOrder): { body: CreateReceiptBody; origins: ListOrigins; problem: Problem | null } {
  const value = (name: string) => formText(form, name).trim();
  const lines: CreateReceiptBody['lines'] = [];
  const origins: string[] = [];
  const errors: { path: string; message: string }[] = [];
  for (const line of order.lines) {
    const prefix = `line.${line.id}`;
    const received = value(`${prefix}.quantityReceived`);
    const rejected = value(`${prefix}.quantityRejected`);
    const location = value(`${prefix}.location`);
    if (!received && !rejected) continue;
    if (!received) {
      errors.push({ path: `${prefix}.quantityReceived`, message: 'Enter what arrived, the rejected units included.' });
      continue;
    }
    lines.push({ purchaseOrderLineId: line.id, quantityReceived: received, ...(rejected ? { quantityRejected: rejected } : {}), ...(location ? { location } : {}) });
    origins.push(prefix);
  }
  if (!lines.length && !errors.length) errors.push({ path: 'lines', message: 'Enter the quantity received on at least one line.' });
  const location = value('location');
  const body: CreateReceiptBody = {
    purchaseOrderId: order.id,
    deliveryNote: value('deliveryNote') || null,
    note: value('note') || null,
    ...(location ? { location } : {}),
    lines
  };
  return { body, origins: { lines: origins }, problem: errors.length ? invalid(errors) : null };
}

/** A return to vendor: the receipt lines with a quantity, and the reason the supplier is told. */
export function readReturn(form: FormData, receiptLineIds: readonly string[]): { body: CreateReturnBody; origins: ListOrigins; problem: Problem | null } {
  const value = (name: string) => formText(form, name).trim();
  const lines: CreateReturnBody['lines'] = [];
  const origins: string[] = [];
  for (const id of receiptLineIds) {
    const quantity = value(`line.${id}.quantity`);
    if (!quantity) continue;
    lines.push({ receiptLineId: id, quantity });
    origins.push(`line.${id}`);
  }
  const errors = [
    ...(value('reason') ? [] : [{ path: 'reason', message: 'Say why the goods go back: the supplier is told.' }]),
    ...(lines.length ? [] : [{ path: 'lines', message: 'Enter the quantity to return on at least one line.' }])
  ];
  return { body: { reason: value('reason'), lines }, origins: { lines: origins }, problem: errors.length ? invalid(errors) : null };
}
