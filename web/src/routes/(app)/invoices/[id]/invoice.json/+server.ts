import { json } from '@sveltejs/kit';
import { invoiceSchema } from '@p2p/domain';
import { ApiError, apiFetch } from '$lib/server/api';
import type { RequestHandler } from './$types';

/**
 * The invoice as the caller may read it, for the payment approval's dialog
 * (its task carries the totals only; the match comes from here when the
 * dialog opens). The API decides who may read it.
 */
export const GET: RequestHandler = async (event) => {
  try {
    const invoice = await apiFetch(event, `/invoices/${encodeURIComponent(event.params.id)}`, { schema: invoiceSchema });
    return json(invoice, { headers: { 'cache-control': 'private, no-store' } });
  } catch (cause) {
    if (cause instanceof ApiError) return json(cause.problem, { status: cause.status });
    throw cause;
  }
};
