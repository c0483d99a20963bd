import { ForbiddenError } from '@casl/ability';
import { auditVerificationSchema } from '@p2p/domain';
import { verifyAuditChain } from '../../db/queries/audit.ts';
import { createRoute, createRouter, jsonResponse, problemResponses } from '../openapi.ts';
import { requireActor } from './require-actor.ts';

const verification = auditVerificationSchema;

const verify = createRoute({
  method: 'get',
  path: '/audit/verify',
  operationId: 'verifyAuditChain',
  tags: ['audit'],
  summary: 'Walk the hash chain of the sealed audit entries, report the first broken one and how far sealing trails the writes',
  responses: { 200: jsonResponse(verification, 'Verification result'), ...problemResponses('forbidden') },
});

export function auditRoutes() {
  const router = createRouter();
  router.openapi(verify, async (c) => {
    ForbiddenError.from(requireActor(c).ability).throwUnlessCan('verify', 'AuditLog');
    const result = await verifyAuditChain(c.var.deps.db);
    return c.json({ ...result, verifiedAt: c.var.deps.clock().toISOString() }, 200);
  });
  return router;
}
