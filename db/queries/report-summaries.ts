import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import { reportSummaryRefreshes } from '../schema/index.ts';
import { DASHBOARD_EVENTS_CHANNEL, type DashboardChange } from './notify.ts';
import { rows } from './reports.ts';

export interface SummaryRefresh {
  name: 'spend';
  refreshedAt: Date;
  tookMs: number;
  /** The summary holds something else than before: open finance dashboards were told. */
  changed: boolean;
}

/**
 * Recomputes the spend summary from the records (report_spend_summary,
 * migration 0013). CONCURRENTLY: dashboards go on reading the previous
 * figures while it runs, and a second refresh at the same time waits for
 * the first. A checksum of the result decides whether anyone is told.
 * Idempotent: running it twice computes the same figures twice.
 */
export async function refreshSpendSummary(db: Executor, clock: () => Date): Promise<SummaryRefresh> {
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
    await tx
      .insert(reportSummaryRefreshes)
      .values({ name: 'spend', refreshedAt, tookMs, checksum })
      .onConflictDoUpdate({ target: reportSummaryRefreshes.name, set: { refreshedAt, tookMs, checksum } });
    const changed = before?.checksum !== checksum;
    if (changed) await notifyDashboardChange(tx, { table: 'report_spend_summary' });
    return { name: 'spend' as const, refreshedAt, tookMs, changed };
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
