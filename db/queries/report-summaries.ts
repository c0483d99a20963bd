import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { reportSummaryRefreshes } from '../schema/index.ts';
import { DASHBOARD_EVENTS_CHANNEL, type DashboardChange } from './notify.ts';
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
 * finds the counter where the last one left it (and no writer was at work
 * then) only notes the time. The counter is read before the writers in
 * flight: a writer that counted before the read either committed before the
 * refresh's snapshot or is seen in flight, and then the next round
 * recomputes again. CONCURRENTLY: dashboards go on reading the previous
 * figures while it runs, and a second refresh at the same time waits for the
 * first. A checksum of the result decides whether anyone is told.
 * Idempotent: running it twice computes the same figures twice.
 */
export async function refreshSpendSummary(db: Executor, clock: () => Date): Promise<SummaryRefresh> {
  const [counter] = await rows<{ changes: string }>(db, sql`select (case when is_called then last_value else 0 end)::text as changes from report_spend_changes`);
  const [writers] = await rows<{ in_flight: number }>(db, sql`select count(*)::int as in_flight from pg_snapshot_xip(pg_current_snapshot())`);
  const changes = Number(counter!.changes);
  const settled = writers!.in_flight === 0;
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

/** When the spend summary was last refreshed (null: never, which migration 0013 rules out). */
export async function spendSummaryRefreshedAt(db: Executor): Promise<Date | null> {
  const [row] = await db.select({ refreshedAt: reportSummaryRefreshes.refreshedAt }).from(reportSummaryRefreshes).where(eq(reportSummaryRefreshes.name, 'spend'));
  return row?.refreshedAt ?? null;
}

async function notifyDashboardChange(db: Executor, change: DashboardChange): Promise<void> {
  await db.execute(sql`select pg_notify(${DASHBOARD_EVENTS_CHANNEL}, ${JSON.stringify(change)})`);
}
