import { pageOf, purchaseOrderStatuses, purchaseOrderSummarySchema, supplierSchema, type PurchaseOrderStatus } from '@p2p/domain';
import { apiFetch, pageError } from '$lib/server/api';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 25;

/**
 * Purchase orders the caller may read, newest first (the API narrows them:
 * requesters see their own requisitions' orders). Filters live in the URL.
 */
export const load: PageServerLoad = async (event) => {
  const { url } = event;
  const statusParam = url.searchParams.get('status') ?? '';
  const status = (purchaseOrderStatuses as readonly string[]).includes(statusParam) ? (statusParam as PurchaseOrderStatus) : null;
  const supplierId = /^[0-9a-f-]{36}$/i.test(url.searchParams.get('supplier') ?? '') ? url.searchParams.get('supplier') : null;
  const q = (url.searchParams.get('q') ?? '').trim().slice(0, 100);
  const cursor = url.searchParams.get('cursor');

  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (status) query.set('status', status);
  if (supplierId) query.set('supplierId', supplierId);
  if (q) query.set('q', q);
  if (cursor) query.set('cursor', cursor);

  const [orders, suppliers] = await Promise.all([
    apiFetch(event, `/purchase-orders?${query}`, { schema: pageOf(purchaseOrderSummarySchema) }),
    apiFetch(event, '/suppliers?limit=200', { schema: pageOf(supplierSchema) }).catch(() => ({ items: [] }))
  ]).catch((cause) => pageError(event, cause));

  return {
    orders,
    suppliers: suppliers.items.map(({ id, name }) => ({ id, name })),
    status,
    supplierId,
    q,
    cursor,
    statuses: [...purchaseOrderStatuses]
  };
};
