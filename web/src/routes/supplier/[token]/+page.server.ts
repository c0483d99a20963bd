import { fail } from '@sveltejs/kit';
import { supplierLinkViewSchema, type Problem, type SupplierLinkView } from '@p2p/domain';
import { ApiError, apiFetch } from '$lib/server/api';
import { formText } from '$lib/server/form';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

/**
 * A supplier's order link, from the PO mail: no account and no session. The
 * token is the only credential and goes to the API's public supplier-link
 * endpoints, never with a visitor's session (token: null). Opening the page
 * changes nothing (mail scanners open links); only a button press answers.
 */
const path = (token: string) => `/supplier-links/${encodeURIComponent(token)}` as const;

export type LinkState = SupplierLinkView['state'] | 'unavailable';

/** Why the API refused an answer, from its `reason` where it gives one, else the status. */
function stateOf(problem: Problem): LinkState {
  if (problem.reason === 'used' || problem.reason === 'expired' || problem.reason === 'superseded' || problem.reason === 'invalid') return problem.reason;
  if (problem.status === 409) return 'used';
  if (problem.status === 410) return 'expired';
  if (problem.status === 404 || problem.status === 400) return 'invalid';
  return 'unavailable';
}

export const load: PageServerLoad = async (event) => {
  const wanted = event.url.searchParams.get('action') === 'propose_date' ? ('propose_date' as const) : ('confirm' as const);
  try {
    return { view: await apiFetch(event, path(event.params.token), { token: null, schema: supplierLinkViewSchema }), state: null, wanted };
  } catch (cause) {
    if (!(cause instanceof ApiError)) throw cause;
    return { view: null, state: stateOf(cause.problem), wanted };
  }
};

async function answer(event: RequestEvent, action: 'confirm' | 'propose_date') {
  const form = await event.request.formData();
  const deliveryDate = formText(form, 'deliveryDate').trim();
  const comment = formText(form, 'comment').trim();
  const typed = { action, deliveryDate, comment };
  if (action === 'propose_date' && !deliveryDate) {
    return fail(400, { typed, problem: { type: 'about:blank', title: 'Please check the form', status: 400, errors: [{ path: 'deliveryDate', message: 'Choose the date you can deliver.' }] } satisfies Problem });
  }
  try {
    const view = await apiFetch(event, path(event.params.token), {
      method: 'POST',
      token: null,
      body: { action, ...(deliveryDate && action === 'propose_date' ? { deliveryDate } : {}), ...(comment ? { comment } : {}) },
      schema: supplierLinkViewSchema
    });
    return { answered: view };
  } catch (cause) {
    if (!(cause instanceof ApiError)) throw cause;
    if (cause.status === 400 || cause.status === 422) return fail(cause.status, { typed, problem: cause.problem });
    return fail(cause.status, { refused: stateOf(cause.problem) });
  }
}

export const actions: Actions = {
  confirm: (event) => answer(event, 'confirm'),
  propose: (event) => answer(event, 'propose_date')
};
