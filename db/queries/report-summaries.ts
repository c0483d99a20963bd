import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { reportSummaryRefreshes } from '../schema/index.ts';
import { notifyDashboardChange } from './notify.ts';
import { rows } from './reports.ts';

export interface SummaryRefresh {
  name: 'spend';
  refreshedAt: Date;
  tookMs: number;
  /** Nothing the summary reads had changed since the last refresh: it was not recomputed. */
  skipped: boolean;
  /** The summary holds something else than before: open finance dashboards were told. */
  changed: boolean;
}

/**
 * Brings the spend summary (report_spend_summary, migration 0013) up to the
 * records. Recomputing it takes a second or two of a year of data, so it is
 * recomputed only when something it reads has changed: the statement
 * triggers of migration 0015 bump `report_spend_changes`, and a refresh that
 * finds the counter where the last one left it only notes the time. The
 * counter is read first, then the refresh waits for the writers then at work
 * to end: a writer that counted before the read is then in the refresh's
 * snapshot (one still at work after 5 s leaves the counter unnoted, and the
 * next round recomputes). CONCURRENTLY: dashboards go on reading the previous
 * figures while it runs, and a second refresh at the same time waits for the
 * first. A checksum of the result decides whether anyone is told.
 * Idempotent: running it twice computes the same figures twice.
 */
export async function refreshSpendSummary(db: Executor, clock: () => Date): Promise<SummaryRefresh> {
  // The counter first, then the writers at work: one that counted before the read has ended by the refresh's snapshot.
  const [counter] = await rows<{ changes: string }>(db, sql`select (case when is_called then last_value else 0 end)::text as changes from report_spend_changes`);
  const changes = Number(counter!.changes);
  const settled = await writersFinished(db);
  const [last] = await db.select().from(reportSummaryRefreshes).where(eq(reportSummaryRefreshes.name, 'spend'));
  if (last && last.changes === changes) {
    const refreshedAt = clock();
    await db.update(reportSummaryRefreshes).set({ refreshedAt }).where(eq(reportSummaryRefreshes.name, 'spend'));
    return { name: 'spend', refreshedAt, tookMs: 0, skipped: true, changed: false };
  }
  const started = clock();
  await db.execute(sql`refresh materialized view concurrently report_spend_summary`);
  const tookMs = clock().getTime() - started.getTime();
  return db.transaction(async (tx) => {
    const [sum] = await rows<{ checksum: string | null }>(
      tx,
      sql`select md5(string_agg(kind || ' ' || month || ' ' || coalesce(project_id::text, '-') || ' ' || amount, ',' order by kind, month, project_id)) as checksum from report_spend_summary`,
    );
    const checksum = sum?.checksum ?? '';
    const [before] = await tx.select({ checksum: reportSummaryRefreshes.checksum }).from(reportSummaryRefreshes).where(eq(reportSummaryRefreshes.name, 'spend')).for('update');
    const refreshedAt = clock();
    const noted = settled ? changes : -1;
    await tx
      .insert(reportSummaryRefreshes)
      .values({ name: 'spend', refreshedAt, tookMs, checksum, changes: noted })
      .onConflictDoUpdate({ target: reportSummaryRefreshes.name, set: { refreshedAt, tookMs, checksum, changes: noted } });
    const changed = before?.checksum !== checksum;
    if (changed) await notifyDashboardChange(tx, { table: 'report_spend_summary' });
    return { name: 'spend' as const, refreshedAt, tookMs, skipped: false, changed };
  });
}

/**
 * Waits (up to `withinMs`) until every transaction writing when this is
 * called has ended: what they wrote is then in any snapshot taken after.
 * Only writers hold a transaction id, so readers (reports) are not waited
 * for; the app's writers commit in milliseconds. False when one is still at
 * work at the end.
 */
async function writersFinished(db: Executor, withinMs = 5_000): Promise<boolean> {
  const started = Date.now();
  const [snapshot] = await rows<{ xip: string[] | null }>(db, sql`select array(select x::text from pg_snapshot_xip(pg_current_snapshot()) x) as xip`);
  const xip = snapshot?.xip ?? [];
  if (xip.length === 0) return true;
  for (;;) {
    const [left] = await rows<{ n: number }>(db, sql`select count(*)::int as n from unnest(${`{${xip.join(',')}}`}::xid8[]) x where pg_xact_status(x) = 'in progress'`);
    if (left!.n === 0) return true;
    if (Date.now() - started > withinMs) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** When the spend summary was last refreshed (null: never, which migration 0013 rules out). */
export async function spendSummaryRefreshedAt(db: Executor): Promise<Date | null> {
  const [row] = await db.select({ refreshedAt: reportSummaryRefreshes.refreshedAt }).from(reportSummaryRefreshes).where(eq(reportSummaryRefreshes.name, 'spend'));
  return row?.refreshedAt ?? null;
}
