import { randomUUID } from 'node:crypto';
import { fail } from '@sveltejs/kit';
import { purchaseOrderSchema, receiptSchema } from '@p2p/domain';
import { actionFailure, ApiError, apiFetch, pageError } from '$lib/server/api';
import { idempotencyKey, readReceipt, remapProblem } from '$lib/server/purchase-orders';
import type { Actions, PageServerLoad } from './$types';

/**
 * Recording a delivery against one order: received and rejected per open
 * line, a storage location, the supplier's delivery note. The API checks
 * every quantity against what may still arrive and names the line it refuses.
 */
export const load: PageServerLoad = async (event) => {
  const order = await apiFetch(event, `/purchase-orders/${encodeURIComponent(event.params.id)}`, { schema: purchaseOrderSchema }).catch((cause) =>
    pageError(event, cause)
  );
  return { order, formKey: randomUUID() };
};

export const actions: Actions = {
  receive: async (event) => {
    const form = await event.request.formData();
    try {
      const order = await apiFetch(event, `/purchase-orders/${encodeURIComponent(event.params.id)}`, { schema: purchaseOrderSchema });
      const { body, origins, problem } = readReceipt(form, order);
      if (problem) return fail(400, { problem });
      try {
        const receipt = await apiFetch(event, '/receipts', { method: 'POST', body, schema: receiptSchema, headers: { 'idempotency-key': idempotencyKey(form, body) } });
        return { receipt: { id: receipt.id, number: receipt.number, lines: receipt.lines.map(({ lineNo, description, unit, quantityReceived, quantityRejected, location }) => ({ lineNo, description, unit, quantityReceived, quantityRejected, location })) } };
      } catch (cause) {
        if (cause instanceof ApiError) return fail(cause.status, { problem: remapProblem(cause.problem, origins) });
        throw cause;
      }
    } catch (cause) {
      return actionFailure(event, cause);
    }
  }
};
