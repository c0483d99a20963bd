import { fail } from '@sveltejs/kit';
import { accountingExportSchema, invoiceSummarySchema, pageOf, type Problem } from '@p2p/domain';
import { actionFailure, ApiError, apiFetch, pageError, type ApiEvent } from '$lib/server/api';
import { formTexts } from '$lib/server/form';
import { isUuid } from '$lib/server/invoices';
import { namesOf } from '$lib/server/people';
import type { Actions, PageServerLoad } from './$types';

const PAGE_SIZE = 25;
/** The re-export list: the most recent approved and paid invoices (older ones by their page's filters). */
const REEXPORT_CHOICES = 50;

/**
 * Bills for the accounting system: each export takes every approved
 * invoice not exported yet; a re-export takes the invoices ticked. Each
 * export's file is the API's own download (CSV or JSON), read with the
 * session cookie.
 */
export const load: PageServerLoad = async (event) => {
  const cursor = event.url.searchParams.get('cursor');
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (cursor) query.set('cursor', cursor);
  const canExport = event.locals.ability.can('export', 'Invoice');
  const [exports, choices] = await Promise.all([
    apiFetch(event, `/accounting-exports?${query}`, { schema: pageOf(accountingExportSchema) }),
    canExport ? reexportChoices(event) : []
  ]).catch((cause) => pageError(event, cause));
  const names = await namesOf(event, exports.items.map((row) => row.createdById));
  return { exports, cursor, names, choices, canExport };
};

async function reexportChoices(event: ApiEvent) {
  const pages = await Promise.all(
    (['approved', 'paid'] as const).map((status) => apiFetch(event, `/invoices?${new URLSearchParams({ status, limit: String(REEXPORT_CHOICES) })}`, { schema: pageOf(invoiceSummarySchema) }))
  );
  return pages
    .flatMap((page) => page.items)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .slice(0, REEXPORT_CHOICES);
}

async function create(event: Parameters<Actions[string]>[0], body: { invoiceIds?: string[] }, dialog: 'export' | 'reexport') {
  try {
    const made = await apiFetch(event, '/accounting-exports', { method: 'POST', body, schema: accountingExportSchema });
    return { done: dialog, made: { id: made.id, number: made.number, count: made.count, total: made.total } };
  } catch (cause) {
    if (cause instanceof ApiError) return fail(cause.status, { dialog, problem: cause.problem });
    return actionFailure(event, cause, { dialog });
  }
}

export const actions: Actions = {
  export: (event) => create(event, {}, 'export'),
  reexport: async (event) => {
    const invoiceIds = [...new Set(formTexts(await event.request.formData(), 'invoiceIds').filter(isUuid))];
    if (!invoiceIds.length) {
      return fail(400, { dialog: 'reexport', problem: { type: 'about:blank', title: 'Please check the form', status: 400, errors: [{ path: 'invoiceIds', message: 'Tick the invoices to export again.' }] } satisfies Problem });
    }
    return create(event, { invoiceIds }, 'reexport');
  }
};
