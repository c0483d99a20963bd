import { createRoute, z } from '@hono/zod-openapi';
import { processSummarySchema, requisitionStatuses, timelineItemSchema } from '@p2p/domain';
import type { Context } from 'hono';
import type { AppEnv } from '../context.ts';
import { toCsv } from '../csv.ts';
import { AppError } from '../errors.ts';
import { createRouter, jsonResponse, problemResponses } from '../openapi.ts';
import { decodeCursor, pageFrom } from '../pagination.ts';
import type { Services } from '../services/index.ts';
import { requireActor } from './require-actor.ts';

const timelineItem = timelineItemSchema;
const processSummary = processSummarySchema;

const format = z.enum(['csv', 'json']).optional().describe('csv or json: an export (attachment) stamped with the time and the audit chain verification');
const day = z.iso.date();
const csvResponse = { 'text/csv': { schema: z.string() } };

const search = createRoute({
  method: 'get',
  path: '/processes',
  tags: ['processes'],
  summary: 'Find processes by document number, text, person involved, supplier, status and submission dates',
  request: {
    query: z.object({
      number: z.string().trim().max(50).optional(),
      q: z.string().trim().max(100).optional(),
      userId: z.uuid().optional(),
      supplierId: z.uuid().optional(),
      status: z.enum(requisitionStatuses).optional(),
      from: day.optional(),
      to: day.optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().max(500).optional(),
      format,
    }),
  },
  responses: { 200: { description: 'A page of processes, or an export', content: { ...jsonResponse(z.object({ items: z.array(processSummary), nextCursor: z.string().nullable() }), '').content, ...csvResponse } }, ...problemResponses() },
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
      format,
    }),
  },
  responses: { 200: { description: 'The timeline, oldest first, or an export', content: { ...jsonResponse(z.object({ items: z.array(timelineItem), nextCursor: z.string().nullable() }), '').content, ...csvResponse } }, ...problemResponses('not_found') },
});

const cursorShape = z.object({ submittedAt: z.string(), id: z.uuid() });

/** Exports are attachments; a whole timeline or search result, never a page of it. */
function attachment(c: Context<AppEnv>, name: string, kind: 'csv' | 'json', body: string) {
  return c.body(body, 200, {
    'content-type': kind === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
    'content-disposition': `attachment; filename="${name}.${kind}"`,
  });
}

const EXPORT_LIMIT = 10_000;

export function processRoutes(services: Services) {
  const router = createRouter();

  router.openapi(search, async (c) => {
    const { limit, cursor, format: kind, ...filters } = c.req.valid('query');
    const actor = requireActor(c);
    if (kind) {
      const rows = await services.processHistory.search(actor, { ...filters, limit: EXPORT_LIMIT + 1 });
      // Never a silently truncated file: an export too large to be whole asks for narrower filters.
      if (rows.length > EXPORT_LIMIT) throw new AppError('validation', `The export would hold more than ${EXPORT_LIMIT} processes; narrow the filters (a date range, a status)`, { errors: [{ path: 'query', message: `more than ${EXPORT_LIMIT} processes match` }] });
      const { exportedAt, verification } = await services.processHistory.exportStamp();
      const name = `processes-${exportedAt.slice(0, 10)}`;
      if (kind === 'json') return attachment(c, name, 'json', JSON.stringify({ exportedAt, verification, filters, items: rows }, null, 2));
      return attachment(c, name, 'csv', toCsv(['exported_at', 'chain_verified', 'workflow_id', 'number', 'title', 'status', 'requester', 'total', 'submitted_at'], rows.map((r) => [exportedAt, verification.ok, r.workflowId, r.number, r.title, r.status, r.requesterName, r.total, r.submittedAt])));
    }
    const before = decodeCursor(cursor, cursorShape);
    const rows = await services.processHistory.search(actor, { ...filters, limit: limit + 1, before });
    return c.json(pageFrom(rows, limit, (last) => ({ submittedAt: last.submittedAt, id: last.workflowId.replace(/^requisition-/, '') })), 200);
  });

  router.openapi(history, async (c) => {
    const { workflowId } = c.req.valid('param');
    const { source, actorId, limit, cursor, format: kind } = c.req.valid('query');
    const items = await services.processHistory.timeline(requireActor(c), workflowId, { source, actorId });
    if (kind) {
      const { exportedAt, verification } = await services.processHistory.exportStamp();
      if (kind === 'json') return attachment(c, `${workflowId}-history`, 'json', JSON.stringify({ exportedAt, verification, workflowId, items }, null, 2));
      return attachment(c, `${workflowId}-history`, 'csv', toCsv(['exported_at', 'chain_verified', 'at', 'source', 'type', 'actor', 'on_behalf_of', 'detail'], items.map((i) => [exportedAt, verification.ok, i.at, i.source, i.type, i.actor, i.onBehalfOf, i.detail])));
    }
    const offset = cursor ? Number(cursor) : 0;
    if (offset > items.length) throw new AppError('validation', 'cursor: beyond the end of the timeline', { errors: [{ path: 'query.cursor', message: 'out of range' }] });
    return c.json({ items: items.slice(offset, offset + limit), nextCursor: offset + limit < items.length ? String(offset + limit) : null }, 200);
  });

  return router;
}
