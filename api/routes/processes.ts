import { z } from '@hono/zod-openapi';
import { auditVerificationSchema, calendarDate, pageOf, processSummarySchema, requisitionStatuses, timelineItemSchema, trimmedText } from '@p2p/domain';
import type { Context } from 'hono';
import type { AppEnv } from '../context.ts';
import { toCsv } from '../csv.ts';
import { AppError } from '../errors.ts';
import { createRoute, createRouter, jsonResponse, problemResponses } from '../openapi.ts';
import { pageFrom } from '../pagination.ts';
import type { Services } from '../services/index.ts';
import { requireActor } from './require-actor.ts';

const timelineItem = timelineItemSchema;
const processSummary = processSummarySchema;

const format = z.enum(['csv', 'json']).optional().describe('csv or json: an export (attachment) stamped with the time and the audit chain verification');
const day = calendarDate();
const csvResponse = { 'text/csv': { schema: z.string() } };

/**
 * A JSON export is the whole list as one page (nextCursor null), stamped with
 * when it was made and whether the audit chain held: the same shape as a page,
 * so a list answer always matches its schema.
 */
const exportStamp = {
  exportedAt: z.string().optional().describe('Exports (format=json): when the export was made'),
  verification: auditVerificationSchema.omit({ verifiedAt: true }).optional().describe('Exports (format=json): the audit chain verification at that moment'),
};
const searchAnswer = pageOf(processSummary).extend({ ...exportStamp, filters: z.record(z.string(), z.unknown()).optional().describe('Exports (format=json): the filters applied') });
const historyAnswer = z.object({
  items: z.array(timelineItem),
  nextCursor: z.string().regex(/^[0-9]+$/).nullable().describe('Offset of the next page; null on the last page (and in an export)'),
  ...exportStamp,
  workflowId: z.string().optional().describe('Exports (format=json): the process'),
});

const search = createRoute({
  method: 'get',
  path: '/processes',
  operationId: 'searchProcesses',
  tags: ['processes'],
  summary: 'Find processes by document number, text, person involved, supplier, status and submission dates',
  description: 'Text filters match anywhere, as typed (% and _ are not wildcards). `to` before `from` is a 422.',
  request: {
    query: z.object({
      number: trimmedText(50).optional(),
      q: trimmedText(100).optional(),
      userId: z.uuid().optional(),
      supplierId: z.uuid().optional(),
      status: z.enum(requisitionStatuses).optional(),
      from: day.optional(),
      to: day.optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.uuid().optional().describe('nextCursor of the previous page'),
      format,
    }),
  },
  responses: {
    200: {
      description: 'A page of processes, or an export',
      content: { ...jsonResponse(searchAnswer, '').content, ...csvResponse },
      links: { history: { operationId: 'getProcessHistory', parameters: { workflowId: '$response.body#/items/0/workflowId' }, description: 'The timeline of the first process found' } },
    },
    ...problemResponses('unprocessable'),
  },
});

const history = createRoute({
  method: 'get',
  path: '/processes/{workflowId}/history',
  operationId: 'getProcessHistory',
  tags: ['processes'],
  summary: "One process's timeline: business audit entries merged with the engine's history",
  request: {
    params: z.object({ workflowId: z.string().min(1).max(200).regex(/^[A-Za-z0-9_.:-]+$/) }),
    query: z.object({
      source: z.enum(['audit', 'engine']).optional(),
      actorId: z.uuid().optional(),
      limit: z.coerce.number().int().min(1).max(2000).default(500),
      cursor: z.string().max(20).regex(/^[0-9]+$/).optional().describe('nextCursor of the previous page (an offset); beyond the end is an empty page'),
      format,
    }),
  },
  responses: { 200: { description: 'The timeline, oldest first, or an export', content: { ...jsonResponse(historyAnswer, '').content, ...csvResponse } } },
});

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
      if (rows.length > EXPORT_LIMIT) throw new AppError('unprocessable', `The export would hold more than ${EXPORT_LIMIT} processes; narrow the filters (a date range, a status)`, { errors: [{ path: 'query', message: `more than ${EXPORT_LIMIT} processes match` }] });
      const { exportedAt, verification } = await services.processHistory.exportStamp();
      const name = `processes-${exportedAt.slice(0, 10)}`;
      if (kind === 'json') return attachment(c, name, 'json', JSON.stringify({ exportedAt, verification, filters, items: rows, nextCursor: null }, null, 2));
      return attachment(c, name, 'csv', toCsv(['exported_at', 'chain_verified', 'workflow_id', 'number', 'title', 'status', 'requester', 'total', 'submitted_at'], rows.map((r) => [exportedAt, verification.ok, r.workflowId, r.number, r.title, r.status, r.requesterName, r.total, r.submittedAt])));
    }
    const rows = await services.processHistory.search(actor, { ...filters, limit: limit + 1, before: cursor });
    return c.json(pageFrom(rows, limit, (last) => last.workflowId.replace(/^requisition-/, '')), 200);
  });

  router.openapi(history, async (c) => {
    const { workflowId } = c.req.valid('param');
    const { source, actorId, limit, cursor, format: kind } = c.req.valid('query');
    const items = await services.processHistory.timeline(requireActor(c), workflowId, { source, actorId });
    if (kind) {
      const { exportedAt, verification } = await services.processHistory.exportStamp();
      if (kind === 'json') return attachment(c, `${workflowId}-history`, 'json', JSON.stringify({ exportedAt, verification, workflowId, items, nextCursor: null }, null, 2));
      return attachment(c, `${workflowId}-history`, 'csv', toCsv(['exported_at', 'chain_verified', 'at', 'source', 'type', 'actor', 'on_behalf_of', 'detail'], items.map((i) => [exportedAt, verification.ok, i.at, i.source, i.type, i.actor, i.onBehalfOf, i.detail])));
    }
    const offset = cursor ? Number(cursor) : 0;
    return c.json({ items: items.slice(offset, offset + limit), nextCursor: offset + limit < items.length ? String(offset + limit) : null }, 200);
  });

  return router;
}
