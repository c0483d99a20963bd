import { z } from '@hono/zod-openapi';
import { pageOf, paginationQuery, requisitionBody, requisitionSchema, requisitionStatuses, requisitionSummarySchema, trimmedText } from '@p2p/domain';
import { recordAnswerOf } from '../middleware/idempotency.ts';
import { createRoute, createRouter, jsonBody, jsonResponse, problemResponses } from '../openapi.ts';
import { pageFrom } from '../pagination.ts';
import { auditContextOf } from '../services/audit-context.ts';
import type { Services } from '../services/index.ts';
import { requireActor } from './require-actor.ts';

const idParam = z.object({ id: z.uuid() });
const submitted = requisitionSchema.pick({ id: true, number: true, status: true, workflowId: true }).extend({ requisition: requisitionSchema });

/** What a requisition's id leads to: a stateful client (or fuzzer) follows these from creation to decision. */
const requisitionLinks = {
  get: { operationId: 'getRequisition', parameters: { id: '$response.body#/id' } },
  update: { operationId: 'updateRequisition', parameters: { id: '$response.body#/id' } },
  submit: { operationId: 'submitRequisition', parameters: { id: '$response.body#/id' }, description: 'Submit it for approval' },
  withdraw: { operationId: 'withdrawRequisition', parameters: { id: '$response.body#/id' }, description: 'Withdraw it' },
};

const create = createRoute({
  method: 'post',
  path: '/requisitions',
  operationId: 'createRequisition',
  idempotencyKey: true,
  tags: ['requisitions'],
  summary: 'Create a draft requisition',
  description: 'Money is exact: quantities and prices are decimal strings (at most 4 decimals); the total is computed here.',
  request: { body: jsonBody(requisitionBody) },
  responses: { 201: { ...jsonResponse(requisitionSchema, 'Created as draft'), links: requisitionLinks }, ...problemResponses('forbidden', 'conflict') },
});

const list = createRoute({
  method: 'get',
  path: '/requisitions',
  operationId: 'listRequisitions',
  tags: ['requisitions'],
  summary: 'Requisitions the caller may read, newest first',
  request: {
    query: paginationQuery.extend({
      status: z.enum(requisitionStatuses).optional(),
      mine: z.enum(['true', 'false']).optional(),
      q: trimmedText(100).optional().describe('Title or number contains this (as typed: % and _ are not wildcards)'),
    }),
  },
  responses: { 200: { ...jsonResponse(pageOf(requisitionSummarySchema), 'A page of requisitions'), links: { get: { ...requisitionLinks.get, parameters: { id: '$response.body#/items/0/id' }, description: 'The newest requisition' } } } },
});

const get = createRoute({
  method: 'get',
  path: '/requisitions/{id}',
  operationId: 'getRequisition',
  tags: ['requisitions'],
  summary: 'One requisition with its lines and approval chain',
  request: { params: idParam },
  responses: { 200: jsonResponse(requisitionSchema, 'The requisition') },
});

const update = createRoute({
  method: 'put',
  path: '/requisitions/{id}',
  operationId: 'updateRequisition',
  tags: ['requisitions'],
  summary: 'Edit a draft, or amend a questioned requisition',
  request: { params: idParam, body: jsonBody(requisitionBody) },
  responses: { 200: { ...jsonResponse(requisitionSchema, 'Updated'), links: { submit: requisitionLinks.submit } }, ...problemResponses('forbidden', 'conflict') },
});

const submit = createRoute({
  method: 'post',
  path: '/requisitions/{id}/submit',
  operationId: 'submitRequisition',
  idempotencyKey: true,
  tags: ['requisitions'],
  summary: 'Submit for approval: numbers it and starts its approval process',
  request: { params: idParam },
  responses: {
    202: {
      ...jsonResponse(submitted, 'The approval process started'),
      links: {
        tasks: { operationId: 'listTasks', parameters: { subjectId: '$response.body#/id' }, description: 'The open steps of its approval (to claim or decide)' },
        history: { operationId: 'getProcessHistory', parameters: { workflowId: '$response.body#/workflowId' }, description: 'Its process timeline' },
        withdraw: requisitionLinks.withdraw,
      },
    },
    ...problemResponses('forbidden', 'conflict'),
  },
});

const withdraw = createRoute({
  method: 'post',
  path: '/requisitions/{id}/withdraw',
  operationId: 'withdrawRequisition',
  tags: ['requisitions'],
  summary: 'Withdraw until the final approval',
  request: { params: idParam, body: { required: false, content: { 'application/json': { schema: z.strictObject({ reason: trimmedText(1000).optional() }) } } } },
  responses: { 200: jsonResponse(requisitionSchema, 'Withdrawn'), ...problemResponses('forbidden', 'conflict') },
});

export function requisitionRoutes(services: Services) {
  const router = createRouter();

  router.openapi(create, async (c) => c.json(await services.requisitions.create(requireActor(c), c.req.valid('json'), auditContextOf(c), recordAnswerOf(c, 201)), 201));

  router.openapi(list, async (c) => {
    const { limit, cursor, status, mine, q } = c.req.valid('query');
    const rows = await services.requisitions.list(requireActor(c), { limit: limit + 1, status, mine: mine === 'true', search: q, before: cursor });
    return c.json(pageFrom(rows, limit, (last) => last.id), 200);
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
