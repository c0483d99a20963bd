import { and, asc, desc, eq, isNotNull, isNull, lt, sql, type SQL } from 'drizzle-orm';
import { registeredRecordClasses } from '@p2p/domain/record-class-registry';
import type { Executor } from '../client.ts';
import { auditLog, goodsReceipts, invoices, legalHolds, policies, projects, purchaseOrders, requisitions, suppliers, users, type LegalHoldRow } from '../schema/index.ts';

/**
 * Where each record class's records are and how they are dated (SPEC 4.4).
 * A record's retention date is never stored: it is its counting event plus
 * the period of the policy in force, computed here in SQL, so a policy change
 * re-dates every record it covers at once. Each selection narrows on an index
 * over the event's date (`event <= now - period`, migration 0009), then
 * checks the exact date, skips records whose process still runs and records
 * under a legal hold in force, and stops at `limit`: nothing reads a whole
 * table into the process.
 */

export interface RetentionCandidate {
  recordClass: string;
  recordId: string;
  number: string;
  eventAt: Date;
  retentionDate: Date;
}

export interface SelectPastRetentionParams {
  now: Date;
  /** ISO 8601 period (years, months, days) of the policy in force; PostgreSQL reads it as an interval. */
  period: string;
  /** At most this many candidates (ask for one more to know there are more). */
  limit: number;
  /** Only this record: is it still past its date, unheld, not running, not extended, not under review elsewhere? */
  recordId?: string;
  /** Leave out records taken up by this review already (its later batches). */
  reviewId?: string;
}

/** A class's records in the database: the review selection, and the lookup a hold on one record needs. */
export interface RetentionSource {
  selectPastRetention(db: Executor, params: SelectPastRetentionParams): Promise<RetentionCandidate[]>;
  /** The record's name in words (its number), or undefined when there is no such record. */
  describeRecord(db: Executor, recordId: string): Promise<string | undefined>;
}

const interval = (period: string) => sql`${period}::interval`;
const cutoff = (params: SelectPastRetentionParams) => sql`${params.now.toISOString()}::timestamptz - ${interval(params.period)}`;
const epoch = (expression: SQL) => sql<number>`extract(epoch from ${expression})::float8`.mapWith(Number);
const fromEpoch = (seconds: number) => new Date(Math.round(seconds * 1000));
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The record may be reviewed: no legal hold in force covers it (one on the
 * record itself, or on a supplier or project the record belongs to: each
 * expression names a supplier or project id of the record, or a subquery of
 * them), no extension keeps it past now, no review has it undecided (nor
 * this review decided), and it was not disposed already.
 */
function reviewable(params: SelectPastRetentionParams, recordClass: string, recordId: SQL, belongsTo: { suppliers?: SQL[]; projects?: SQL[] } = {}): SQL {
  const covers: SQL[] = [sql`(h.record_class = ${recordClass} and h.record_id = (${recordId})::text)`];
  for (const supplier of belongsTo.suppliers ?? []) covers.push(sql`h.supplier_id in (${supplier})`);
  for (const project of belongsTo.projects ?? []) covers.push(sql`h.project_id in (${project})`);
  const same = (alias: string) => sql`${sql.raw(alias)}.record_class = ${recordClass} and ${sql.raw(alias)}.record_id = (${recordId})::text`;
  return and(
    sql`not exists (select 1 from legal_holds h where h.released_at is null and (${sql.join(covers, sql` or `)}))`,
    sql`not exists (select 1 from retention_extensions e where ${same('e')} and e.until > ${params.now.toISOString()}::timestamptz)`,
    // Checking one record (a disposal about to happen): its own review item is the one open for it.
    params.recordId !== undefined ? undefined : sql`not exists (select 1 from retention_review_items i where ${same('i')} and i.status in ('pending', 'awaiting_confirmation'))`,
    params.reviewId === undefined ? undefined : sql`not exists (select 1 from retention_review_items i where i.review_id = ${params.reviewId} and ${same('i')})`,
    sql`not exists (select 1 from retention_tombstones t where ${same('t')})`,
    params.recordId === undefined ? undefined : sql`(${recordId})::text = ${params.recordId}`,
  )!;
}

function candidates(recordClass: string, rows: { id: string; number: string | null; event: number; due: number }[]): RetentionCandidate[] {
  return rows.map((row) => ({ recordClass, recordId: row.id, number: row.number ?? row.id, eventAt: fromEpoch(row.event), retentionDate: fromEpoch(row.due) }));
}

/** The project of a purchase order's requisition (orders, their receipts and invoices belong to it). */
const projectOfOrder = (orderId: SQL) => sql`select r.project_id from requisitions r where r.id = ${orderId}`;

const requisition: RetentionSource = {
  async selectPastRetention(db, params) {
    // An ended requisition changes no more, so its last change is its end.
    const ended = sql`${requisitions.status} in ('rejected', 'withdrawn', 'closed')`;
    const rows = await db
      .select({ id: requisitions.id, number: requisitions.number, event: epoch(sql`${requisitions.updatedAt}`), due: epoch(sql`${requisitions.updatedAt} + ${interval(params.period)}`) })
      .from(requisitions)
      .where(
        and(
          ended,
          sql`${requisitions.updatedAt} <= ${cutoff(params)}`,
          sql`${requisitions.updatedAt} + ${interval(params.period)} <= ${params.now.toISOString()}::timestamptz`,
          reviewable(params, 'requisition', sql`${requisitions.id}`, {
            projects: [sql`${requisitions.projectId}`],
            suppliers: [sql`select l.supplier_id from requisition_lines l where l.requisition_id = ${requisitions.id}`, sql`select po.supplier_id from purchase_orders po where po.requisition_id = ${requisitions.id}`],
          }),
        ),
      )
      .orderBy(asc(requisitions.updatedAt), asc(requisitions.id))
      .limit(params.limit);
    return candidates('requisition', rows);
  },
  async describeRecord(db, id) {
    if (!uuidPattern.test(id)) return undefined;
    const [row] = await db.select({ number: requisitions.number, title: requisitions.title }).from(requisitions).where(eq(requisitions.id, id)).limit(1);
    return row ? (row.number ?? `Draft "${row.title}"`) : undefined;
  },
};

const purchaseOrder: RetentionSource = {
  async selectPastRetention(db, params) {
    const rows = await db
      .select({ id: purchaseOrders.id, number: purchaseOrders.number, event: epoch(sql`${purchaseOrders.closedAt}`), due: epoch(sql`${purchaseOrders.closedAt} + ${interval(params.period)}`) })
      .from(purchaseOrders)
      .where(
        and(
          sql`${purchaseOrders.status} in ('closed', 'cancelled')`,
          sql`${purchaseOrders.closedAt} <= ${cutoff(params)}`,
          sql`${purchaseOrders.closedAt} + ${interval(params.period)} <= ${params.now.toISOString()}::timestamptz`,
          reviewable(params, 'purchase_order', sql`${purchaseOrders.id}`, { suppliers: [sql`${purchaseOrders.supplierId}`], projects: [projectOfOrder(sql`${purchaseOrders.requisitionId}`)] }),
        ),
      )
      .orderBy(asc(purchaseOrders.closedAt), asc(purchaseOrders.id))
      .limit(params.limit);
    return candidates('purchase_order', rows);
  },
  async describeRecord(db, id) {
    if (!uuidPattern.test(id)) return undefined;
    const [row] = await db.select({ number: purchaseOrders.number }).from(purchaseOrders).where(eq(purchaseOrders.id, id)).limit(1);
    return row ? (row.number ?? 'Draft purchase order') : undefined;
  },
};

/** A receipt counts from its order's closing: it is evidence for the order until then. */
const goodsReceipt: RetentionSource = {
  async selectPastRetention(db, params) {
    const event = sql`greatest(${goodsReceipts.receivedAt}, ${purchaseOrders.closedAt})`;
    const rows = await db
      .select({ id: goodsReceipts.id, number: goodsReceipts.number, event: epoch(event), due: epoch(sql`${event} + ${interval(params.period)}`) })
      .from(purchaseOrders)
      .innerJoin(goodsReceipts, eq(goodsReceipts.purchaseOrderId, purchaseOrders.id))
      .where(
        and(
          sql`${purchaseOrders.status} in ('closed', 'cancelled')`,
          sql`${purchaseOrders.closedAt} <= ${cutoff(params)}`,
          sql`${event} + ${interval(params.period)} <= ${params.now.toISOString()}::timestamptz`,
          reviewable(params, 'goods_receipt', sql`${goodsReceipts.id}`, { suppliers: [sql`${purchaseOrders.supplierId}`], projects: [projectOfOrder(sql`${purchaseOrders.requisitionId}`)] }),
        ),
      )
      .orderBy(asc(purchaseOrders.closedAt), asc(goodsReceipts.id))
      .limit(params.limit);
    return candidates('goods_receipt', rows);
  },
  async describeRecord(db, id) {
    if (!uuidPattern.test(id)) return undefined;
    const [row] = await db.select({ number: goodsReceipts.number }).from(goodsReceipts).where(eq(goodsReceipts.id, id)).limit(1);
    return row?.number;
  },
};

const invoice: RetentionSource = {
  async selectPastRetention(db, params) {
    // The expression of the invoices_settled_idx index, so the planner narrows on it.
    const settled = sql`coalesce(${invoices.paidAt}, ${invoices.rejectedAt})`;
    const rows = await db
      .select({ id: invoices.id, number: invoices.number, event: epoch(settled), due: epoch(sql`${settled} + ${interval(params.period)}`) })
      .from(invoices)
      .where(
        and(
          sql`${invoices.status} in ('paid', 'rejected')`,
          sql`${settled} <= ${cutoff(params)}`,
          sql`${settled} + ${interval(params.period)} <= ${params.now.toISOString()}::timestamptz`,
          reviewable(params, 'invoice', sql`${invoices.id}`, {
            suppliers: [sql`${invoices.supplierId}`],
            projects: [sql`select r.project_id from purchase_orders po join requisitions r on r.id = po.requisition_id where po.id = ${invoices.purchaseOrderId}`],
          }),
        ),
      )
      .orderBy(asc(settled), asc(invoices.id))
      .limit(params.limit);
    return candidates('invoice', rows);
  },
  async describeRecord(db, id) {
    if (!uuidPattern.test(id)) return undefined;
    const [row] = await db.select({ number: invoices.number }).from(invoices).where(eq(invoices.id, id)).limit(1);
    return row?.number;
  },
};

/**
 * A supplier's contact data (name, e-mail, address) counts from the last
 * dealings with it: its record changed, an order made or closed, an invoice
 * dated. Each maximum is read from the supplier's own index entries; the
 * supplier list itself is scanned in SQL (suppliers number in the thousands,
 * and the last activity is not a column one index could hold).
 */
const supplierContact: RetentionSource = {
  async selectPastRetention(db, params) {
    const lastActivity = sql`greatest(
      ${suppliers.updatedAt},
      (select max(po.created_at) from purchase_orders po where po.supplier_id = ${suppliers.id}),
      (select max(po.closed_at) from purchase_orders po where po.supplier_id = ${suppliers.id} and po.status in ('closed', 'cancelled')),
      (select max(i.invoice_date)::timestamptz from invoices i where i.supplier_id = ${suppliers.id}),
      (select max(coalesce(i.paid_at, i.rejected_at)) from invoices i where i.supplier_id = ${suppliers.id} and i.status in ('paid', 'rejected'))
    )`;
    const rows = await db
      .select({ id: suppliers.id, number: suppliers.name, event: epoch(lastActivity), due: epoch(sql`${lastActivity} + ${interval(params.period)}`) })
      .from(suppliers)
      .where(
        and(
          sql`${suppliers.updatedAt} <= ${cutoff(params)}`,
          sql`${lastActivity} + ${interval(params.period)} <= ${params.now.toISOString()}::timestamptz`,
          // Dealings still running: an order not closed or cancelled, an invoice not paid or rejected.
          sql`not exists (select 1 from purchase_orders po where po.supplier_id = ${suppliers.id} and po.status not in ('closed', 'cancelled'))`,
          sql`not exists (select 1 from invoices i where i.supplier_id = ${suppliers.id} and i.status not in ('paid', 'rejected'))`,
          reviewable(params, 'supplier_contact', sql`${suppliers.id}`, { suppliers: [sql`${suppliers.id}`] }),
        ),
      )
      .orderBy(asc(suppliers.updatedAt), asc(suppliers.id))
      .limit(params.limit);
    return candidates('supplier_contact', rows);
  },
  async describeRecord(db, id) {
    if (!uuidPattern.test(id)) return undefined;
    const [row] = await db.select({ name: suppliers.name }).from(suppliers).where(eq(suppliers.id, id)).limit(1);
    return row?.name;
  },
};

const userAccount: RetentionSource = {
  async selectPastRetention(db, params) {
    const rows = await db
      .select({ id: users.id, number: users.name, event: epoch(sql`${users.deactivatedAt}`), due: epoch(sql`${users.deactivatedAt} + ${interval(params.period)}`) })
      .from(users)
      .where(
        and(
          sql`not ${users.active}`,
          sql`${users.deactivatedAt} <= ${cutoff(params)}`,
          sql`${users.deactivatedAt} + ${interval(params.period)} <= ${params.now.toISOString()}::timestamptz`,
          // Still part of a running process: a task open in their name, or a requisition of theirs not ended.
          sql`not exists (select 1 from tasks t where t.assignee_id = ${users.id} and t.status = 'open')`,
          sql`not exists (select 1 from requisitions r where r.requester_id = ${users.id} and r.status not in ('draft', 'rejected', 'withdrawn', 'closed'))`,
          reviewable(params, 'user_account', sql`${users.id}`),
        ),
      )
      .orderBy(asc(users.deactivatedAt), asc(users.id))
      .limit(params.limit);
    return candidates('user_account', rows);
  },
  async describeRecord(db, id) {
    if (!uuidPattern.test(id)) return undefined;
    const [row] = await db.select({ name: users.name }).from(users).where(eq(users.id, id)).limit(1);
    return row?.name;
  },
};

/**
 * The audit log is reviewed as one range from the start of the chain: only a
 * prefix can go without breaking the verification of what stays. The range
 * ends before the first sealed entry (in chain order) that is not yet past
 * its date or is held: held itself, or about a record or supplier under a
 * hold in force. Its record id is `<first>-<last>` in chain positions.
 */
const auditLogRange: RetentionSource = {
  async selectPastRetention(db, params) {
    if (params.limit < 1) return [];
    // The range is one record: kept as a whole while extended, under review, or taken up by this review.
    const [busy] = await db
      .select({ one: sql`1` })
      .from(sql`(select 1 from retention_extensions e where e.record_class = 'audit_log' and e.until > ${params.now.toISOString()}::timestamptz
        union all select 1 from retention_review_items i where i.record_class = 'audit_log' and (${params.recordId === undefined ? sql`i.status in ('pending', 'awaiting_confirmation')` : sql`false`}${params.reviewId ? sql` or i.review_id = ${params.reviewId}` : sql``})) as busy`)
      .limit(1);
    if (busy) return [];
    const due = sql`${auditLog.at} + ${interval(params.period)}`;
    // Walks the chain's unique index from its start: it reads the expired prefix, and stops at the first entry still kept.
    const [firstKept] = await db
      .select({ seq: auditLog.sealSeq })
      .from(auditLog)
      .where(and(isNotNull(auditLog.sealSeq), sql`${due} > ${params.now.toISOString()}::timestamptz`))
      .orderBy(asc(auditLog.sealSeq))
      .limit(1);
    const subjectTypes = sql.join(
      registeredRecordClasses().map((def) => sql`(${def.recordClass}, ${def.subjectType})`),
      sql`, `,
    );
    const [firstHeld] = await db
      .select({ seq: sql<number | null>`min(a.seal_seq)`.mapWith((value) => (value === null ? null : Number(value))) })
      .from(sql`legal_holds h join audit_log a on (
        (h.record_class = 'audit_log' and a.id = case when h.record_class = 'audit_log' then h.record_id::bigint end)
        or (h.scope = 'record' and (h.record_class, a.subject_type) in (values ${subjectTypes}) and a.subject_id = h.record_id)
        or (h.scope = 'supplier' and a.subject_type = 'Supplier' and a.subject_id = h.supplier_id::text))`)
      .where(sql`h.released_at is null and a.seal_seq is not null`);
    const stops = [firstKept?.seq, firstHeld?.seq].filter((seq): seq is number => typeof seq === 'number');
    const stop = stops.length > 0 ? Math.min(...stops) : undefined;
    const inRange = and(isNotNull(auditLog.sealSeq), stop === undefined ? undefined : lt(auditLog.sealSeq, stop));
    const [first] = await db.select({ seq: auditLog.sealSeq }).from(auditLog).where(inRange).orderBy(asc(auditLog.sealSeq)).limit(1);
    const [last] = await db.select({ seq: auditLog.sealSeq, event: epoch(sql`${auditLog.at}`), due: epoch(due) }).from(auditLog).where(inRange).orderBy(desc(auditLog.sealSeq)).limit(1);
    if (!first?.seq || !last?.seq) return [];
    if (params.recordId !== undefined) {
      // Still disposable as asked: the range asked for is a prefix of what may go now.
      const asked = parseAuditRange(params.recordId);
      if (!asked || asked.first !== first.seq || asked.last > last.seq) return [];
      last.seq = asked.last;
    }
    const count = last.seq - first.seq + 1;
    return [{ recordClass: 'audit_log', recordId: `${first.seq}-${last.seq}`, number: `Audit entries ${first.seq} to ${last.seq} (${count})`, eventAt: fromEpoch(last.event), retentionDate: fromEpoch(last.due) }];
  },
  async describeRecord(db, id) {
    // Entry ids are read as JavaScript numbers (bigserial mode 'number'): beyond 2^53 there is no such entry yet.
    if (!/^[1-9][0-9]{0,17}$/.test(id) || !Number.isSafeInteger(Number(id))) return undefined;
    const [row] = await db.select({ id: auditLog.id, action: auditLog.action }).from(auditLog).where(eq(auditLog.id, Number(id))).limit(1);
    return row ? `Audit entry ${row.id} (${row.action})` : undefined;
  },
};

/** `<first>-<last>` seal positions of an audit range. */
export function parseAuditRange(recordId: string): { first: number; last: number } | undefined {
  const match = /^([1-9][0-9]{0,15})-([1-9][0-9]{0,15})$/.exec(recordId);
  if (!match) return undefined;
  const first = Number(match[1]);
  const last = Number(match[2]);
  return last >= first ? { first, last } : undefined;
}

/** One source per class of the registry; a class without one is refused when the sources are read. */
export const retentionSources: Record<string, RetentionSource> = {
  requisition,
  purchase_order: purchaseOrder,
  goods_receipt: goodsReceipt,
  invoice,
  supplier_contact: supplierContact,
  user_account: userAccount,
  audit_log: auditLogRange,
};

export function retentionSourceOf(recordClass: string): RetentionSource {
  const source = retentionSources[recordClass];
  if (!source) throw new Error(`record class ${recordClass} has no retention source in db/queries/retention.ts`);
  return source;
}

// ---- legal holds ----

export interface InsertLegalHoldParams {
  scope: LegalHoldRow['scope'];
  recordClass?: string | null;
  recordId?: string | null;
  supplierId?: string | null;
  projectId?: string | null;
  target: string;
  reason: string;
  placedById: string;
  placedAt: Date;
}

export async function insertLegalHold(db: Executor, params: InsertLegalHoldParams): Promise<LegalHoldRow> {
  const [row] = await db.insert(legalHolds).values(params).returning();
  return row!;
}

export async function findLegalHold(db: Executor, id: string): Promise<LegalHoldRow | undefined> {
  const [row] = await db.select().from(legalHolds).where(eq(legalHolds.id, id)).limit(1);
  return row;
}

/** Releases a hold in force; undefined when it was released already (by someone else, meanwhile). */
export async function releaseLegalHold(db: Executor, params: { id: string; releasedById: string; reason: string; now: Date }): Promise<LegalHoldRow | undefined> {
  const [row] = await db
    .update(legalHolds)
    .set({ releasedAt: params.now, releasedById: params.releasedById, releaseReason: params.reason })
    .where(and(eq(legalHolds.id, params.id), isNull(legalHolds.releasedAt)))
    .returning();
  return row;
}

export interface ListLegalHoldsParams {
  limit: number;
  /** Keyset: the id of the last hold of the previous page (newest first). */
  after?: string | undefined;
  status?: 'active' | 'released' | undefined;
}

export async function listLegalHolds(db: Executor, params: ListLegalHoldsParams) {
  const after = params.after
    ? sql`(${legalHolds.placedAt}, ${legalHolds.id}) < (select h.placed_at, h.id from legal_holds h where h.id = ${params.after})`
    : undefined;
  return db
    .select({ hold: legalHolds, placedByName: users.name })
    .from(legalHolds)
    .innerJoin(users, eq(users.id, legalHolds.placedById))
    .where(and(after, params.status === 'active' ? isNull(legalHolds.releasedAt) : params.status === 'released' ? isNotNull(legalHolds.releasedAt) : undefined))
    .orderBy(desc(legalHolds.placedAt), desc(legalHolds.id))
    .limit(params.limit);
}

export async function findPlacedByName(db: Executor, userId: string): Promise<string> {
  const [row] = await db.select({ name: users.name }).from(users).where(eq(users.id, userId)).limit(1);
  return row?.name ?? '';
}

export async function findSupplierName(db: Executor, id: string): Promise<string | undefined> {
  const [row] = await db.select({ name: suppliers.name }).from(suppliers).where(eq(suppliers.id, id)).limit(1);
  return row?.name;
}

export async function findProjectName(db: Executor, id: string): Promise<string | undefined> {
  const [row] = await db.select({ code: projects.code, name: projects.name }).from(projects).where(eq(projects.id, id)).limit(1);
  return row ? `${row.code} ${row.name}` : undefined;
}

/** A policy's stored value with the time it was last changed. */
export async function readPolicyRow(db: Executor, name: string): Promise<{ value: unknown; updatedAt: Date } | undefined> {
  const [row] = await db.select({ value: policies.value, updatedAt: policies.updatedAt }).from(policies).where(eq(policies.name, name)).limit(1);
  return row;
}

/** The policy's name in the policies table; what is stored is only the periods an admin set. */
export const RETENTION_POLICY = 'retention';

/** The period in force per class: the admin's where set, else the class's default. */
export async function retentionPeriods(db: Executor): Promise<Record<string, string>> {
  const stored = ((await readPolicyRow(db, RETENTION_POLICY))?.value as { periods?: Record<string, string> } | undefined)?.periods ?? {};
  return Object.fromEntries(registeredRecordClasses().map((def) => [def.recordClass, stored[def.recordClass] ?? def.defaultPeriod]));
}

/**
 * What a review takes up now, across the classes: at most `limit` records
 * past their date (oldest retention date first), and whether more are. The
 * dry run and a review's batches both ask this, so they select alike.
 */
export async function selectReviewCandidates(db: Executor, params: { now: Date; limit: number; reviewId?: string }): Promise<{ records: RetentionCandidate[]; truncated: boolean }> {
  const periods = await retentionPeriods(db);
  const found: RetentionCandidate[] = [];
  let truncated = false;
  for (const def of registeredRecordClasses()) {
    const rows = await retentionSourceOf(def.recordClass).selectPastRetention(db, { now: params.now, period: periods[def.recordClass]!, limit: params.limit + 1, ...(params.reviewId ? { reviewId: params.reviewId } : {}) });
    if (rows.length > params.limit) truncated = true;
    found.push(...rows.slice(0, params.limit));
  }
  found.sort((a, b) => a.retentionDate.getTime() - b.retentionDate.getTime() || a.recordClass.localeCompare(b.recordClass) || a.recordId.localeCompare(b.recordId));
  return { records: found.slice(0, params.limit), truncated: truncated || found.length > params.limit };
}
