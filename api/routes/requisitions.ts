import { createRoute, z } from '@hono/zod-openapi';
import { pageOf, paginationQuery, requisitionBody, requisitionSchema, requisitionStatuses, requisitionSummarySchema } from '@p2p/domain';
import { idempotent, recordAnswerOf } from '../middleware/idempotency.ts';
import { createRouter, jsonBody, jsonResponse, problemResponses } from '../openapi.ts';
import { decodeCursor, pageFrom } from '../pagination.ts';
import { auditContextOf } from '../services/audit-context.ts';
import type { Services } from '../services/index.ts';
import { requireActor } from './require-actor.ts';

const idParam = z.object({ id: z.uuid() });
const submitted = requisitionSchema.pick({ id: true, number: true, status: true, workflowId: true }).extend({ requisition: requisitionSchema });

const create = createRoute({
  method: 'post',
  path: '/requisitions',
  tags: ['requisitions'],
  summary: 'Create a draft requisition',
  description: 'Money is exact: quantities and prices are decimal strings (at most 4 decimals); the total is computed here.',
  request: { body: jsonBody(requisitionBody) },
  responses: { 201: jsonResponse(requisitionSchema, 'Created as draft'), ...problemResponses('forbidden', 'idempotency_mismatch', 'conflict') },
});

const list = createRoute({
  method: 'get',
  path: '/requisitions',
  tags: ['requisitions'],
  summary: 'Requisitions the caller may read, newest first',
  request: {
    query: paginationQuery.extend({
      status: z.enum(requisitionStatuses).optional(),
      mine: z.enum(['true', 'false']).optional(),
      q: z.string().trim().max(100).optional(),
    }),
  },
  responses: { 200: jsonResponse(pageOf(requisitionSummarySchema), 'A page of requisitions'), ...problemResponses() },
});

const get = createRoute({
  method: 'get',
  path: '/requisitions/{id}',
  tags: ['requisitions'],
  summary: 'One requisition with its lines and approval chain',
  request: { params: idParam },
  responses: { 200: jsonResponse(requisitionSchema, 'The requisition'), ...problemResponses('not_found') },
});

const update = createRoute({
  method: 'put',
  path: '/requisitions/{id}',
  tags: ['requisitions'],
  summary: 'Edit a draft, or amend a questioned requisition',
  request: { params: idParam, body: jsonBody(requisitionBody) },
  responses: { 200: jsonResponse(requisitionSchema, 'Updated'), ...problemResponses('forbidden', 'not_found', 'conflict') },
});

const submit = createRoute({
  method: 'post',
  path: '/requisitions/{id}/submit',
  tags: ['requisitions'],
  summary: 'Submit for approval: numbers it and starts its approval process',
  request: { params: idParam },
  responses: { 202: jsonResponse(submitted, 'The approval process started'), ...problemResponses('forbidden', 'not_found', 'conflict', 'idempotency_mismatch') },
});

const withdraw = createRoute({
  method: 'post',
  path: '/requisitions/{id}/withdraw',
  tags: ['requisitions'],
  summary: 'Withdraw until the final approval',
  request: { params: idParam, body: { required: false, content: { 'application/json': { schema: z.strictObject({ reason: z.string().trim().max(1000).optional() }) } } } },
  responses: { 200: jsonResponse(requisitionSchema, 'Withdrawn'), ...problemResponses('forbidden', 'not_found', 'conflict') },
});

const cursorShape = z.object({ createdAt: z.string(), id: z.uuid() });

export function requisitionRoutes(services: Services) {
  const router = createRouter();
  router.use('/requisitions', idempotent());
  router.use('/requisitions/:id/submit', idempotent());

  router.openapi(create, async (c) => c.json(await services.requisitions.create(requireActor(c), c.req.valid('json'), auditContextOf(c), recordAnswerOf(c, 201)), 201));

  router.openapi(list, async (c) => {
    const { limit, cursor, status, mine, q } = c.req.valid('query');
    const before = decodeCursor(cursor, cursorShape);
    const rows = await services.requisitions.list(requireActor(c), { limit: limit + 1, status, mine: mine === 'true', search: q, before });
    return c.json(pageFrom(rows, limit, (last) => ({ createdAt: last.createdAt, id: last.id })), 200);
  });

  router.openapi(get, async (c) => c.json(await services.requisitions.get(requireActor(c), c.req.valid('param').id), 200));

  router.openapi(update, async (c) => c.json(await services.requisitions.update(requireActor(c), c.req.valid('param').id, c.req.valid('json'), auditContextOf(c)), 200));

  router.openapi(submit, async (c) => {
    const requisition = await services.requisitions.submit(requireActor(c), c.req.valid('param').id, auditContextOf(c));
    return c.json({ id: requisition.id, number: requisition.number, status: requisition.status, workflowId: requisition.workflowId, requisition }, 202);
  });

  router.openapi(withdraw, async (c) => {
    const body = c.req.header('content-type')?.includes('json') ? c.req.valid('json') : {};
    return c.json(await services.requisitions.withdraw(requireActor(c), c.req.valid('param').id, body.reason, auditContextOf(c)), 200);
  });

  return router;
}
