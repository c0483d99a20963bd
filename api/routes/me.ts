import { z } from '@hono/zod-openapi';
import { outOfOfficeBody, packAbilityRules, userSchema } from '@p2p/domain';
import { createRoute, createRouter, jsonBody, jsonResponse, problemResponses } from '../openapi.ts';
import { auditContextOf } from '../services/audit-context.ts';
import type { Services } from '../services/index.ts';
import { toUser } from '../services/users.ts';
import { requireActor } from './require-actor.ts';

const meResponse = z.object({
  user: userSchema,
  /** Packed CASL rules: the web app hides what the API would refuse. */
  rules: z.array(z.array(z.unknown())),
  delegatorIds: z.array(z.string()),
});

const getMe = createRoute({
  method: 'get',
  path: '/me',
  operationId: 'getMe',
  tags: ['me'],
  summary: 'The current user, roles and packed CASL rules',
  responses: { 200: jsonResponse(meResponse, 'Me') },
});

const setOutOfOffice = createRoute({
  method: 'put',
  path: '/me/out-of-office',
  operationId: 'setMyOutOfOffice',
  tags: ['me'],
  summary: 'Set my out-of-office period and delegate',
  request: { body: jsonBody(outOfOfficeBody) },
  responses: { 200: jsonResponse(userSchema, 'Updated'), ...problemResponses('forbidden') },
});

const clearOutOfOffice = createRoute({
  method: 'delete',
  path: '/me/out-of-office',
  operationId: 'clearMyOutOfOffice',
  tags: ['me'],
  summary: 'End my out-of-office period',
  responses: { 200: jsonResponse(userSchema, 'Updated'), ...problemResponses('forbidden') },
});

export function meRoutes(services: Services) {
  const router = createRouter();
  router.openapi(getMe, (c) => {
    const actor = requireActor(c);
    return c.json(
      { user: toUser(actor.user), rules: packAbilityRules(actor.ability.rules), delegatorIds: actor.delegatorIds },
      200,
    );
  });
  router.openapi(setOutOfOffice, async (c) => {
    const actor = requireActor(c);
    return c.json(await services.users.setOutOfOffice(actor, actor.user.id, c.req.valid('json'), auditContextOf(c)), 200);
  });
  router.openapi(clearOutOfOffice, async (c) => {
    const actor = requireActor(c);
    return c.json(await services.users.setOutOfOffice(actor, actor.user.id, null, auditContextOf(c)), 200);
  });
  return router;
}
