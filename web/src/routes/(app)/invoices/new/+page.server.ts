import { randomUUID } from 'node:crypto';
import { error, fail, redirect } from '@sveltejs/kit';
import { invoiceSchema, pageOf, purchaseOrderSchema, purchaseOrderSummarySchema, type PurchaseOrderStatus, type PurchaseOrderSummary } from '@p2p/domain';
import { actionFailure, ApiError, apiFetch, pageError } from '$lib/server/api';
import { formText } from '$lib/server/form';
import { creditNoteStart, invoiceStart, isoDay, isUuid, readInvoice } from '$lib/server/invoices';
import { idempotencyKey, remapProblem } from '$lib/server/purchase-orders';
import type { Actions, PageServerLoad } from './$types';

/** Orders a supplier may bill: sent, and not cancelled or closed. */
const invoiceable: readonly PurchaseOrderStatus[] = ['issued', 'partially_received', 'received'];
const orderPage = pageOf(purchaseOrderSummarySchema);

/**
 * Entering a supplier's invoice (or credit note) against one order. Without
 * an order yet, the page lists the ones that can be billed, or those matching
 * a typed number (an exact number goes straight to its form). With one, the
 * lines start from what was accepted and not invoiced yet, at the PO's
 * price; a credit note starts from what would clear the invoice's holds.
 */
export const load: PageServerLoad = async (event) => {
  if (!event.locals.ability.can('create', 'Invoice')) error(403, 'Only accounting enters invoices.');
  const { url } = event;
  const creditNoteFor = url.searchParams.get('creditNoteFor');
  const purchaseOrderId = url.searchParams.get('purchaseOrderId');
  const base = { formKey: randomUUID(), today: isoDay(), q: '', candidates: [] as PurchaseOrderSummary[] };

  try {
    if (isUuid(creditNoteFor)) {
      const original = await apiFetch(event, `/invoices/${encodeURIComponent(creditNoteFor)}`, { schema: invoiceSchema });
      const order = await apiFetch(event, `/purchase-orders/${encodeURIComponent(original.purchaseOrderId)}`, { schema: purchaseOrderSchema });
      const { id, number, invoiceNumber, total, currency, holds, actions } = original;
      return { ...base, order, start: creditNoteStart(order, original), original: { id, number, invoiceNumber, total, currency, heldLines: holds.filter((hold) => hold.lineId).length, creditNoteAllowed: actions.creditNote } };
    }
    if (isUuid(purchaseOrderId)) {
      const order = await apiFetch(event, `/purchase-orders/${encodeURIComponent(purchaseOrderId)}`, { schema: purchaseOrderSchema });
      return { ...base, order, start: invoiceStart(order), original: null };
    }
    const q = (url.searchParams.get('q') ?? '').trim().slice(0, 100);
    const pages = q
      ? [await apiFetch(event, `/purchase-orders?${new URLSearchParams({ q, limit: '20' })}`, { schema: orderPage })]
      : await Promise.all(invoiceable.map((status) => apiFetch(event, `/purchase-orders?${new URLSearchParams({ status, limit: '20' })}`, { schema: orderPage })));
    const candidates = pages
      .flatMap((page) => page.items)
      .filter((order) => invoiceable.includes(order.status))
      .sort((a, b) => (b.issuedAt ?? '').localeCompare(a.issuedAt ?? ''));
    const exact = q ? candidates.find((order) => order.number?.toLowerCase() === q.toLowerCase()) : undefined;
    if (exact) redirect(303, `/invoices/new?purchaseOrderId=${exact.id}`);
    return { ...base, q, candidates, order: null, start: {}, original: null };
  } catch (cause) {
    return pageError(event, cause);
  }
};

export const actions: Actions = {
  default: async (event) => {
    const form = await event.request.formData();
    const purchaseOrderId = formText(form, 'purchaseOrderId');
    if (!isUuid(purchaseOrderId)) return fail(400, { problem: { type: 'about:blank', title: 'Choose the purchase order first', status: 400 } });
    try {
      const order = await apiFetch(event, `/purchase-orders/${encodeURIComponent(purchaseOrderId)}`, { schema: purchaseOrderSchema });
      const { body, origins, problem } = readInvoice(form, order);
      if (problem) return fail(400, { problem });
      let id: string;
      try {
        ({ id } = await apiFetch(event, '/invoices', { method: 'POST', body, schema: invoiceSchema, headers: { 'idempotency-key': idempotencyKey(form, body) } }));
      } catch (cause) {
        if (cause instanceof ApiError) return fail(cause.status, { problem: remapProblem(cause.problem, origins) });
        throw cause;
      }
      redirect(303, `/invoices/${id}?entered`);
    } catch (cause) {
      return actionFailure(event, cause);
    }
  }
};
