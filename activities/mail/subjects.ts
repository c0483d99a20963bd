import { formatMoney } from './format.ts';
import type { MailFact, MailSubject } from './templates.ts';

/**
 * What each process's mails say about its record, in one place per process:
 * the templates are generic, so the record type, its facts and the sentences
 * only this process can say are data built here.
 */

/** A requisition in a mail: requester and total in the details box, "Rita Reyes asks for 1,234.50" as its summary. */
export function requisitionMailSubject(params: { number: string; title: string; total: string; requesterName: string; url: string }): MailSubject {
  return {
    typeLabel: 'Requisition',
    number: params.number,
    title: params.title,
    url: params.url,
    facts: [
      { label: 'Requested by', text: params.requesterName },
      { label: 'Total', amount: params.total, strong: true },
    ],
    summary: `${params.requesterName} asks for ${formatMoney(params.total)}`,
  };
}

const requisitionNextSteps: Record<string, string> = {
  approved: 'Purchasing takes it from here: a buyer turns the lines into purchase orders.',
  rejected: 'The requisition is closed. If the reason can be addressed, raise a new requisition.',
  /** After the requester's answer (the `questioned` mail). */
  questioned: 'If you change the total, the approval chain starts again; otherwise it returns to the same step.',
};

/** The `nextStep` line of a requisition's decision mail (by outcome) or of its `questioned` mail; null when there is none. */
export function requisitionNextStep(outcome: string): string | null {
  return Object.hasOwn(requisitionNextSteps, outcome) ? requisitionNextSteps[outcome]! : null;
}

/**
 * A purchase order in a mail: "Order to <supplier>" (the title its process
 * gives it; the supplier is in it), total, delivery date and revision in the
 * details box. `url` is
 * its page, for mails to staff; null in mails to the supplier, who has no
 * account. Delivery address and payment terms are added when given (the
 * mail that carries the order itself shows them).
 */
export function purchaseOrderMailSubject(params: {
  number: string;
  supplierName: string;
  total: string;
  currency: string;
  /** ISO day, or null while none is agreed. */
  deliveryDate: string | null;
  revision: number;
  url: string | null;
  deliveryAddress?: string | null;
  paymentTermsDays?: number | null;
}): MailSubject {
  const facts: MailFact[] = [
    { label: 'Total', amount: params.total, currency: params.currency, strong: true },
    { label: 'Delivery date', date: params.deliveryDate, text: 'to be agreed' },
  ];
  if (params.deliveryAddress) facts.push({ label: 'Deliver to', text: params.deliveryAddress });
  if (params.paymentTermsDays != null) facts.push({ label: 'Payment terms', text: paymentTerms(params.paymentTermsDays) });
  if (params.revision > 0) facts.push({ label: 'Revision', text: String(params.revision) });
  return {
    typeLabel: 'Purchase order',
    number: params.number,
    title: `Order to ${params.supplierName}`,
    url: params.url,
    facts,
    summary: `Order to ${params.supplierName} for ${formatMoney(params.total, params.currency)}`,
  };
}

/** "Net 30 days", as the PDF prints it. */
export function paymentTerms(days: number): string {
  return days === 0 ? 'Due on receipt' : `Net ${days} ${days === 1 ? 'day' : 'days'}`;
}

/**
 * An invoice, as mails to staff show it (task mails, reminders,
 * escalations): our number and the supplier's, the total and the due date.
 */
export function invoiceMailSubject(params: { number: string; invoiceNumber: string; kindLabel: string; supplierName: string; purchaseOrderNumber: string | null; total: string; currency: string; dueDate: string | null; holds: string[]; url: string }): MailSubject {
  const facts: MailFact[] = [
    { label: 'Total', amount: params.total, currency: params.currency, strong: true },
    { label: 'Supplier', text: params.supplierName },
    { label: 'Supplier’s number', text: params.invoiceNumber },
  ];
  if (params.purchaseOrderNumber) facts.push({ label: 'Purchase order', text: params.purchaseOrderNumber });
  if (params.dueDate) facts.push({ label: 'Due', date: params.dueDate });
  if (params.holds.length) facts.push({ label: 'Holds', text: params.holds.join(', ') });
  return {
    typeLabel: params.kindLabel,
    number: params.number,
    title: `${params.kindLabel} ${params.invoiceNumber} from ${params.supplierName}`,
    url: params.url,
    facts,
    summary: `${params.kindLabel} ${params.invoiceNumber} from ${params.supplierName} for ${formatMoney(params.total, params.currency)}`,
  };
}
