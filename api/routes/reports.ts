import { z } from '@hono/zod-openapi';
import { budgetSchema, dashboardSchema, listBudgetsQuery, putBudgetBody, reportNames, reportQuery, reportSchema } from '@p2p/domain';
import { createRoute, createRouter, jsonBody, jsonResponse, problemResponses } from '../openapi.ts';
import { auditContextOf } from '../services/audit-context.ts';
import type { Services } from '../services/index.ts';
import { requireActor } from './require-actor.ts';

const getReport = createRoute({
  method: 'get',
  path: '/reports/{report}',
  operationId: 'getReport',
  tags: ['reports'],
  summary:
    'A procurement report for a date range (default: the last year; at most 731 days) and optional supplier, project, department and GL code filters. Buyers, procurement managers, finance directors, accountants and auditors see everything; a manager sees their reports’ spend only and may not ask for another department (403). `format=csv|xlsx|pdf` exports it, stamped with the filters, the time and who exported it (audited)',
  request: { params: z.object({ report: z.enum(reportNames) }), query: reportQuery },
  responses: {
    200: {
      description: 'The report, or its export',
      content: {
        'application/json': { schema: reportSchema },
        'text/csv': { schema: z.string() },
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { schema: z.string().meta({ format: 'binary' }) },
        'application/pdf': { schema: z.string().meta({ format: 'binary' }) },
      },
    },
    ...problemResponses('forbidden', 'unprocessable'),
  },
});

const listBudgets = createRoute({
  method: 'get',
  path: '/budgets',
  operationId: 'listBudgets',
  tags: ['reports'],
  summary: 'Budgets with what is committed, spent and left of each, computed from the records when asked (admins, and those who read reports)',
  request: { query: listBudgetsQuery },
  responses: { 200: jsonResponse(z.object({ items: z.array(budgetSchema) }), 'The budgets, by period'), ...problemResponses('forbidden') },
});

const putBudget = createRoute({
  method: 'put',
  path: '/budgets',
  operationId: 'putBudget',
  tags: ['reports'],
  summary: 'Set the budget of a project, a GL / cost code or both for a month, quarter or year (admins): the same scope and period again changes its amount. Audited',
  request: { body: jsonBody(putBudgetBody) },
  responses: { 200: jsonResponse(budgetSchema, 'The budget with its figures'), ...problemResponses('forbidden', 'unprocessable') },
});

const deleteBudget = createRoute({
  method: 'delete',
  path: '/budgets/{id}',
  operationId: 'deleteBudget',
  tags: ['reports'],
  summary: 'Remove a budget (admins). Audited',
  request: { params: z.object({ id: z.uuid() }) },
  responses: { 204: { description: 'Removed' }, ...problemResponses('forbidden', 'not_found') },
});

const getDashboard = createRoute({
  method: 'get',
  path: '/dashboard',
  operationId: 'getDashboard',
  tags: ['reports'],
  summary: 'The home page’s figures for the caller: one section per view their roles give them (my requests, waiting for me, purchasing, payables, spend against budget), computed now',
  responses: { 200: jsonResponse(dashboardSchema, 'The dashboard') },
});

export function reportRoutes(services: Services) {
  const router = createRouter();
  router.openapi(getReport, async (c) => {
    const { report } = c.req.valid('param');
    const query = c.req.valid('query');
    const format = query.format ?? 'json';
    if (format === 'json') return c.json(await services.reports.report(requireActor(c), report, query), 200);
    const file = await services.reports.export(requireActor(c), report, query, format, auditContextOf(c), {
      // The status went out with the first bytes: a failure after them breaks the connection off (the client sees a broken download) and is logged here.
      onError: (error) => c.var.logger.error('report export failed while streaming', { error: error instanceof Error ? error : new Error(String(error)), report, format }),
    });
    // Chunked, and said so: the Node adapter would otherwise read the first chunks ahead to work out a content-length.
    return c.body(file.body, 200, { 'content-type': file.contentType, 'content-disposition': `attachment; filename="${file.filename}"`, 'transfer-encoding': 'chunked' });
  });
  router.openapi(getDashboard, async (c) => c.json(await services.dashboard.dashboard(requireActor(c)), 200));
  router.openapi(listBudgets, async (c) => c.json({ items: await services.reports.listBudgets(requireActor(c), c.req.valid('query')) }, 200));
  router.openapi(putBudget, async (c) => c.json(await services.reports.putBudget(requireActor(c), c.req.valid('json'), auditContextOf(c)), 200));
  router.openapi(deleteBudget, async (c) => {
    await services.reports.deleteBudget(requireActor(c), c.req.valid('param').id, auditContextOf(c));
    return c.body(null, 204);
  });
  return router;
}
