import { createHash } from 'node:crypto';
import { and, asc, count, desc, gt, isNotNull, isNull, min } from 'drizzle-orm';
import type { Database, Executor } from '../client.ts';
import { auditLog, auditLogDisposals, auditSealState, type AuditRow } from '../schema/index.ts';

/** The chain starts from this value, so the first sealed entry links to something fixed. */
export const GENESIS_HASH = '0'.repeat(64);

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

/** What a seal covers: the entry as written, and the hash of the entry sealed before it. */
export type HashedFields = Omit<AuditRow, 'id' | 'hash' | 'prevHash' | 'sealSeq' | 'sealedAt'> & { prevHash: string };

/** Unchanged from the chain's first days, so entries sealed under the old lock still verify. */
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
 * Appends one entry, unsealed. Must run inside the transaction of the change
 * it records, so that the change and its audit entry commit or fail together.
 * It takes no lock: writers never wait for each other here; the sealer
 * (db/audit-sealer.ts) chains the entry after it commits.
 */
export async function appendAudit(tx: Executor, entry: AuditEntry): Promise<AuditRow> {
  const [row] = await tx.insert(auditLog).values(auditValues(entry)).returning();
  return row!;
}

/** Several entries of one transaction in one INSERT (ids, and so the sealing order, follow the array). */
export async function appendAudits(tx: Executor, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length > 0) await tx.insert(auditLog).values(entries.map(auditValues));
}

function auditValues(entry: AuditEntry) {
  return {
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
  };
}

export interface AuditVerification {
  ok: boolean;
  /** Sealed entries walked. */
  checked: number;
  /** The first sealed entry whose place, link or hash does not hold. */
  firstBrokenId?: number;
  /** Committed entries the sealer has not chained yet: not broken, not yet provable. */
  unsealed: number;
  /** `at` of the oldest unsealed entry; null when everything is sealed. */
  oldestUnsealedAt: string | null;
  /** How far sealing trails the writes: now minus oldestUnsealedAt, 0 when everything is sealed. */
  sealLagMs: number;
  /** When the sealer last sealed a batch; null before the first. */
  lastSealedAt: string | null;
  /** Where the walk started: 1, or the entry after the last range removed by a retention disposal. */
  startsAt: number;
  /** Entries removed by retention disposals before `startsAt`, with the hash the first kept entry links to. */
  disposed: { entries: number; lastHash: string; lastAt: string } | null;
}

/**
 * Walks the sealed entries in seal order: each must sit at the next sequence
 * number (1, 2, 3... no gap), link to the hash before it and hash to what it
 * stores. Unsealed entries are counted apart, with how old the oldest is.
 */
export async function verifyAuditChain(db: Database, batchSize = 2000): Promise<AuditVerification> {
  const now = Date.now();
  const [pending] = await db.select({ unsealed: count(), oldest: min(auditLog.at) }).from(auditLog).where(isNull(auditLog.sealSeq));
  const [head] = await db.select({ sealedAt: auditSealState.sealedAt }).from(auditSealState);
  const oldest = pending?.oldest ? new Date(pending.oldest) : null;
  const sealing = {
    unsealed: pending?.unsealed ?? 0,
    oldestUnsealedAt: oldest?.toISOString() ?? null,
    sealLagMs: oldest ? Math.max(0, now - oldest.getTime()) : 0,
    lastSealedAt: head?.sealedAt?.toISOString() ?? null,
  };
  // A prefix removed by retention disposals: the walk starts after it, from the hash it recorded.
  const [removed] = await db.select().from(auditLogDisposals).orderBy(desc(auditLogDisposals.lastSeq)).limit(1);
  const disposed = removed ? { entries: removed.lastSeq, lastHash: removed.lastHash, lastAt: removed.lastAt.toISOString() } : null;
  let prevHash = removed?.lastHash ?? GENESIS_HASH;
  let seq = removed?.lastSeq ?? 0;
  const startsAt = seq + 1;
  let checked = 0;
  for (;;) {
    const rows = await db
      .select()
      .from(auditLog)
      .where(and(isNotNull(auditLog.sealSeq), gt(auditLog.sealSeq, seq)))
      .orderBy(asc(auditLog.sealSeq))
      .limit(batchSize);
    for (const row of rows) {
      checked += 1;
      seq += 1;
      if (row.sealSeq !== seq || row.prevHash !== prevHash || hashAuditEntry({ ...row, prevHash }) !== row.hash) {
        return { ok: false, checked, firstBrokenId: row.id, ...sealing, startsAt, disposed };
      }
      prevHash = row.hash;
    }
    if (rows.length < batchSize) return { ok: true, checked, ...sealing, startsAt, disposed };
  }
}
