import { and, desc, eq, exists, gte, isNotNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { RequisitionStatus } from '@p2p/domain';
import type { Executor } from '../client.ts';
import { requisitionLines, requisitions, tasks, users } from '../schema/index.ts';
import { containing } from './like.ts';

export interface SearchProcessesParams {
  /** The caller's access filter over requisitions, derived from their CASL rules. */
  access: SQL | undefined;
  number?: string | undefined;
  q?: string | undefined;
  /** Someone involved: the requester, an assignee or whoever decided (or was stood in for). */
  userId?: string | undefined;
  supplierId?: string | undefined;
  status?: RequisitionStatus | undefined;
  /** Submission date range, inclusive days (UTC). */
  from?: string | undefined;
  to?: string | undefined;
  limit: number;
  /** Keyset over (submitted_at desc, id desc): the id of the last requisition of the previous page. */
  before?: string | undefined;
}

/** Submitted requisitions (each one a process) matching the filters, newest submission first. */
export async function searchProcesses(db: Executor, params: SearchProcessesParams) {
  const { before } = params;
  const involved = params.userId
    ? or(
        eq(requisitions.requesterId, params.userId),
        exists(
          db
            .select({ one: sql`1` })
            .from(tasks)
            .where(and(eq(tasks.subjectId, sql`${requisitions.id}::text`), or(eq(tasks.assigneeId, params.userId), eq(tasks.completedById, params.userId), eq(tasks.onBehalfOfId, params.userId), sql`${params.userId}::uuid = any(${tasks.watcherIds})`))),
        ),
      )
    : undefined;
  const supplied = params.supplierId
    ? exists(db.select({ one: sql`1` }).from(requisitionLines).where(and(eq(requisitionLines.requisitionId, requisitions.id), eq(requisitionLines.supplierId, params.supplierId))))
    : undefined;
  return db
    .select({ requisition: requisitions, requesterName: users.name })
    .from(requisitions)
    .innerJoin(users, eq(users.id, requisitions.requesterId))
    .where(
      and(
        isNotNull(requisitions.workflowId),
        params.access,
        params.number ? sql`${requisitions.number} ilike ${containing(params.number)}` : undefined,
        params.q ? or(sql`${requisitions.title} ilike ${containing(params.q)}`, sql`${requisitions.number} ilike ${containing(params.q)}`) : undefined,
        involved,
        supplied,
        params.status ? eq(requisitions.status, params.status) : undefined,
        params.from ? gte(requisitions.submittedAt, new Date(`${params.from}T00:00:00Z`)) : undefined,
        params.to ? lt(requisitions.submittedAt, new Date(new Date(`${params.to}T00:00:00Z`).getTime() + 86_400_000)) : undefined,
        before ? sql`(${requisitions.submittedAt}, ${requisitions.id}) < (select r.submitted_at, r.id from ${requisitions} r where r.id = ${before})` : undefined,
      ),
    )
    .orderBy(desc(requisitions.submittedAt), desc(requisitions.id))
    .limit(params.limit);
}
