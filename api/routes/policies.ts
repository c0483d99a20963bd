import { approvalPolicySchema } from '@p2p/domain';
import { createRoute, createRouter, jsonBody, jsonResponse, problemResponses } from '../openapi.ts';
import { auditContextOf } from '../services/audit-context.ts';
import type { Services } from '../services/index.ts';
import { requireActor } from './require-actor.ts';

const get = createRoute({
  method: 'get',
  path: '/policies/approval',
  operationId: 'getApprovalPolicy',
  tags: ['policies'],
  summary: 'The approval policy: thresholds (decimal strings) and the step SLA (ISO 8601; days are business days)',
  responses: { 200: jsonResponse(approvalPolicySchema, 'The policy'), ...problemResponses('forbidden') },
});

const put = createRoute({
  method: 'put',
  path: '/policies/approval',
  operationId: 'putApprovalPolicy',
  tags: ['policies'],
  summary: 'Change the approval policy (admin); running chains keep the policy they started with',
  request: { body: jsonBody(approvalPolicySchema) },
  responses: { 200: jsonResponse(approvalPolicySchema, 'The new policy'), ...problemResponses('forbidden') },
});

export function policyRoutes(services: Services) {
  const router = createRouter();
  router.openapi(get, async (c) => c.json(await services.policies.get(requireActor(c)), 200));
  router.openapi(put, async (c) => c.json(await services.policies.put(requireActor(c), c.req.valid('json'), auditContextOf(c)), 200));
  return router;
}
