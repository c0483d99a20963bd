import { z } from '@hono/zod-openapi';
import { accessExportSchema, createErasureRequestBody, erasureRequestSchema, listErasureRequestsQuery, pageOf, paginationQuery, personQuery } from '@p2p/domain';
import { recordAnswerOf } from '../middleware/idempotency.ts';
import { createRoute, createRouter, jsonBody, jsonResponse, problemResponses } from '../openapi.ts';
import { pageFrom } from '../pagination.ts';
import { auditContextOf } from '../services/audit-context.ts';
import type { Services } from '../services/index.ts';
import { requireActor } from './require-actor.ts';

const accessExport = createRoute({
  method: 'get',
  path: '/personal-data/export',
  operationId: 'exportPersonalData',
  tags: ['personal-data'],
  summary:
    'Access export (GDPR Art. 15): everything held about one person, a user or a supplier’s contact, as JSON (records managers, admins). Each section holds at most 1,000 items, newest first, and says when there are more. Every export writes an audit entry (personal_data.exported)',
  request: { query: personQuery },
  responses: { 200: jsonResponse(accessExportSchema, 'The export'), ...problemResponses('forbidden', 'not_found') },
});

const createErasure = createRoute({
  method: 'post',
  path: '/personal-data/erasure-requests',
  operationId: 'createErasureRequest',
  idempotencyKey: true,
  tags: ['personal-data'],
  summary:
    'File an erasure request (GDPR Art. 17) for a user or a supplier’s contact (records managers, admins). It starts a process that asks a records manager to approve it in the inbox; on approval the person is anonymised except where a retention duty or a legal hold applies, which the answer names. 422 naming personId when no such person exists; 409 when the user has open tasks, the supplier has open orders or invoices, the person was already erased or has a request open; nothing is written then',
  request: { body: jsonBody(createErasureRequestBody) },
  responses: {
    201: { ...jsonResponse(erasureRequestSchema, 'Filed, awaiting approval'), links: { get: { operationId: 'getErasureRequest', parameters: { id: '$response.body#/id' } } } },
    ...problemResponses('forbidden', 'conflict'),
  },
});

const listErasures = createRoute({
  method: 'get',
  path: '/personal-data/erasure-requests',
  operationId: 'listErasureRequests',
  tags: ['personal-data'],
  summary: 'Erasure requests, newest first, with their status and answer (records managers, admins, auditors)',
  request: { query: paginationQuery.extend(listErasureRequestsQuery.shape) },
  responses: { 200: jsonResponse(pageOf(erasureRequestSchema), 'A page of requests'), ...problemResponses('forbidden') },
});

const getErasure = createRoute({
  method: 'get',
  path: '/personal-data/erasure-requests/{id}',
  operationId: 'getErasureRequest',
  tags: ['personal-data'],
  summary: 'One erasure request: its status and, once carried out, the answer naming what was anonymised and what was kept and why',
  request: { params: z.object({ id: z.uuid() }) },
  responses: { 200: jsonResponse(erasureRequestSchema, 'The request'), ...problemResponses('forbidden', 'not_found') },
});

export function personalDataRoutes(services: Services) {
  const router = createRouter();
  router.openapi(accessExport, async (c) => c.json(await services.personalData.accessExport(requireActor(c), c.req.valid('query'), auditContextOf(c)), 200));
  router.openapi(createErasure, async (c) => c.json(await services.personalData.createErasureRequest(requireActor(c), c.req.valid('json'), auditContextOf(c), recordAnswerOf(c, 201)), 201));
  router.openapi(listErasures, async (c) => {
    const { limit, cursor, status } = c.req.valid('query');
    const rows = await services.personalData.listErasureRequests(requireActor(c), { limit: limit + 1, after: cursor, status });
    return c.json(pageFrom(rows, limit, (last) => last.id), 200);
  });
  router.openapi(getErasure, async (c) => c.json(await services.personalData.getErasureRequest(requireActor(c), c.req.valid('param').id), 200));
  return router;
}
