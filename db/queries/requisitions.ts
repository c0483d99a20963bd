import { and, asc, desc, eq, lt, or, sql, type SQL } from 'drizzle-orm';
import { lineAmount, type ApprovalLevel, type ApprovalPolicy, type RequisitionBody, type RequisitionStatus } from '@p2p/domain';
import type { Executor } from '../client.ts';
import { documentSequences, policies, requisitionLines, requisitions, suppliers, users, type RequisitionLineRow, type RequisitionRow } from '../schema/index.ts';
import { containing } from './like.ts';

export interface RequisitionWithLines extends RequisitionRow {
  lines: RequisitionLineRow[];
}

const lineRows = (requisitionId: string, body: RequisitionBody) =>
  body.lines.map((line, index) => ({
    requisitionId,
    lineNo: index + 1,
    description: line.description,
    quantity: line.quantity,
    unit: line.unit,
    unitPrice: line.unitPrice,
    amount: lineAmount(line.quantity, line.unitPrice),
    supplierId: line.supplierId ?? null,
    glCode: line.glCode ?? null,
  }));

export async function insertRequisition(db: Executor, params: { requesterId: string; body: RequisitionBody; total: string }): Promise<RequisitionRow> {
  const { body } = params;
  const [row] = await db
    .insert(requisitions)
    .values({ requesterId: params.requesterId, title: body.title, purpose: body.purpose, projectId: body.projectId ?? null, neededBy: body.neededBy ?? null, total: params.total })
    .returning();
  await db.insert(requisitionLines).values(lineRows(row!.id, body));
  return row!;
}

/** Replaces title, purpose and all lines; bumps the version so an amendment is visible to the workflow. */
export async function replaceRequisition(db: Executor, params: { id: string; body: RequisitionBody; total: string; now: Date }): Promise<RequisitionRow> {
  const { body } = params;
  const [row] = await db
    .update(requisitions)
    .set({ title: body.title, purpose: body.purpose, projectId: body.projectId ?? null, neededBy: body.neededBy ?? null, total: params.total, version: sql`${requisitions.version} + 1`, updatedAt: params.now })
    .where(eq(requisitions.id, params.id))
    .returning();
  await db.delete(requisitionLines).where(eq(requisitionLines.requisitionId, params.id));
  await db.insert(requisitionLines).values(lineRows(params.id, body));
  return row!;
}

export async function findRequisition(db: Executor, id: string): Promise<RequisitionWithLines | undefined> {
  const [row] = await db.select().from(requisitions).where(eq(requisitions.id, id)).limit(1);
  if (!row) return undefined;
  const lines = await db.select().from(requisitionLines).where(eq(requisitionLines.requisitionId, id)).orderBy(asc(requisitionLines.lineNo));
  return { ...row, lines };
}

export interface RequisitionHeading {
  id: string;
  number: string | null;
  title: string;
  total: string;
  status: RequisitionStatus;
  version: number;
  requesterId: string;
  requesterName: string;
}

/** Number, title, total and requester in one read: what a task title or a mail about the requisition shows. */
export async function findRequisitionHeading(db: Executor, id: string): Promise<RequisitionHeading | undefined> {
  const [row] = await db
    .select({ id: requisitions.id, number: requisitions.number, title: requisitions.title, total: requisitions.total, status: requisitions.status, version: requisitions.version, requesterId: requisitions.requesterId, requesterName: users.name })
    .from(requisitions)
    .innerJoin(users, eq(users.id, requisitions.requesterId))
    .where(eq(requisitions.id, id))
    .limit(1);
  return row;
}

/** Locks the row for the rest of the transaction: submit, amend and withdraw never interleave. */
export async function lockRequisition(db: Executor, id: string): Promise<RequisitionRow | undefined> {
  const [row] = await db.select().from(requisitions).where(eq(requisitions.id, id)).for('update').limit(1);
  return row;
}

export interface UpdateRequisitionStatusParams {
  id: string;
  status: RequisitionStatus;
  now: Date;
  number?: string;
  workflowId?: string;
  policy?: ApprovalPolicy;
  submitted?: boolean;
  decided?: boolean;
}

export async function updateRequisitionStatus(db: Executor, params: UpdateRequisitionStatusParams): Promise<RequisitionRow> {
  const [row] = await db
    .update(requisitions)
    .set({
      status: params.status,
      updatedAt: params.now,
      ...(params.number ? { number: params.number } : {}),
      ...(params.workflowId ? { workflowId: params.workflowId } : {}),
      ...(params.policy ? { policy: params.policy } : {}),
      ...(params.submitted ? { submittedAt: params.now } : {}),
      ...(params.decided ? { decidedAt: params.now } : {}),
    })
    .where(eq(requisitions.id, params.id))
    .returning();
  return row!;
}

/** Sets the supplier of lines of one requisition; suppliers that do not exist or are inactive are skipped. Answers what was set. */
export async function assignLineSuppliers(db: Executor, params: { requisitionId: string; assignments: readonly { lineId: string; supplierId: string }[] }): Promise<{ lineId: string; supplierId: string }[]> {
  const applied: { lineId: string; supplierId: string }[] = [];
  for (const { lineId, supplierId } of params.assignments) {
    const rows = await db
      .update(requisitionLines)
      .set({ supplierId })
      .where(and(eq(requisitionLines.id, lineId), eq(requisitionLines.requisitionId, params.requisitionId), sql`exists (select 1 from ${suppliers} where ${suppliers.id} = ${supplierId} and ${suppliers.active})`))
      .returning({ id: requisitionLines.id });
    if (rows.length) applied.push({ lineId, supplierId });
  }
  return applied;
}

export async function recordApprovalChain(db: Executor, params: { id: string; chain: ApprovalLevel[]; round: number }): Promise<void> {
  await db.update(requisitions).set({ chain: params.chain, round: params.round }).where(eq(requisitions.id, params.id));
}

export interface ListRequisitionsParams {
  /** The caller's access filter, derived from their CASL rules. */
  access: SQL | undefined;
  status?: RequisitionStatus | undefined;
  requesterId?: string | undefined;
  search?: string | undefined;
  limit: number;
  /** Keyset over (created_at desc, id desc): the id of the last requisition of the previous page, compared in SQL (created_at has microseconds a JS Date would lose). */
  before?: string | undefined;
}

export async function listRequisitions(db: Executor, params: ListRequisitionsParams): Promise<RequisitionRow[]> {
  const { before } = params;
  return db
    .select()
    .from(requisitions)
    .where(
      and(
        params.access,
        params.status ? eq(requisitions.status, params.status) : undefined,
        params.requesterId ? eq(requisitions.requesterId, params.requesterId) : undefined,
        params.search ? or(sql`${requisitions.title} ilike ${containing(params.search)}`, sql`${requisitions.number} ilike ${containing(params.search)}`) : undefined,
        before ? sql`(${requisitions.createdAt}, ${requisitions.id}) < (select r.created_at, r.id from ${requisitions} r where r.id = ${before})` : undefined,
      ),
    )
    .orderBy(desc(requisitions.createdAt), desc(requisitions.id))
    .limit(params.limit);
}


/**
 * Next number of a gapless per-year sequence. Runs in the caller's
 * transaction: if that rolls back, so does the increment, leaving no gap.
 */
export async function allocateDocumentNumber(db: Executor, params: { kind: string; year: number }): Promise<number> {
  const [row] = await db
    .insert(documentSequences)
    .values({ kind: params.kind, year: params.year, lastValue: 1 })
    .onConflictDoUpdate({ target: [documentSequences.kind, documentSequences.year], set: { lastValue: sql`${documentSequences.lastValue} + 1` } })
    .returning({ value: documentSequences.lastValue });
  return row!.value;
}

export async function readPolicy<T>(db: Executor, name: string): Promise<T | undefined> {
  const [row] = await db.select().from(policies).where(eq(policies.name, name)).limit(1);
  return row?.value as T | undefined;
}

export async function writePolicy(db: Executor, params: { name: string; value: unknown; updatedBy: string; now: Date }): Promise<void> {
  await db
    .insert(policies)
    .values({ name: params.name, value: params.value, updatedBy: params.updatedBy, updatedAt: params.now })
    .onConflictDoUpdate({ target: policies.name, set: { value: params.value, updatedBy: params.updatedBy, updatedAt: params.now } });
}

/**
 * Submissions committed at least `olderThanSeconds` ago (database time) that
 * their process has not moved on: its start may never have happened.
 */
export async function listSubmissionsAwaitingStart(db: Executor, params: { olderThanSeconds: number; limit: number }): Promise<RequisitionRow[]> {
  return db
    .select()
    .from(requisitions)
    .where(and(eq(requisitions.status, 'submitted'), lt(requisitions.submittedAt, sql`now() - make_interval(secs => ${params.olderThanSeconds})`)))
    .orderBy(asc(requisitions.submittedAt))
    .limit(params.limit);
}
