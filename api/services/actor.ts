import { defineAbilityFor } from '@p2p/domain';
import type { Executor } from '../../db/client.ts';
import { findDelegatorIds, findReportIds } from '../../db/queries/users.ts';
import type { Principal } from '../../db/queries/sessions.ts';
import type { RequestActor } from '../context.ts';

/** Everything the permission rules need about the caller, computed once per request. */
export async function buildActor(db: Executor, principal: Principal, now: Date): Promise<RequestActor> {
  const { user } = principal;
  const [delegatorIds, reportIds] = await Promise.all([
    findDelegatorIds(db, user.id, now),
    user.roles.includes('manager') ? findReportIds(db, user.id) : Promise.resolve([]),
  ]);
  return {
    ...principal,
    delegatorIds,
    reportIds,
    ability: defineAbilityFor({ id: user.id, roles: user.roles, delegatorIds, reportIds }),
  };
}
