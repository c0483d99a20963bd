import { asc, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from './client.ts';
import { hashAuditEntry } from './queries/audit.ts';
import { auditLog, auditSealState } from './schema/index.ts';

/**
 * Seals committed audit entries into the hash chain, so that writers never
 * wait on one another (db/queries/audit.ts appends unsealed, lock-free).
 *
 * Invariants:
 * - One sealer at a time: each batch locks the single `audit_seal_state` row
 *   (FOR UPDATE), which no writer ever touches.
 * - A batch is one transaction: the entries' seals and the head's move commit
 *   together or not at all, so a sealer killed mid-batch leaves nothing half
 *   done, and the next batch starts from the head it left.
 * - Nothing committed is skipped: a batch takes entries by "not yet sealed"
 *   (the partial index audit_unsealed_idx), never by an id watermark, so an
 *   entry that commits late with a low id is sealed by a later batch.
 * - Sealed once: the update only matches unsealed rows and must match all of
 *   them; the unique seal_seq and the seal-once trigger refuse the rest.
 */
export const DEFAULT_SEAL_BATCH = 500;

export interface SealBatchParams {
  batchSize?: number;
  /** Wait for a sealer that holds the head (true), or give way at once (false). */
  wait?: boolean;
}

/** Seals up to one batch; resolves to how many entries it sealed, or null when another sealer held the head. */
export async function sealAuditBatch(db: Database, { batchSize = DEFAULT_SEAL_BATCH, wait = true }: SealBatchParams = {}): Promise<number | null> {
  return db.transaction(async (tx) => {
    const head = tx.select().from(auditSealState).where(eq(auditSealState.id, true));
    const [state] = await (wait ? head.for('update') : head.for('update', { skipLocked: true }));
    if (!state) {
      if (wait) throw new Error('audit_seal_state has no head row: run the migrations');
      return null;
    }
    // A fresh snapshot after the lock: entries sealed by the sealer we waited for are gone from here.
    const pending = await tx.select().from(auditLog).where(isNull(auditLog.sealSeq)).orderBy(asc(auditLog.id)).limit(batchSize);
    if (pending.length === 0) return 0;
    const sealedAt = new Date();
    let seq = state.lastSeq;
    let prevHash = state.lastHash;
    const seals = pending.map((entry) => {
      seq += 1;
      const hash = hashAuditEntry({ ...entry, prevHash });
      const seal = sql`(${entry.id}::bigint, ${seq}::bigint, ${prevHash}::text, ${hash}::text)`;
      prevHash = hash;
      return seal;
    });
    const sealed = await tx
      .update(auditLog)
      .set({ sealSeq: sql`seal.seq`, prevHash: sql`seal.prev_hash`, hash: sql`seal.hash`, sealedAt })
      .from(sql`(values ${sql.join(seals, sql`, `)}) as seal(id, seq, prev_hash, hash)`)
      .where(sql`${auditLog.id} = seal.id and ${auditLog.sealSeq} is null`)
      .returning({ id: auditLog.id });
    if (sealed.length !== pending.length) throw new Error(`audit sealing: ${pending.length - sealed.length} of ${pending.length} entries were sealed by someone else; batch rolled back`);
    await tx.update(auditSealState).set({ lastSeq: seq, lastHash: prevHash, sealedAt }).where(eq(auditSealState.id, true));
    return pending.length;
  });
}

/** Seals every entry committed before the call (waiting for a running sealer); resolves to how many it sealed. */
export async function sealAuditLog(db: Database, batchSize = DEFAULT_SEAL_BATCH): Promise<number> {
  let total = 0;
  for (;;) {
    const sealed = (await sealAuditBatch(db, { batchSize, wait: true })) ?? 0;
    total += sealed;
    if (sealed < batchSize) return total;
  }
}

export interface AuditSealerOptions {
  intervalMs?: number;
  batchSize?: number;
  /** A failed round (database gone, connection cut) is reported here and retried next round. */
  onError?: (error: unknown) => void;
}

/**
 * Seals in the background every `intervalMs` until the returned stop() is
 * awaited. Every process may start one: a round that finds the head locked by
 * another process's sealer gives way. stop() waits for a running round, so a
 * caller may close the database right after it.
 */
export function startAuditSealer(db: Database, { intervalMs = 200, batchSize = DEFAULT_SEAL_BATCH, onError }: AuditSealerOptions = {}): () => Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> = Promise.resolve();
  const runRound = async () => {
    try {
      while (!stopped) {
        const sealed = await sealAuditBatch(db, { batchSize, wait: false });
        if (sealed === null || sealed < batchSize) break;
      }
    } catch (error) {
      if (!stopped) onError?.(error);
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      round = runRound().then(schedule);
    }, intervalMs);
    // A sealer alone must not keep a process alive.
    timer.unref();
  };
  schedule();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await round;
  };
}
