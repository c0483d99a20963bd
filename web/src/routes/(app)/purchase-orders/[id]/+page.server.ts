import { randomUUID } from 'node:crypto';
import { fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { pageOf, purchaseOrderSchema, purchaseOrderSummarySchema, receiptSchema, type Problem } from '@p2p/domain';
import { actionFailure, ApiError, apiFetch, pageError } from '$lib/server/api';
import { formText } from '$lib/server/form';
import { namesOf } from '$lib/server/people';
import { idempotencyKey, readReturn, readRevision, remapProblem, type ListOrigins } from '$lib/server/purchase-orders';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

const revised = purchaseOrderSchema.extend({ awaitingApproval: z.boolean() });

/**
 * One purchase order: lines with what arrived, revisions with their PDFs,
 * receipts with their returns. The buttons follow the order's `can`, which
 * the API works out for the caller from the same rules it enforces.
 */
export const load: PageServerLoad = async (event) => {
  event.depends('app:purchase-order');
  const order = await apiFetch(event, `/purchase-orders/${encodeURIComponent(event.params.id)}`, { schema: purchaseOrderSchema }).catch((cause) =>
    pageError(event, cause)
  );
  const names = await namesOf(event, [
    order.preparedById,
    ...order.revisions.map((revision) => revision.createdById),
    ...order.receipts.flatMap((receipt) => [receipt.receivedById, ...receipt.returns.map((row) => row.returnedById)])
  ]);
  // Lines move only to another draft to the same supplier: those are the choices the move dialog offers.
  const moveTargets = order.can.moveLines
    ? await apiFetch(event, `/purchase-orders?${new URLSearchParams({ status: 'draft', supplierId: order.supplierId, limit: '100' })}`, { schema: pageOf(purchaseOrderSummarySchema) })
        .then((page) => page.items.filter((other) => other.id !== order.id && other.status === 'draft' && other.supplierId === order.supplierId))
        .catch(() => [])
    : [];
  return {
    order,
    names,
    moveTargets,
    canReturn: event.locals.ability.can('create', 'GoodsReceipt'),
    /** Names this rendering of the forms: the same form sent twice is one change (see idempotencyKey). */
    formKey: randomUUID()
  };
};

const orderPath = (event: RequestEvent) => `/purchase-orders/${encodeURIComponent(event.params.id)}` as const;

/** A refusal goes back to the dialog it came from, its list paths pointing at the inputs. */
function refused(event: RequestEvent, dialog: string, cause: unknown, origins: ListOrigins = {}) {
  if (cause instanceof ApiError) return fail(cause.status, { dialog, problem: remapProblem(cause.problem, origins) });
  return actionFailure(event, cause, { dialog });
}

async function cancel(event: RequestEvent, remainingOnly: boolean) {
  const dialog = remainingOnly ? 'cancelRemaining' : 'cancel';
  const reason = formText(await event.request.formData(), 'reason').trim();
  if (!reason) return fail(400, { dialog, problem: { type: 'about:blank', title: 'Please check the form', status: 400, errors: [{ path: 'reason', message: 'Say why: the supplier and the requester read it.' }] } satisfies Problem });
  try {
    await apiFetch(event, `${orderPath(event)}/${remainingOnly ? 'cancel-remaining' : 'cancel'}`, { method: 'POST', body: { reason }, schema: purchaseOrderSchema });
    return { done: dialog };
  } catch (cause) {
    return refused(event, dialog, cause);
  }
}

export const actions: Actions = {
  revise: async (event) => {
    const form = await event.request.formData();
    try {
      const order = await apiFetch(event, orderPath(event), { schema: purchaseOrderSchema });
      const { body, origins, problem } = readRevision(form, order);
      if (problem) return fail(400, { dialog: 'revise', problem });
      try {
        const answer = await apiFetch(event, `${orderPath(event)}/revisions`, { method: 'POST', body, schema: revised, headers: { 'idempotency-key': idempotencyKey(form, body) } });
        return { done: 'revise', revision: answer.revision, awaitingApproval: answer.awaitingApproval };
      } catch (cause) {
        return refused(event, 'revise', cause, origins);
      }
    } catch (cause) {
      return refused(event, 'revise', cause);
    }
  },

  cancel: (event) => cancel(event, false),
  cancelRemaining: (event) => cancel(event, true),

  /** Moves the ticked lines to another draft to the same supplier, then shows that draft. */
  moveLines: async (event) => {
    const form = await event.request.formData();
    const lineIds = form.getAll('lineIds').filter((value): value is string => typeof value === 'string' && value !== '');
    const toPurchaseOrderId = formText(form, 'toPurchaseOrderId');
    const errors = [
      ...(lineIds.length ? [] : [{ path: 'lineIds', message: 'Tick at least one line to move.' }]),
      ...(toPurchaseOrderId ? [] : [{ path: 'toPurchaseOrderId', message: 'Choose the draft the lines go to.' }])
    ];
    if (errors.length) return fail(400, { dialog: 'moveLines', problem: { type: 'about:blank', title: 'Please check the form', status: 400, errors } satisfies Problem });
    let target: string;
    try {
      target = (await apiFetch(event, `${orderPath(event)}/move-lines`, { method: 'POST', body: { lineIds, toPurchaseOrderId }, schema: purchaseOrderSchema })).id;
    } catch (cause) {
      return refused(event, 'moveLines', cause, { lineIds: lineIds.map((id) => `line.${id}`) });
    }
    redirect(303, `/purchase-orders/${encodeURIComponent(target)}?moved=${lineIds.length}`);
  },

  returnGoods: async (event) => {
    const form = await event.request.formData();
    const receiptId = formText(form, 'receiptId');
    try {
      const receipt = await apiFetch(event, `/receipts/${encodeURIComponent(receiptId)}`, { schema: receiptSchema });
      const { body, origins, problem } = readReturn(form, receipt.lines.map((line) => line.id));
      if (problem) return fail(400, { dialog: 'return', problem });
      try {
        const answer = await apiFetch(event, `/receipts/${encodeURIComponent(receiptId)}/returns`, { method: 'POST', body, schema: receiptSchema, headers: { 'idempotency-key': idempotencyKey(form, body) } });
        return { done: 'return', returnNumber: answer.returns.at(-1)?.number ?? null };
      } catch (cause) {
        return refused(event, 'return', cause, origins);
      }
    } catch (cause) {
      return refused(event, 'return', cause);
    }
  }
};
