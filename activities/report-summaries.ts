import { refreshSpendSummary, type SummaryRefresh } from '../db/queries/report-summaries.ts';
import type { ActivityDeps } from './index.ts';

/** The materialised report summaries (issue #16), refreshed for the `report-summaries` Schedule. */
export function createReportSummaryActivities(deps: Pick<ActivityDeps, 'db' | 'clock'>) {
  return {
    /** Recomputes the spend summary; idempotent (a retry computes the same figures again). */
    async refreshReportSummaries(): Promise<{ refreshedAt: string; tookMs: number; skipped: boolean; changed: boolean }> {
      const result: SummaryRefresh = await refreshSpendSummary(deps.db, deps.clock);
      return { refreshedAt: result.refreshedAt.toISOString(), tookMs: result.tookMs, skipped: result.skipped, changed: result.changed };
    },
  };
}
