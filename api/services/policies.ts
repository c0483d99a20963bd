import { ForbiddenError } from '@casl/ability';
import { approvalPolicySchema, type ApprovalPolicy } from '@p2p/domain';
import { appendAudit } from '../../db/queries/audit.ts';
import { writePolicy } from '../../db/queries/requisitions.ts';
import type { RequestActor } from '../context.ts';
import type { ApiDeps } from '../deps.ts';
import { invalidFields } from '../errors.ts';
import type { AuditContext } from './audit-context.ts';
import { APPROVAL_POLICY, type RequisitionService } from './requisitions.ts';

/** Admin-editable approval policy. Running chains keep the policy they started with. */
export function createPolicyService(deps: Pick<ApiDeps, 'db' | 'clock'>, requisitions: Pick<RequisitionService, 'currentPolicy'>) {
  const { db, clock } = deps;
  return {
    async get(actor: RequestActor) {
      ForbiddenError.from(actor.ability).throwUnlessCan('read', 'Policy');
      return requisitions.currentPolicy();
    },
    async put(actor: RequestActor, body: ApprovalPolicy, audit: AuditContext) {
      ForbiddenError.from(actor.ability).throwUnlessCan('update', 'Policy');
      const before = await requisitions.currentPolicy();
      const after = { ...before, ...body };
      // A body without maxTotal keeps the stored one, which must still sit above the new thresholds.
      const checked = approvalPolicySchema.safeParse(after);
      if (!checked.success) {
        const errors = checked.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: `${issue.message} (the policy keeps maxTotal ${before.maxTotal} unless you send one)` }));
        throw invalidFields(errors);
      }
      await db.transaction(async (tx) => {
        await writePolicy(tx, { name: APPROVAL_POLICY, value: after, updatedBy: actor.user.id, now: clock() });
        await appendAudit(tx, { ...audit, at: clock(), action: 'policy.updated', subjectType: 'Policy', subjectId: APPROVAL_POLICY, before, after });
      });
      return after;
    },
  };
}
