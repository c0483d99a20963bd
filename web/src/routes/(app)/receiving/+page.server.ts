import { redirect } from '@sveltejs/kit';
import { pageOf, purchaseOrderSummarySchema, receivableStatuses } from '@p2p/domain';
import { apiFetch, pageError } from '$lib/server/api';
import type { PageServerLoad } from './$types';

const orderPage = pageOf(purchaseOrderSummarySchema);

/**
 * The warehouse's way in: a PO number typed or scanned. An exact match goes
 * straight to its receipt form (a scanner's Enter lands on the right order);
 * a partial one lists what matches. Without a search, the orders still
 * expecting goods, soonest delivery first.
 */
export const load: PageServerLoad = async (event) => {
  const q = (event.url.searchParams.get('q') ?? '').trim().slice(0, 100);
  if (q) {
    const found = await apiFetch(event, `/purchase-orders?${new URLSearchParams({ q, limit: '20' })}`, { schema: orderPage }).catch((cause) => pageError(event, cause));
    const exact = found.items.find((order) => order.number?.toLowerCase() === q.toLowerCase());
    if (exact) redirect(303, `/receiving/${exact.id}`);
    return { q, matches: found.items, expected: [] };
  }
  const expected = await Promise.all(
    receivableStatuses.map((status) => apiFetch(event, `/purchase-orders?${new URLSearchParams({ status, limit: '50' })}`, { schema: orderPage }))
  ).catch((cause) => pageError(event, cause));
  const orders = expected.flatMap((page) => page.items).sort((a, b) => (a.deliveryDate ?? '9999').localeCompare(b.deliveryDate ?? '9999'));
  return { q, matches: [], expected: orders };
};
