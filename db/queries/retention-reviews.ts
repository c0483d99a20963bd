import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { retentionExtensions, retentionReviewItems, retentionReviews, retentionTombstones, users } from '../schema/index.ts';
import type { RetentionCandidate } from './retention.ts';

/** The runs of the retention review, the records each took up, and the tombstones of what they disposed. */

export type RetentionReviewRow = typeof retentionReviews.$inferSelect;
export type RetentionReviewItemRow = typeof retentionReviewItems.$inferSelect;
export type RetentionTombstoneRow = typeof retentionTombstones.$inferSelect;

/** Creates the review once; a repeat (a retried activity, a later run of the same review) finds it. */
export async function ensureRetentionReview(db: Executor, params: Omit<typeof retentionReviews.$inferInsert, 'status'>): Promise<RetentionReviewRow> {
  await db.insert(retentionReviews).values(params).onConflictDoNothing({ target: retentionReviews.id });
  return (await findRetentionReview(db, params.id))!;
}

export async function findRetentionReview(db: Executor, id: string, options: { lock?: boolean } = {}): Promise<RetentionReviewRow | undefined> {
  const query = db.select().from(retentionReviews).where(eq(retentionReviews.id, id)).limit(1);
  const [row] = await (options.lock ? query.for('update') : query);
  return row;
}

export async function completeRetentionReview(db: Executor, id: string, now: Date): Promise<void> {
  await db.update(retentionReviews).set({ status: 'completed', completedAt: now }).where(and(eq(retentionReviews.id, id), eq(retentionReviews.status, 'running')));
}

/** Takes candidates up as one batch; a record another review holds undecided, or this one took already, is left out. */
export async function insertBatchItems(db: Executor, params: { reviewId: string; batch: number; candidates: RetentionCandidate[] }): Promise<void> {
  if (params.candidates.length === 0) return;
  await db
    .insert(retentionReviewItems)
    .values(params.candidates.map((c) => ({ reviewId: params.reviewId, batch: params.batch, recordClass: c.recordClass, recordId: c.recordId, number: c.number, eventAt: c.eventAt, retentionDate: c.retentionDate })))
    .onConflictDoNothing();
}

export async function itemsOfBatch(db: Executor, reviewId: string, batch: number, options: { lock?: boolean } = {}): Promise<RetentionReviewItemRow[]> {
  const query = db
    .select()
    .from(retentionReviewItems)
    .where(and(eq(retentionReviewItems.reviewId, reviewId), eq(retentionReviewItems.batch, batch)))
    .orderBy(asc(retentionReviewItems.retentionDate), asc(retentionReviewItems.recordClass), asc(retentionReviewItems.recordId));
  return options.lock ? query.for('update') : query;
}

export async function findReviewItem(db: Executor, id: string, options: { lock?: boolean } = {}): Promise<RetentionReviewItemRow | undefined> {
  const query = db.select().from(retentionReviewItems).where(eq(retentionReviewItems.id, id)).limit(1);
  const [row] = await (options.lock ? query.for('update') : query);
  return row;
}

export async function updateReviewItem(db: Executor, id: string, changes: Partial<Omit<RetentionReviewItemRow, 'id' | 'reviewId'>>): Promise<void> {
  await db.update(retentionReviewItems).set(changes).where(eq(retentionReviewItems.id, id));
}

/** Keeps a record past its date: the latest extension of a record replaces the one before. */
export async function upsertExtension(db: Executor, params: typeof retentionExtensions.$inferInsert): Promise<void> {
  await db
    .insert(retentionExtensions)
    .values(params)
    .onConflictDoUpdate({ target: [retentionExtensions.recordClass, retentionExtensions.recordId], set: { until: params.until, reason: params.reason, extendedById: params.extendedById, extendedAt: params.extendedAt, reviewItemId: params.reviewItemId } });
}

/** The tombstone of a review item, written once. */
export async function insertTombstone(db: Executor, params: typeof retentionTombstones.$inferInsert): Promise<RetentionTombstoneRow> {
  await db.insert(retentionTombstones).values(params).onConflictDoNothing();
  const [row] = await db.select().from(retentionTombstones).where(and(eq(retentionTombstones.recordClass, params.recordClass), eq(retentionTombstones.recordId, params.recordId))).limit(1);
  return row!;
}

export interface ListReviewsParams {
  limit: number;
  /** Keyset: the id of the last review of the previous page (newest first). */
  after?: string | undefined;
}

export async function listRetentionReviews(db: Executor, params: ListReviewsParams) {
  const after = params.after ? sql`(${retentionReviews.startedAt}, ${retentionReviews.id}) < (select r.started_at, r.id from retention_reviews r where r.id = ${params.after})` : undefined;
  return db
    .select({ review: retentionReviews, startedByName: users.name })
    .from(retentionReviews)
    .leftJoin(users, eq(users.id, retentionReviews.startedById))
    .where(after)
    .orderBy(desc(retentionReviews.startedAt), desc(retentionReviews.id))
    .limit(params.limit);
}

/** How many of each review's records stand where: one grouped read for a page of reviews. */
export async function countsOfReviews(db: Executor, reviewIds: string[]): Promise<Map<string, Record<string, number>>> {
  const counts = new Map<string, Record<string, number>>();
  if (reviewIds.length === 0) return counts;
  const rows = await db
    .select({ reviewId: retentionReviewItems.reviewId, status: retentionReviewItems.status, n: sql<number>`count(*)::int` })
    .from(retentionReviewItems)
    .where(inArray(retentionReviewItems.reviewId, reviewIds))
    .groupBy(retentionReviewItems.reviewId, retentionReviewItems.status);
  for (const row of rows) {
    const of = counts.get(row.reviewId) ?? {};
    of[row.status] = row.n;
    counts.set(row.reviewId, of);
  }
  return counts;
}

export async function startedByName(db: Executor, userId: string | null): Promise<string | null> {
  if (!userId) return null;
  const [row] = await db.select({ name: users.name }).from(users).where(eq(users.id, userId)).limit(1);
  return row?.name ?? null;
}

export async function itemsOfReview(db: Executor, reviewId: string, limit: number) {
  return db
    .select({ item: retentionReviewItems, decidedByName: users.name })
    .from(retentionReviewItems)
    .leftJoin(users, eq(users.id, retentionReviewItems.decidedById))
    .where(eq(retentionReviewItems.reviewId, reviewId))
    .orderBy(asc(retentionReviewItems.batch), asc(retentionReviewItems.retentionDate), asc(retentionReviewItems.id))
    .limit(limit);
}

export async function tombstonesOfReview(db: Executor, reviewId: string, limit: number) {
  return db
    .select({ tombstone: retentionTombstones, approvedByName: users.name })
    .from(retentionTombstones)
    .innerJoin(users, eq(users.id, retentionTombstones.approvedById))
    .where(eq(retentionTombstones.reviewId, reviewId))
    .orderBy(asc(retentionTombstones.disposedAt), asc(retentionTombstones.id))
    .limit(limit);
}
