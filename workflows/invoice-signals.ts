import { defineSignal } from '@temporalio/workflow';

/**
 * What the purchase-order and invoice processes tell each other. Kept apart
 * so neither workflow module imports the other.
 */

/** To an invoice's process: goods of its PO were received or returned (sent once per document; the invoice also keys it by id). */
export const goodsMoved = defineSignal<[{ kind: 'receipt' | 'return'; documentId: string }]>('goodsMoved');

/** To a PO's process: one of its invoices is paid or rejected, so the order may close. */
export const invoiceSettled = defineSignal<[{ invoiceId: string; status: string }]>('invoiceSettled');
