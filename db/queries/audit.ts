import { createHash } from 'node:crypto';
import { asc, desc, gt, sql } from 'drizzle-orm';
import type { Database, Executor } from '../client.ts';
import { auditLog, type AuditRow } from '../schema/index.ts';

/** The chain starts from this value, so the first entry links to something fixed. */
export const GENESIS_HASH = '0'.repeat(64);
/** One advisory lock serialises appends, so the chain never forks under concurrency. */
const AUDIT_CHAIN_LOCK = 7_270_001;

export interface AuditEntry {
  at: Date;
  actorId: string | null;
  onBehalfOfId?: string | null;
  action: string;
  subjectType: string;
  subjectId: string;
  processId?: string | null;
  before?: unknown;
  after?: unknown;
  requestId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
}

/** JSON with sorted keys: jsonb reorders keys, so the hash must not depend on order. */
function canonicalJson(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

type HashedFields = Omit<AuditRow, 'id' | 'hash'>;

export function hashAuditEntry(entry: HashedFields): string {
  const material = canonicalJson({
    prevHash: entry.prevHash,
    at: entry.at.toISOString(),
    actorId: entry.actorId,
    onBehalfOfId: entry.onBehalfOfId,
    action: entry.action,
    subjectType: entry.subjectType,
    subjectId: entry.subjectId,
    processId: entry.processId,
    before: entry.before,
    after: entry.after,
    requestId: entry.requestId,
    ip: entry.ip,
    userAgent: entry.userAgent,
  });
  return createHash('sha256').update(material).digest('hex');
}

/** Normalises a value the way a jsonb round trip does (Dates become strings, undefined drops). */
function asJson(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

/**
 * Appends one entry. Must run inside the transaction of the change it records,
 * so that the change and its audit entry commit or fail together.
 */
export async function appendAudit(tx: Executor, entry: AuditEntry): Promise<AuditRow> {
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`);
  const [last] = await tx.select({ hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.id)).limit(1);
  const fields: HashedFields = {
    at: entry.at,
    actorId: entry.actorId,
    onBehalfOfId: entry.onBehalfOfId ?? null,
    action: entry.action,
    subjectType: entry.subjectType,
    subjectId: entry.subjectId,
    processId: entry.processId ?? null,
    before: asJson(entry.before),
    after: asJson(entry.after),
    requestId: entry.requestId ?? null,
    ip: entry.ip ?? null,
    userAgent: entry.userAgent ?? null,
    prevHash: last?.hash ?? GENESIS_HASH,
  };
  const [row] = await tx.insert(auditLog).values({ ...fields, hash: hashAuditEntry(fields) }).returning();
  return row!;
}

export interface AuditVerification {
  ok: boolean;
  checked: number;
  firstBrokenId?: number;
}

/** Walks the whole chain in id order; reports the first entry whose hash or link does not hold. */
export async function verifyAuditChain(db: Database, batchSize = 2000): Promise<AuditVerification> {
  let prevHash = GENESIS_HASH;
  let afterId = 0;
  let checked = 0;
  for (;;) {
    const rows = await db
      .select()
      .from(auditLog)
      .where(gt(auditLog.id, afterId))
      .orderBy(asc(auditLog.id))
      .limit(batchSize);
    for (const row of rows) {
      checked += 1;
      if (row.prevHash !== prevHash || hashAuditEntry(row) !== row.hash) {
        return { ok: false, checked, firstBrokenId: row.id };
      }
      prevHash = row.hash;
      afterId = row.id;
    }
    if (rows.length < batchSize) return { ok: true, checked };
  }
}
