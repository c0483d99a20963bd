import { createRoute, z } from '@hono/zod-openapi';
import { createRouter, jsonResponse, problemResponses } from '../openapi.ts';
import { AppError } from '../errors.ts';
import type { Services } from '../services/index.ts';
import { requireActor } from './require-actor.ts';

const timelineItem = z.object({
  at: z.string(),
  source: z.enum(['audit', 'engine']),
  type: z.string(),
  actor: z.string().nullish(),
  actorId: z.string().nullish(),
  onBehalfOf: z.string().nullish(),
  onBehalfOfId: z.string().nullish(),
  detail: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
});

const history = createRoute({
  method: 'get',
  path: '/processes/{workflowId}/history',
  tags: ['processes'],
  summary: "One process's timeline: business audit entries merged with the engine's history",
  request: {
    params: z.object({ workflowId: z.string().min(1).max(200).regex(/^[\w.:-]+$/) }),
    query: z.object({
      source: z.enum(['audit', 'engine']).optional(),
      actorId: z.uuid().optional(),
      limit: z.coerce.number().int().min(1).max(2000).default(500),
      cursor: z.string().regex(/^\d+$/).optional(),
    }),
  },
  responses: { 200: jsonResponse(z.object({ items: z.array(timelineItem), nextCursor: z.string().nullable() }), 'The timeline, oldest first'), ...problemResponses('not_found') },
});

export function processRoutes(services: Services) {
  const router = createRouter();
  router.openapi(history, async (c) => {
    const { workflowId } = c.req.valid('param');
    const { source, actorId, limit, cursor } = c.req.valid('query');
    const items = await services.processHistory.timeline(requireActor(c), workflowId, { source, actorId });
    const offset = cursor ? Number(cursor) : 0;
    if (offset > items.length) throw new AppError('validation', 'cursor: beyond the end of the timeline', { errors: [{ path: 'query.cursor', message: 'out of range' }] });
    const page = items.slice(offset, offset + limit);
    return c.json({ items: page, nextCursor: offset + limit < items.length ? String(offset + limit) : null }, 200);
  });
  return router;
}
