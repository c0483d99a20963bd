import { json } from '@sveltejs/kit';
import { purchaseOrderSchema } from '@p2p/domain';
import { ApiError, apiFetch } from '$lib/server/api';
import type { RequestHandler } from './$types';

/**
 * The order as the caller may read it, for dialogs that show what a decision
 * is about (the approval of an order, a proposed delivery date) without
 * loading every order of the inbox up front. The API decides who may read it.
 */
export const GET: RequestHandler = async (event) => {
  try {
    const order = await apiFetch(event, `/purchase-orders/${encodeURIComponent(event.params.id)}`, { schema: purchaseOrderSchema });
    return json(order, { headers: { 'cache-control': 'private, no-store' } });
  } catch (cause) {
    if (cause instanceof ApiError) return json(cause.problem, { status: cause.status });
    throw cause;
  }
};
