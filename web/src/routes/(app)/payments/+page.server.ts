import { randomUUID } from 'node:crypto';
import { error, fail, redirect } from '@sveltejs/kit';
import { pageOf, paymentProposalSchema, paymentRunSchema, type Problem } from '@p2p/domain';
import { actionFailure, ApiError, apiFetch, pageError } from '$lib/server/api';
import { formText, formTexts } from '$lib/server/form';
import { isDay, isoDay, isUuid } from '$lib/server/invoices';
import { namesOf } from '$lib/server/people';
import { idempotencyKey } from '$lib/server/purchase-orders';
import type { Actions, PageServerLoad } from './$types';

const RUNS_PAGE_SIZE = 10;

/**
 * What is due: approved, unpaid invoices due by a day (a week ahead unless
 * the URL says), per supplier with the discount still to be had; a
 * selection of them is paid as one payment run. Past runs below, newest first.
 */
export const load: PageServerLoad = async (event) => {
  if (!event.locals.ability.can('update', 'Invoice')) error(403, 'Payments are accounting’s: they pay approved invoices.');
  const { url } = event;
  const dueBy = isDay(url.searchParams.get('dueBy')) ? url.searchParams.get('dueBy')! : isoDay(7);
  const cursor = url.searchParams.get('cursor');
  const runsQuery = new URLSearchParams({ limit: String(RUNS_PAGE_SIZE) });
  if (cursor) runsQuery.set('cursor', cursor);
  const [proposal, runs] = await Promise.all([
    apiFetch(event, `/payment-runs/proposal?${new URLSearchParams({ dueBy })}`, { schema: paymentProposalSchema }),
    apiFetch(event, `/payment-runs?${runsQuery}`, { schema: pageOf(paymentRunSchema) })
  ]).catch((cause) => pageError(event, cause));
  const names = await namesOf(event, runs.items.map((run) => run.createdById));
  return { dueBy, proposal, runs, cursor, names, today: isoDay(), formKey: randomUUID() };
};

const invalid = (path: string, message: string): Problem => ({ type: 'about:blank', title: 'Please check the form', status: 400, errors: [{ path, message }] });

export const actions: Actions = {
  pay: async (event) => {
    const form = await event.request.formData();
    const body = {
      dueBy: formText(form, 'dueBy'),
      invoiceIds: [...new Set(formTexts(form, 'invoiceIds').filter(isUuid))],
      paidOn: formText(form, 'paidOn').trim(),
      reference: formText(form, 'reference').trim()
    };
    if (!body.invoiceIds.length) return fail(400, { problem: invalid('invoiceIds', 'Tick the invoices to pay.') });
    if (!body.reference) return fail(400, { problem: invalid('reference', 'Enter the bank’s reference of the payment run.') });
    let id: string;
    try {
      ({ id } = await apiFetch(event, '/payment-runs', { method: 'POST', body, schema: paymentRunSchema, headers: { 'idempotency-key': idempotencyKey(form, body) } }));
    } catch (cause) {
      if (cause instanceof ApiError) return fail(cause.status, { problem: cause.problem });
      return actionFailure(event, cause);
    }
    redirect(303, `/payments/runs/${id}?created`);
  }
};
