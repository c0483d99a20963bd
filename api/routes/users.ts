import { z } from '@hono/zod-openapi';
import { createUserBody, outOfOfficeBody, pageOf, paginationQuery, trimmedText, updateUserBody, userSchema } from '@p2p/domain';
import { recordAnswerOf } from '../middleware/idempotency.ts';
import { createRoute, createRouter, jsonBody, jsonResponse, problemResponses } from '../openapi.ts';
import { pageFrom } from '../pagination.ts';
import { auditContextOf } from '../services/audit-context.ts';
import type { Services } from '../services/index.ts';
import { requireActor } from './require-actor.ts';

const idParam = z.object({ id: z.uuid() });

const createUser = createRoute({
  method: 'post',
  path: '/users',
  operationId: 'createUser',
  idempotencyKey: true,
  tags: ['users'],
  summary: 'Create a user (admin)',
  request: { body: jsonBody(createUserBody) },
  responses: {
    201: {
      ...jsonResponse(userSchema, 'Created'),
      links: {
        get: { operationId: 'getUser', parameters: { id: '$response.body#/id' } },
        update: { operationId: 'updateUser', parameters: { id: '$response.body#/id' } },
        outOfOffice: { operationId: 'setUserOutOfOffice', parameters: { id: '$response.body#/id' } },
      },
    },
    ...problemResponses('forbidden', 'conflict'),
  },
});

const listUsers = createRoute({
  method: 'get',
  path: '/users',
  operationId: 'listUsers',
  tags: ['users'],
  summary: 'List users (admins and auditors see everyone; managers their reports)',
  request: { query: paginationQuery },
  responses: {
    200: {
      ...jsonResponse(pageOf(userSchema), 'A page of users'),
      links: {
        get: { operationId: 'getUser', parameters: { id: '$response.body#/items/0/id' }, description: 'The first user' },
        update: { operationId: 'updateUser', parameters: { id: '$response.body#/items/0/id' }, description: 'Change the first user' },
        outOfOffice: { operationId: 'setUserOutOfOffice', parameters: { id: '$response.body#/items/0/id' }, description: "Set the first user's out-of-office" },
      },
    },
    ...problemResponses('forbidden'),
  },
});

const directory = createRoute({
  method: 'get',
  path: '/users/directory',
  operationId: 'userDirectory',
  tags: ['users'],
  summary: 'Active colleagues for pickers (delegate, reassignment): any signed-in user',
  request: { query: z.object({ q: trimmedText(100).optional().describe('Name or e-mail contains this (as typed: % and _ are not wildcards)'), limit: z.coerce.number().int().min(1).max(100).default(50) }) },
  responses: {
    200: jsonResponse(z.object({ items: z.array(userSchema.pick({ id: true, name: true, email: true, roles: true, department: true })) }), 'People'),
  },
});

const getUser = createRoute({
  method: 'get',
  path: '/users/{id}',
  operationId: 'getUser',
  tags: ['users'],
  summary: 'One user',
  request: { params: idParam },
  responses: { 200: jsonResponse(userSchema, 'The user') },
});

const updateUser = createRoute({
  method: 'patch',
  path: '/users/{id}',
  operationId: 'updateUser',
  tags: ['users'],
  summary: 'Change name, roles, manager, department or active (admin; not your own roles or active)',
  request: { params: idParam, body: jsonBody(updateUserBody) },
  responses: { 200: jsonResponse(userSchema, 'Updated'), ...problemResponses('forbidden', 'not_found') },
});

const setOutOfOffice = createRoute({
  method: 'put',
  path: '/users/{id}/out-of-office',
  operationId: 'setUserOutOfOffice',
  tags: ['users'],
  summary: "Set a user's out-of-office period and delegate (the user or an admin)",
  request: { params: idParam, body: jsonBody(outOfOfficeBody) },
  responses: { 200: jsonResponse(userSchema, 'Updated'), ...problemResponses('forbidden', 'not_found') },
});

export function userRoutes(services: Services) {
  const router = createRouter();
  router.openapi(createUser, async (c) => {
    return c.json(await services.users.create(requireActor(c), c.req.valid('json'), auditContextOf(c), recordAnswerOf(c, 201)), 201);
  });

  router.openapi(listUsers, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const rows = await services.users.list(requireActor(c), { limit: limit + 1, after: cursor });
    return c.json(pageFrom(rows, limit, (last) => last.id), 200);
  });

  // Before /users/{id}: "directory" is not an id.
  router.openapi(directory, async (c) => c.json({ items: await services.users.directory(requireActor(c), c.req.valid('query')) }, 200));

  router.openapi(getUser, async (c) => c.json(await services.users.get(requireActor(c), c.req.valid('param').id), 200));

  router.openapi(updateUser, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(await services.users.update(requireActor(c), id, c.req.valid('json'), auditContextOf(c)), 200);
  });

  router.openapi(setOutOfOffice, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(await services.users.setOutOfOffice(requireActor(c), id, c.req.valid('json'), auditContextOf(c)), 200);
  });

  return router;
}
