import { z } from '@hono/zod-openapi';
import {
  legalHoldSchema,
  listLegalHoldsQuery,
  pageOf,
  paginationQuery,
  placeLegalHoldBody,
  putRetentionPolicyBody,
  releaseLegalHoldBody,
  retentionDryRunSchema,
  retentionPolicySchema,
  retentionReviewSchema,
  retentionReviewStartedSchema,
  retentionReviewSummarySchema,
  startRetentionReviewBody,
} from '@p2p/domain';
import { recordAnswerOf } from '../middleware/idempotency.ts';
import { createRoute, createRouter, jsonBody, jsonResponse, problemResponses } from '../openapi.ts';
import { pageFrom } from '../pagination.ts';
import { auditContextOf } from '../services/audit-context.ts';
import type { Services } from '../services/index.ts';
import { requireActor } from './require-actor.ts';

const getPolicy = createRoute({
  method: 'get',
  path: '/policies/retention',
  operationId: 'getRetentionPolicy',
  tags: ['retention'],
  summary: 'Retention periods per record class (ISO 8601 years, months, days), the event each counts from, and each legal minimum (admins, records managers, auditors)',
  responses: { 200: jsonResponse(retentionPolicySchema, 'The policy in force'), ...problemResponses('forbidden') },
});

const putPolicy = createRoute({
  method: 'put',
  path: '/policies/retention',
  operationId: 'putRetentionPolicy',
  tags: ['retention'],
  summary: 'Change retention periods (admin). A period below its class’s legal minimum is refused (422 naming periods.<class>). Retention dates are derived from the policy whenever they are read, so the change re-dates every record of the class at once',
  request: { body: jsonBody(putRetentionPolicyBody) },
  responses: { 200: jsonResponse(retentionPolicySchema, 'The new policy'), ...problemResponses('forbidden') },
});

const placeHold = createRoute({
  method: 'post',
  path: '/retention/holds',
  operationId: 'placeLegalHold',
  idempotencyKey: true,
  tags: ['retention'],
  summary: 'Place a legal hold on one record, or on everything of a supplier or a project (records managers, admins); held records never reach a retention review',
  request: { body: jsonBody(placeLegalHoldBody) },
  responses: {
    201: { ...jsonResponse(legalHoldSchema, 'The hold, in force'), links: { release: { operationId: 'releaseLegalHold', parameters: { id: '$response.body#/id' } } } },
    ...problemResponses('forbidden'),
  },
});

const releaseHold = createRoute({
  method: 'post',
  path: '/retention/holds/{id}/release',
  operationId: 'releaseLegalHold',
  tags: ['retention'],
  summary: 'Release a legal hold, saying why (records managers, admins); 409 when it was released already',
  request: { params: z.object({ id: z.uuid() }), body: jsonBody(releaseLegalHoldBody) },
  responses: { 200: jsonResponse(legalHoldSchema, 'The released hold'), ...problemResponses('forbidden', 'conflict') },
});

const listHolds = createRoute({
  method: 'get',
  path: '/retention/holds',
  operationId: 'listLegalHolds',
  tags: ['retention'],
  summary: 'Legal holds, newest first (records managers, admins, auditors)',
  request: { query: paginationQuery.extend(listLegalHoldsQuery.shape) },
  responses: { 200: jsonResponse(pageOf(legalHoldSchema), 'A page of holds'), ...problemResponses('forbidden') },
});

const startReview = createRoute({
  method: 'post',
  path: '/retention/reviews',
  operationId: 'startRetentionReview',
  tags: ['retention'],
  summary:
    'Start a retention review now, as the nightly Schedule does (records managers, admins): 202 with the review’s id; its workflow takes up the records past their date in batches of at most 100 and gives each batch to the records managers as a task. With `dryRun: true`, 200 with what a review would take up (without records under a legal hold, extended, under review or whose process still runs), creating nothing',
  request: { body: jsonBody(startRetentionReviewBody) },
  responses: {
    200: jsonResponse(retentionDryRunSchema, 'Dry run: what a review would take up now, oldest retention date first'),
    202: { ...jsonResponse(retentionReviewStartedSchema, 'The review started'), links: { review: { operationId: 'getRetentionReview', parameters: { id: '$response.body#/id' } } } },
    ...problemResponses('forbidden'),
  },
});

const listReviews = createRoute({
  method: 'get',
  path: '/retention/reviews',
  operationId: 'listRetentionReviews',
  tags: ['retention'],
  summary: 'Past and running retention reviews, newest first, with how many of their records were disposed, extended, held, kept or wait (records managers, admins, auditors)',
  request: { query: paginationQuery },
  responses: { 200: jsonResponse(pageOf(retentionReviewSummarySchema), 'A page of reviews'), ...problemResponses('forbidden') },
});

const getReview = createRoute({
  method: 'get',
  path: '/retention/reviews/{id}',
  operationId: 'getRetentionReview',
  tags: ['retention'],
  summary: 'A retention review: each record it took up with the decision and what came of it, and the tombstones of what it disposed',
  request: { params: z.object({ id: z.uuid() }) },
  responses: { 200: jsonResponse(retentionReviewSchema, 'The review'), ...problemResponses('forbidden', 'not_found') },
});

export function retentionRoutes(services: Services) {
  const router = createRouter();
  router.openapi(getPolicy, async (c) => c.json(await services.retention.getPolicy(requireActor(c)), 200));
  router.openapi(putPolicy, async (c) => c.json(await services.retention.putPolicy(requireActor(c), c.req.valid('json'), auditContextOf(c)), 200));
  router.openapi(placeHold, async (c) => c.json(await services.retention.placeHold(requireActor(c), c.req.valid('json'), auditContextOf(c), recordAnswerOf(c, 201)), 201));
  router.openapi(releaseHold, async (c) => c.json(await services.retention.releaseHold(requireActor(c), c.req.valid('param').id, c.req.valid('json'), auditContextOf(c)), 200));
  router.openapi(listHolds, async (c) => {
    const { limit, cursor, status } = c.req.valid('query');
    const rows = await services.retention.listHolds(requireActor(c), { limit: limit + 1, after: cursor, status });
    return c.json(pageFrom(rows, limit, (last) => last.id), 200);
  });
  router.openapi(startReview, async (c) => {
    const body = c.req.valid('json');
    if (body.dryRun) return c.json(await services.retention.dryRun(requireActor(c), body), 200);
    return c.json(await services.retention.startReview(requireActor(c)), 202);
  });
  router.openapi(listReviews, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const rows = await services.retention.listReviews(requireActor(c), { limit: limit + 1, after: cursor });
    return c.json(pageFrom(rows, limit, (last) => last.id), 200);
  });
  router.openapi(getReview, async (c) => c.json(await services.retention.getReview(requireActor(c), c.req.valid('param').id), 200));
  return router;
}
