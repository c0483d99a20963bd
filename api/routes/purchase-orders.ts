import { z } from '@hono/zod-openapi';
import {
  cancelPurchaseOrderBody,
  createReceiptBody,
  createReturnBody,
  moveLinesBody,
  pageOf,
  paginationQuery,
  purchaseOrderListQuery,
  purchaseOrderSchema,
  purchaseOrderSummarySchema,
  purchasingPolicySchema,
  receiptSchema,
  revisePurchaseOrderBody,
  supplierLinkViewSchema,
  supplierResponseBody,
} from '@p2p/domain';
import { createRoute, createRouter, jsonBody, jsonResponse, problemResponses } from '../openapi.ts';
import { pageFrom } from '../pagination.ts';
import { auditContextOf } from '../services/audit-context.ts';
import type { Services } from '../services/index.ts';
import { requireActor } from './require-actor.ts';

const idParam = z.object({ id: z.uuid() });
const tokenParam = z.object({ token: z.string().min(20).max(2000).regex(/^[\w-]+\.[\w-]+$/, 'not a supplier link token') });
const revised = purchaseOrderSchema.extend({ awaitingApproval: z.boolean() });

const list = createRoute({
  method: 'get',
  path: '/purchase-orders',
  operationId: 'listPurchaseOrders',
  tags: ['purchase orders'],
  summary: 'Purchase orders the caller may read, newest first',
  description: 'Requesters see the orders of their own requisitions; buyers, procurement managers, accountants, auditors and the warehouse see all.',
  request: { query: paginationQuery.extend(purchaseOrderListQuery.shape) },
  responses: {
    200: {
      ...jsonResponse(pageOf(purchaseOrderSummarySchema), 'A page of purchase orders'),
      links: {
        get: { operationId: 'getPurchaseOrder', parameters: { id: '$response.body#/items/0/id' }, description: 'The newest order' },
        pdf: { operationId: 'getPurchaseOrderPdf', parameters: { id: '$response.body#/items/0/id' }, description: 'Its PDF' },
        receipts: { operationId: 'listReceipts', parameters: { purchaseOrderId: '$response.body#/items/0/id' }, description: 'Its goods receipts' },
        history: { operationId: 'getProcessHistory', parameters: { workflowId: '$response.body#/items/0/workflowId' }, description: 'Its process timeline' },
      },
    },
    ...problemResponses(),
  },
});

const get = createRoute({
  method: 'get',
  path: '/purchase-orders/{id}',
  operationId: 'getPurchaseOrder',
  tags: ['purchase orders'],
  summary: 'One purchase order: lines with ordered, received, rejected, returned and invoiced quantities, revisions and receipts',
  request: { params: idParam },
  responses: { 200: jsonResponse(purchaseOrderSchema, 'The purchase order'), ...problemResponses('not_found') },
});

const pdf = createRoute({
  method: 'get',
  path: '/purchase-orders/{id}/pdf',
  operationId: 'getPurchaseOrderPdf',
  tags: ['purchase orders'],
  summary: 'The order as sent to the supplier, as PDF (the current revision unless `revision` is given)',
  request: { params: idParam, query: z.object({ revision: z.coerce.number().int().min(0).max(10000).optional() }) },
  responses: { 200: { description: 'The PDF', content: { 'application/pdf': { schema: z.string().meta({ format: 'binary' }) } } }, ...problemResponses('not_found') },
});

const revise = createRoute({
  method: 'post',
  path: '/purchase-orders/{id}/revisions',
  operationId: 'revisePurchaseOrder',
  idempotencyKey: true,
  tags: ['purchase orders'],
  summary: 'Change order: quantities, prices, tax, dates, lines added or cancelled; never below what has arrived',
  description: 'Issued as the next revision with the same number and mailed again, or first approved when the total rises above the threshold or by more than the policy percent (`awaitingApproval`). `Idempotency-Key` makes a retry the same change order.',
  request: { params: idParam, body: jsonBody(revisePurchaseOrderBody) },
  responses: { 200: jsonResponse(revised, 'The order after the change (or awaiting its approval)'), ...problemResponses('forbidden', 'not_found', 'conflict') },
});

const cancel = createRoute({
  method: 'post',
  path: '/purchase-orders/{id}/cancel',
  operationId: 'cancelPurchaseOrder',
  tags: ['purchase orders'],
  summary: 'Cancel a whole order before anything arrived, with a reason; its requisition lines are freed',
  request: { params: idParam, body: jsonBody(cancelPurchaseOrderBody) },
  responses: { 200: jsonResponse(purchaseOrderSchema, 'Cancelled'), ...problemResponses('forbidden', 'not_found', 'conflict') },
});

const cancelRemaining = createRoute({
  method: 'post',
  path: '/purchase-orders/{id}/cancel-remaining',
  operationId: 'cancelRemainingPurchaseOrder',
  tags: ['purchase orders'],
  summary: 'Cancel what has not arrived on a partly received order: it closes at what did',
  request: { params: idParam, body: jsonBody(cancelPurchaseOrderBody) },
  responses: { 200: jsonResponse(purchaseOrderSchema, 'The rest cancelled'), ...problemResponses('forbidden', 'not_found', 'conflict') },
});

const moveLines = createRoute({
  method: 'post',
  path: '/purchase-orders/{id}/move-lines',
  operationId: 'movePurchaseOrderLines',
  tags: ['purchase orders'],
  summary: 'Move lines of this draft to another draft to the same supplier',
  request: { params: idParam, body: jsonBody(moveLinesBody) },
  responses: { 200: jsonResponse(purchaseOrderSchema, 'The draft the lines moved to'), ...problemResponses('forbidden', 'not_found', 'conflict') },
});

const receive = createRoute({
  method: 'post',
  path: '/receipts',
  operationId: 'createReceipt',
  idempotencyKey: true,
  tags: ['goods receipts'],
  summary: 'Record a goods receipt against an issued order (partial deliveries allowed)',
  description: 'Received and rejected quantities per line, each line with a storage location. More than the order still expects plus the policy tolerance is refused, naming the line. `Idempotency-Key` makes a retry the same receipt.',
  request: { body: jsonBody(createReceiptBody) },
  responses: { 201: jsonResponse(receiptSchema, 'Recorded, numbered GR-<year>-<seq>'), ...problemResponses('forbidden', 'conflict', 'idempotency_mismatch') },
});

const listReceipts = createRoute({
  method: 'get',
  path: '/receipts',
  operationId: 'listReceipts',
  tags: ['goods receipts'],
  summary: 'Goods receipts, oldest first, optionally of one order',
  request: { query: paginationQuery.extend({ purchaseOrderId: z.uuid().optional() }) },
  responses: {
    200: {
      ...jsonResponse(pageOf(receiptSchema), 'A page of receipts'),
      links: {
        get: { operationId: 'getReceipt', parameters: { id: '$response.body#/items/0/id' }, description: 'The first receipt' },
        order: { operationId: 'getPurchaseOrder', parameters: { id: '$response.body#/items/0/purchaseOrderId' }, description: 'Its purchase order' },
      },
    },
    ...problemResponses('forbidden'),
  },
});

const getReceipt = createRoute({
  method: 'get',
  path: '/receipts/{id}',
  operationId: 'getReceipt',
  tags: ['goods receipts'],
  summary: 'One goods receipt with its lines and returns',
  request: { params: idParam },
  responses: { 200: jsonResponse(receiptSchema, 'The receipt'), ...problemResponses('not_found') },
});

const returnGoods = createRoute({
  method: 'post',
  path: '/receipts/{id}/returns',
  operationId: 'createReturn',
  idempotencyKey: true,
  tags: ['goods receipts'],
  summary: 'Return accepted goods of a receipt to the supplier: reduces the accepted quantity and the stock, and tells the supplier',
  request: { params: idParam, body: jsonBody(createReturnBody) },
  responses: { 201: jsonResponse(receiptSchema, 'The receipt with its returns'), ...problemResponses('forbidden', 'not_found', 'conflict', 'idempotency_mismatch') },
});

const supplierLink = createRoute({
  method: 'get',
  path: '/supplier-links/{token}',
  operationId: 'getSupplierLink',
  tags: ['supplier links'],
  summary: 'What a supplier’s order link shows (no sign-in; changes nothing)',
  security: [],
  request: { params: tokenParam },
  responses: { 200: jsonResponse(supplierLinkViewSchema, 'The order and whether the link still works'), ...problemResponses() },
});

const supplierAnswer = createRoute({
  method: 'post',
  path: '/supplier-links/{token}',
  operationId: 'answerSupplierLink',
  tags: ['supplier links'],
  summary: 'The supplier confirms the order or proposes another delivery date (no sign-in; once per link)',
  security: [],
  request: { params: tokenParam, body: jsonBody(supplierResponseBody) },
  responses: { 200: jsonResponse(supplierLinkViewSchema, 'Recorded'), ...problemResponses('not_found', 'gone', 'conflict') },
});

const getPolicy = createRoute({
  method: 'get',
  path: '/policies/purchasing',
  operationId: 'getPurchasingPolicy',
  tags: ['policies'],
  summary: 'The purchasing policy: PO approval threshold, re-approval percent, receipt tolerance, default tax, acknowledgement days',
  responses: { 200: jsonResponse(purchasingPolicySchema, 'The policy'), ...problemResponses('forbidden') },
});

const putPolicy = createRoute({
  method: 'put',
  path: '/policies/purchasing',
  operationId: 'putPurchasingPolicy',
  tags: ['policies'],
  summary: 'Change the purchasing policy (admin); running orders keep the policy they started with',
  request: { body: jsonBody(purchasingPolicySchema) },
  responses: { 200: jsonResponse(purchasingPolicySchema, 'The new policy'), ...problemResponses('forbidden') },
});


export function purchaseOrderRoutes(services: Services) {
  const router = createRouter();

  router.openapi(list, async (c) => {
    const { limit, cursor, requisitionId, supplierId, status, q } = c.req.valid('query');
    const rows = await services.purchaseOrders.list(requireActor(c), { limit: limit + 1, requisitionId, supplierId, status, search: q, before: cursor });
    return c.json(pageFrom(rows, limit, (last) => last.id), 200);
  });
  router.openapi(get, async (c) => c.json(await services.purchaseOrders.get(requireActor(c), c.req.valid('param').id), 200));
  router.openapi(pdf, async (c) => {
    const document = await services.purchaseOrders.pdf(requireActor(c), c.req.valid('param').id, c.req.valid('query').revision);
    return c.body(new Uint8Array(document.content), 200, { 'content-type': 'application/pdf', 'content-disposition': `inline; filename="${document.filename}"`, 'cache-control': 'private, max-age=0' });
  });
  router.openapi(revise, async (c) => c.json(await services.purchaseOrders.revise(requireActor(c), c.req.valid('param').id, c.req.valid('json'), c.req.header('idempotency-key')), 200));
  router.openapi(cancel, async (c) => c.json(await services.purchaseOrders.cancel(requireActor(c), c.req.valid('param').id, c.req.valid('json').reason, false, c.req.header('idempotency-key')), 200));
  router.openapi(cancelRemaining, async (c) => c.json(await services.purchaseOrders.cancel(requireActor(c), c.req.valid('param').id, c.req.valid('json').reason, true, c.req.header('idempotency-key')), 200));
  router.openapi(moveLines, async (c) => c.json(await services.purchaseOrders.moveLines(requireActor(c), c.req.valid('param').id, c.req.valid('json'), auditContextOf(c)), 200));

  router.openapi(receive, async (c) => c.json(await services.purchaseOrders.receive(requireActor(c), c.req.valid('json'), c.req.header('idempotency-key')), 201));
  router.openapi(listReceipts, async (c) => {
    const { limit, cursor, purchaseOrderId } = c.req.valid('query');
    const rows = await services.purchaseOrders.receipts(requireActor(c), { limit: limit + 1, purchaseOrderId, after: cursor });
    return c.json(pageFrom(rows, limit, (last) => last.id), 200);
  });
  router.openapi(getReceipt, async (c) => c.json(await services.purchaseOrders.receipt(requireActor(c), c.req.valid('param').id), 200));
  router.openapi(returnGoods, async (c) => c.json(await services.purchaseOrders.returnGoods(requireActor(c), c.req.valid('param').id, c.req.valid('json'), c.req.header('idempotency-key')), 201));

  router.openapi(supplierLink, async (c) => c.json(await services.purchaseOrders.supplierLinkView(c.req.valid('param').token), 200));
  router.openapi(supplierAnswer, async (c) => c.json(await services.purchaseOrders.supplierRespond(c.req.valid('param').token, c.req.valid('json')), 200));

  router.openapi(getPolicy, async (c) => c.json(await services.purchaseOrders.policy(requireActor(c)), 200));
  router.openapi(putPolicy, async (c) => c.json(await services.purchaseOrders.putPolicy(requireActor(c), c.req.valid('json'), auditContextOf(c)), 200));
  return router;
}
