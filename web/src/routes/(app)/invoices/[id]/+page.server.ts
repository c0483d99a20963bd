import { fail } from '@sveltejs/kit';
import { invoiceSchema, type Problem } from '@p2p/domain';
import { actionFailure, ApiError, apiFetch, pageError } from '$lib/server/api';
import { formText } from '$lib/server/form';
import { isoDay } from '$lib/server/invoices';
import { namesOf } from '$lib/server/people';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

/**
 * One invoice: its facts and terms, the match line by line, its holds now
 * and over time, credit notes, approval and payment. The buttons follow the
 * invoice's `actions`, which the API works out for the caller.
 */
export const load: PageServerLoad = async (event) => {
  event.depends('app:invoice');
  const invoice = await apiFetch(event, invoicePath(event), { schema: invoiceSchema }).catch((cause) => pageError(event, cause));
  const [names, corrects] = await Promise.all([
    namesOf(event, [
      invoice.enteredById,
      invoice.approval?.approvedById,
      invoice.approval?.varianceAcceptedById,
      invoice.payment?.recordedById,
      invoice.rejection?.rejectedById,
      ...invoice.holdHistory.map((hold) => hold.releasedById)
    ]),
    // A credit note names the invoice it corrects by id: its number is worth one more call.
    invoice.creditNoteFor
      ? apiFetch(event, `/invoices/${encodeURIComponent(invoice.creditNoteFor)}`, { schema: invoiceSchema })
          .then(({ id, number, invoiceNumber }) => ({ id, number, invoiceNumber }))
          .catch(() => ({ id: invoice.creditNoteFor!, number: null, invoiceNumber: null }))
      : null
  ]);
  return { invoice, names, corrects, today: isoDay() };
};

const invoicePath = (event: Pick<RequestEvent, 'params'>) => `/invoices/${encodeURIComponent(event.params.id)}` as const;

export const actions: Actions = {
  /** A payment made outside a payment run (a single transfer), recorded against this invoice. */
  pay: async (event) => {
    const form = await event.request.formData();
    const body = { reference: formText(form, 'reference').trim(), paidOn: formText(form, 'paidOn').trim(), amount: formText(form, 'amount').trim() };
    if (!body.reference) {
      return fail(400, { dialog: 'pay', problem: { type: 'about:blank', title: 'Please check the form', status: 400, errors: [{ path: 'reference', message: 'Enter the payment’s reference, as on the bank statement.' }] } satisfies Problem });
    }
    try {
      // Once only: the API answers a second payment with 409, so a double submit records one.
      await apiFetch(event, `${invoicePath(event)}/payment`, { method: 'POST', body, schema: invoiceSchema });
      return { done: 'pay' };
    } catch (cause) {
      if (cause instanceof ApiError) return fail(cause.status, { dialog: 'pay', problem: cause.problem });
      return actionFailure(event, cause, { dialog: 'pay' });
    }
  }
};
