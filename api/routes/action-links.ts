import { z } from '@hono/zod-openapi';
import { actionLinkViewSchema, taskSchema, text } from '@p2p/domain';
import { createRoute, createRouter, jsonResponse, problemResponses } from '../openapi.ts';
import type { Services } from '../services/index.ts';

/** Far longer than any token we sign (about 350 characters), short enough that a URL holding one stays within the server's header limit. */
const tokenParam = z.object({ token: z.string().min(20).max(1000).regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'not an action link token') });

const linkView = actionLinkViewSchema;

const performBody = z.strictObject({
  /** Required when the action needs a reason (reject, question, answer): `commentRequired` in the view says so. */
  comment: text(2000).optional(),
});

const describe = createRoute({
  method: 'get',
  path: '/action-links/{token}',
  operationId: 'describeActionLink',
  tags: ['action links'],
  summary: 'What an e-mailed action link would do (changes nothing; no sign-in needed)',
  description: 'Problems carry `reason`: used or expired (410), unknown, malformed or bad_signature (404), decided (409).',
  security: [],
  request: { params: tokenParam },
  responses: {
    200: { ...jsonResponse(linkView, 'The task, the action and the user the link names'), links: { perform: { operationId: 'performActionLink', parameters: { token: '$request.path.token' }, description: 'Confirm the action this link names' } } },
    ...problemResponses('not_found', 'gone', 'conflict'),
  },
});

const perform = createRoute({
  method: 'post',
  path: '/action-links/{token}',
  operationId: 'performActionLink',
  tags: ['action links'],
  summary: 'Confirm an e-mailed action: performs it once, as the user the link names',
  security: [],
  description: 'A comment is required where the view says `commentRequired`; a refusal for a missing comment leaves the link unused.',
  request: { params: tokenParam, body: { content: { 'application/json': { schema: performBody } }, required: false } },
  responses: { 200: jsonResponse(z.object({ task: taskSchema, process: z.object({ id: z.string(), status: z.string() }) }), 'Done'), ...problemResponses('not_found', 'gone', 'conflict', 'forbidden') },
});

export function actionLinkRoutes(services: Services) {
  const router = createRouter();
  router.openapi(describe, async (c) => c.json(await services.actionLinks.describe(c.req.valid('param').token), 200));
  router.openapi(perform, async (c) => c.json(await services.actionLinks.perform(c.req.valid('param').token, (c.req.valid('json') as z.infer<typeof performBody> | undefined) ?? {}), 200));
  return router;
}
