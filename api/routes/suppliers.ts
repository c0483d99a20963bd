import { createRoute, z } from '@hono/zod-openapi';
import { createSupplierBody, pageOf, paginationQuery, projectSchema, supplierSchema } from '@p2p/domain';
import { idempotent, recordAnswerOf } from '../middleware/idempotency.ts';
import { createRouter, jsonBody, jsonResponse, problemResponses } from '../openapi.ts';
import { decodeCursor, pageFrom } from '../pagination.ts';
import { auditContextOf } from '../services/audit-context.ts';
import type { Services } from '../services/index.ts';
import { requireActor } from './require-actor.ts';

const createSupplier = createRoute({
  method: 'post',
  path: '/suppliers',
  tags: ['suppliers'],
  summary: 'Create a supplier (buyers, procurement managers, admins)',
  request: { body: jsonBody(createSupplierBody) },
  responses: { 201: jsonResponse(supplierSchema, 'Created'), ...problemResponses('forbidden', 'idempotency_mismatch', 'conflict') },
});

const listSuppliers = createRoute({
  method: 'get',
  path: '/suppliers',
  tags: ['suppliers'],
  summary: 'List suppliers by name',
  request: { query: paginationQuery },
  responses: { 200: jsonResponse(pageOf(supplierSchema), 'A page of suppliers'), ...problemResponses() },
});

const getSupplier = createRoute({
  method: 'get',
  path: '/suppliers/{id}',
  tags: ['suppliers'],
  summary: 'One supplier',
  request: { params: z.object({ id: z.uuid() }) },
  responses: { 200: jsonResponse(supplierSchema, 'The supplier'), ...problemResponses('not_found') },
});

const listProjects = createRoute({
  method: 'get',
  path: '/projects',
  tags: ['suppliers'],
  summary: 'Projects a requisition can be charged to',
  responses: { 200: jsonResponse(z.object({ items: z.array(projectSchema) }), 'Projects'), ...problemResponses() },
});

const cursorShape = z.object({ name: z.string(), id: z.uuid() });

export function supplierRoutes(services: Services) {
  const router = createRouter();
  router.use('/suppliers', idempotent());

  router.openapi(createSupplier, async (c) =>
    c.json(await services.suppliers.create(requireActor(c), c.req.valid('json'), auditContextOf(c), recordAnswerOf(c, 201)), 201),
  );

  router.openapi(listSuppliers, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const after = decodeCursor(cursor, cursorShape);
    const rows = await services.suppliers.list(requireActor(c), { limit: limit + 1, after });
    return c.json(pageFrom(rows, limit, (last) => ({ name: last.name, id: last.id })), 200);
  });

  router.openapi(getSupplier, async (c) => c.json(await services.suppliers.get(requireActor(c), c.req.valid('param').id), 200));

  router.openapi(listProjects, async (c) => c.json({ items: await services.suppliers.listProjects(requireActor(c)) }, 200));

  return router;
}
