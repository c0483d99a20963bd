import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { idempotencyKeys } from '../schema/index.ts';

export interface IdempotencyKeyParams {
  principal: string;
  key: string;
  method: string;
  path: string;
  requestHash: string;
}

export type IdempotencyRecord = typeof idempotencyKeys.$inferSelect;

/**
 * Stores a request's answer inside the transaction of its effect, so the two
 * commit together: a request cut off after its commit still has its answer
 * kept, and one cut off before it left nothing to answer for.
 */
export type RecordAnswer<T> = (tx: Executor, answer: T) => Promise<void>;

/** Whole milliseconds, so the claim time read back into a Date identifies the claim exactly. */
const claimTime = sql`date_trunc('milliseconds', now())`;

const keyOf = (params: { principal: string; key: string }) => and(eq(idempotencyKeys.principal, params.principal), eq(idempotencyKeys.key, params.key));

/** Claims the key; returns the existing record when somebody already did. The claim time names this claim. */
export async function claimIdempotencyKey(
  db: Executor,
  params: IdempotencyKeyParams,
): Promise<{ claimed: true; claimedAt: Date } | { claimed: false; record: IdempotencyRecord }> {
  const [inserted] = await db.insert(idempotencyKeys).values({ ...params, createdAt: claimTime }).onConflictDoNothing().returning({ createdAt: idempotencyKeys.createdAt });
  if (inserted) return { claimed: true, claimedAt: inserted.createdAt };
  const [record] = await db.select().from(idempotencyKeys).where(keyOf(params)).limit(1);
  return { claimed: false, record: record! };
}

/**
 * Takes over a claim left unanswered for `staleAfterSeconds`: its request
 * died with its API process (a live one answers well before). Returns the
 * new claim time, or undefined when the claim is younger, answered, or
 * another retry took it first.
 */
export async function takeOverIdempotencyKey(
  db: Executor,
  params: { principal: string; key: string; claimedAt: Date; staleAfterSeconds: number },
): Promise<Date | undefined> {
  const [row] = await db
    .update(idempotencyKeys)
    .set({ createdAt: claimTime })
    .where(and(keyOf(params), isNull(idempotencyKeys.status), eq(idempotencyKeys.createdAt, params.claimedAt), lt(idempotencyKeys.createdAt, sql`now() - make_interval(secs => ${params.staleAfterSeconds})`)))
    .returning({ createdAt: idempotencyKeys.createdAt });
  return row?.createdAt;
}

/** Stores the answer of the claim made at `claimedAt`; false when it was answered already or taken over. */
export async function completeIdempotencyKey(
  db: Executor,
  params: { principal: string; key: string; claimedAt: Date; status: number; responseBody: unknown },
): Promise<boolean> {
  const updated = await db
    .update(idempotencyKeys)
    .set({ status: params.status, responseBody: params.responseBody })
    .where(and(keyOf(params), isNull(idempotencyKeys.status), eq(idempotencyKeys.createdAt, params.claimedAt)))
    .returning({ key: idempotencyKeys.key });
  return updated.length > 0;
}

/** A request that failed releases its key (unless a retry took it over) so it can be retried. */
export async function releaseIdempotencyKey(db: Executor, params: { principal: string; key: string; claimedAt: Date }): Promise<void> {
  await db.delete(idempotencyKeys).where(and(keyOf(params), isNull(idempotencyKeys.status), eq(idempotencyKeys.createdAt, params.claimedAt)));
}
