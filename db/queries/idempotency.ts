import { and, eq } from 'drizzle-orm';
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

/** Claims the key; returns the existing record when somebody already did. */
export async function claimIdempotencyKey(
  db: Executor,
  params: IdempotencyKeyParams,
): Promise<{ claimed: true } | { claimed: false; record: IdempotencyRecord }> {
  const inserted = await db.insert(idempotencyKeys).values(params).onConflictDoNothing().returning();
  if (inserted.length > 0) return { claimed: true };
  const [record] = await db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.principal, params.principal), eq(idempotencyKeys.key, params.key)))
    .limit(1);
  return { claimed: false, record: record! };
}

export async function completeIdempotencyKey(
  db: Executor,
  params: { principal: string; key: string; status: number; responseBody: unknown },
): Promise<void> {
  await db
    .update(idempotencyKeys)
    .set({ status: params.status, responseBody: params.responseBody })
    .where(and(eq(idempotencyKeys.principal, params.principal), eq(idempotencyKeys.key, params.key)));
}

/** A request that failed releases its key so it can be retried. */
export async function releaseIdempotencyKey(db: Executor, params: { principal: string; key: string }): Promise<void> {
  await db
    .delete(idempotencyKeys)
    .where(and(eq(idempotencyKeys.principal, params.principal), eq(idempotencyKeys.key, params.key)));
}
