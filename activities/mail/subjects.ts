import { formatMoney } from './format.ts';
import type { MailSubject } from './templates.ts';

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
