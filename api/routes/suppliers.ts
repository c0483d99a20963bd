import { z } from '@hono/zod-openapi';
import { createSupplierBody, pageOf, paginationQuery, projectSchema, putSupplierContactBody, supplierContactSchema, supplierSchema } from '@p2p/domain';
import { recordAnswerOf } from '../middleware/idempotency.ts';
import { createRoute, createRouter, jsonBody, jsonResponse, problemResponses } from '../openapi.ts';
import { pageFrom } from '../pagination.ts';
import { auditContextOf } from '../services/audit-context.ts';
import type { Services } from '../services/index.ts';
import { requireActor } from './require-actor.ts';

const createSupplier = createRoute({
  method: 'post',
  path: '/suppliers',
  operationId: 'createSupplier',
  idempotencyKey: true,
  tags: ['suppliers'],
  summary: 'Create a supplier (buyers, procurement managers, admins)',
  request: { body: jsonBody(createSupplierBody) },
  responses: {
    201: { ...jsonResponse(supplierSchema, 'Created'), links: { get: { operationId: 'getSupplier', parameters: { id: '$response.body#/id' } } } },
    ...problemResponses('forbidden', 'conflict'),
  },
});

const listSuppliers = createRoute({
  method: 'get',
  path: '/suppliers',
  operationId: 'listSuppliers',
  tags: ['suppliers'],
  summary: 'List suppliers by name',
  request: { query: paginationQuery },
  responses: { 200: { ...jsonResponse(pageOf(supplierSchema), 'A page of suppliers'), links: { get: { operationId: 'getSupplier', parameters: { id: '$response.body#/items/0/id' }, description: 'The first supplier' } } } },
});

const getSupplier = createRoute({
  method: 'get',
  path: '/suppliers/{id}',
  operationId: 'getSupplier',
  tags: ['suppliers'],
  summary: 'One supplier',
  request: { params: z.object({ id: z.uuid() }) },
  responses: { 200: { ...jsonResponse(supplierSchema, 'The supplier, without its contact person (GET /suppliers/{id}/contact, audited)'), links: { contact: { operationId: 'getSupplierContact', parameters: { id: '$response.body#/id' } } } } },
});

const getSupplierContact = createRoute({
  method: 'get',
  path: '/suppliers/{id}/contact',
  operationId: 'getSupplierContact',
  tags: ['suppliers'],
  summary: "The supplier's contact person: name, e-mail, phone and address, opened from their encrypted form (buyers, procurement managers, records managers, admins, auditors). Personal data: every read writes an audit entry (supplier.contact_read)",
  request: { params: z.object({ id: z.uuid() }) },
  responses: { 200: jsonResponse(supplierContactSchema, 'The contact data'), ...problemResponses('forbidden', 'not_found') },
});

const putSupplierContact = createRoute({
  method: 'put',
  path: '/suppliers/{id}/contact',
  operationId: 'putSupplierContact',
  tags: ['suppliers'],
  summary: "Change the supplier's contact person, phone or address (buyers, procurement managers, admins); fields left out stay, null clears one. Phone and address are stored encrypted; the audit entry names the fields changed, never their values",
  request: { params: z.object({ id: z.uuid() }), body: jsonBody(putSupplierContactBody) },
  responses: { 200: jsonResponse(supplierContactSchema, 'The contact data now'), ...problemResponses('forbidden', 'not_found') },
});

const listProjects = createRoute({
  method: 'get',
  path: '/projects',
  operationId: 'listProjects',
  tags: ['suppliers'],
  summary: 'Projects a requisition can be charged to',
  responses: { 200: jsonResponse(z.object({ items: z.array(projectSchema) }), 'Projects') },
});

export function supplierRoutes(services: Services) {
  const router = createRouter();
  router.openapi(createSupplier, async (c) =>
    c.json(await services.suppliers.create(requireActor(c), c.req.valid('json'), auditContextOf(c), recordAnswerOf(c, 201)), 201),
  );

  router.openapi(listSuppliers, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const rows = await services.suppliers.list(requireActor(c), { limit: limit + 1, after: cursor });
    return c.json(pageFrom(rows, limit, (last) => last.id), 200);
  });

  router.openapi(getSupplier, async (c) => c.json(await services.suppliers.get(requireActor(c), c.req.valid('param').id), 200));
  router.openapi(getSupplierContact, async (c) => c.json(await services.suppliers.getContact(requireActor(c), c.req.valid('param').id, auditContextOf(c)), 200));
  router.openapi(putSupplierContact, async (c) => c.json(await services.suppliers.putContact(requireActor(c), c.req.valid('param').id, c.req.valid('json'), auditContextOf(c)), 200));

  router.openapi(listProjects, async (c) => c.json({ items: await services.suppliers.listProjects(requireActor(c)) }, 200));

  return router;
}
