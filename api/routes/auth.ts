import { z } from '@hono/zod-openapi';
import { apiTokenSchema, createTokenBody, createdTokenSchema, loginBody, loginResponse } from '@p2p/domain';
import { deleteCookie, setCookie } from 'hono/cookie';
import { SESSION_COOKIE } from '../middleware/authenticate.ts';
import { rateLimit } from '../middleware/rate-limit.ts';
import { createRoute, createRouter, jsonBody, jsonResponse, problemResponses } from '../openapi.ts';
import { auditContextOf } from '../services/audit-context.ts';
import type { Services } from '../services/index.ts';
import { requireActor } from './require-actor.ts';

const login = createRoute({
  method: 'post',
  path: '/auth/login',
  operationId: 'login',
  tags: ['auth'],
  security: [],
  summary: 'Sign in with e-mail and password',
  description: 'Answers the session token (also usable as a Bearer token) and sets the httpOnly session cookie. Five failed attempts lock the account for 15 minutes.',
  request: { body: jsonBody(loginBody) },
  responses: { 200: jsonResponse(loginResponse, 'Signed in'), ...problemResponses('locked') },
});

const logout = createRoute({
  method: 'post',
  path: '/auth/logout',
  operationId: 'logout',
  tags: ['auth'],
  summary: 'End the current session',
  responses: { 204: { description: 'Signed out' } },
});

const listTokens = createRoute({
  method: 'get',
  path: '/auth/tokens',
  operationId: 'listApiTokens',
  tags: ['auth'],
  summary: 'My personal API tokens (never the secrets)',
  responses: { 200: { ...jsonResponse(z.object({ items: z.array(apiTokenSchema) }), 'Tokens'), links: { revoke: { operationId: 'revokeApiToken', parameters: { id: '$response.body#/items/0/id' }, description: 'Revoke the first token' } } } },
});

const createToken = createRoute({
  method: 'post',
  path: '/auth/tokens',
  operationId: 'createApiToken',
  tags: ['auth'],
  summary: 'Create a personal API token; the secret is shown once',
  request: { body: jsonBody(createTokenBody) },
  responses: {
    201: { ...jsonResponse(createdTokenSchema, 'Created'), links: { revoke: { operationId: 'revokeApiToken', parameters: { id: '$response.body#/id' }, description: 'Revoke the token just created' } } },
    ...problemResponses('forbidden'),
  },
});

const revokeToken = createRoute({
  method: 'delete',
  path: '/auth/tokens/{id}',
  operationId: 'revokeApiToken',
  tags: ['auth'],
  summary: 'Revoke one of my API tokens',
  request: { params: z.object({ id: z.uuid() }) },
  responses: { 204: { description: 'Revoked' }, ...problemResponses('not_found') },
});

export function authRoutes(services: Services) {
  const router = createRouter();
  router.use('/auth/login', rateLimit('login', (vars) => vars.deps.config.LOGIN_RATE_LIMIT_PER_MINUTE));

  router.openapi(login, async (c) => {
    const { email, password } = c.req.valid('json');
    const result = await services.auth.login(email, password, auditContextOf(c));
    setCookie(c, SESSION_COOKIE, result.token, {
      httpOnly: true,
      sameSite: 'Lax',
      secure: c.var.deps.config.publicUrl.startsWith('https:'),
      path: '/',
      expires: result.expiresAt,
    });
    return c.json({ token: result.token, user: result.user }, 200);
  });

  router.openapi(logout, async (c) => {
    await services.auth.logout(requireActor(c), auditContextOf(c));
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.body(null, 204);
  });

  router.openapi(listTokens, async (c) => {
    const rows = await services.auth.listTokens(requireActor(c));
    const iso = (date: Date | null) => date?.toISOString() ?? null;
    return c.json(
      {
        items: rows.map((row) => ({
          id: row.id,
          name: row.name,
          prefix: row.prefix,
          createdAt: row.createdAt.toISOString(),
          expiresAt: iso(row.expiresAt),
          lastUsedAt: iso(row.lastUsedAt),
          revokedAt: iso(row.revokedAt),
        })),
      },
      200,
    );
  });

  router.openapi(createToken, async (c) => {
    const created = await services.auth.createToken(requireActor(c), c.req.valid('json'), auditContextOf(c));
    return c.json(created, 201);
  });

  router.openapi(revokeToken, async (c) => {
    await services.auth.revokeToken(requireActor(c), c.req.valid('param').id, auditContextOf(c));
    return c.body(null, 204);
  });

  return router;
}
