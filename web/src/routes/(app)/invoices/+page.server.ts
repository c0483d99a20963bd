import { invoiceStatuses, invoiceSummarySchema, pageOf, purchaseOrderSummarySchema, supplierSchema, type InvoiceStatus } from '@p2p/domain';
import { apiFetch, pageError } from '$lib/server/api';
import { isDay } from '$lib/server/invoices';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 25;

/**
 * Supplier invoices and credit notes, newest first, filtered in the URL: by
 * supplier, status, due date range, and by purchase order, typed as its
 * number (the API filters by the order's id, so the number is looked up).
 */
export const load: PageServerLoad = async (event) => {
  const { url } = event;
  const statusParam = url.searchParams.get('status') ?? '';
  const status = (invoiceStatuses as readonly string[]).includes(statusParam) ? (statusParam as InvoiceStatus) : null;
  const supplierId = /^[0-9a-f-]{36}$/i.test(url.searchParams.get('supplier') ?? '') ? url.searchParams.get('supplier') : null;
  const po = (url.searchParams.get('po') ?? '').trim().slice(0, 100);
  const dueFrom = isDay(url.searchParams.get('dueFrom')) ? url.searchParams.get('dueFrom') : null;
  const dueTo = isDay(url.searchParams.get('dueTo')) ? url.searchParams.get('dueTo') : null;
  const cursor = url.searchParams.get('cursor');

  const [order, suppliers] = await Promise.all([
    po
      ? apiFetch(event, `/purchase-orders?${new URLSearchParams({ q: po, limit: '20' })}`, { schema: pageOf(purchaseOrderSummarySchema) }).then(
          (page) => page.items.find((item) => item.number?.toLowerCase() === po.toLowerCase()) ?? null
        )
      : null,
    apiFetch(event, '/suppliers?limit=200', { schema: pageOf(supplierSchema) }).catch(() => ({ items: [] }))
  ]).catch((cause) => pageError(event, cause));

  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (status) query.set('status', status);
  if (supplierId) query.set('supplierId', supplierId);
  if (order) query.set('purchaseOrderId', order.id);
  if (dueFrom) query.set('dueFrom', dueFrom);
  if (dueTo) query.set('dueTo', dueTo);
  if (cursor) query.set('cursor', cursor);
  // A number that names no order matches no invoice: nothing to ask the API.
  const invoices =
    po && !order
      ? { items: [], nextCursor: null }
      : await apiFetch(event, `/invoices?${query}`, { schema: pageOf(invoiceSummarySchema) }).catch((cause) => pageError(event, cause));

  return {
    invoices,
    suppliers: suppliers.items.map(({ id, name }) => ({ id, name })),
    status,
    supplierId,
    po,
    poUnknown: !!po && !order,
    dueFrom,
    dueTo,
    cursor,
    statuses: [...invoiceStatuses]
  };
};
