import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

/**
 * Refreshes the materialised report summaries (issue #16): started by the
 * `report-summaries` Schedule every half minute (REPORT_SUMMARY_REFRESH_SECONDS),
 * one activity, so each run's history is a handful of events; a round in
 * which nothing the summary reads has changed does not recompute it. A refresh
 * still running when the next is due makes that one skip (the Schedule's
 * overlap policy).
 */
const summaries = proxyActivities<Pick<Activities, 'refreshReportSummaries'>>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
});

export async function reportSummariesWorkflow(): Promise<{ refreshedAt: string; tookMs: number; skipped: boolean; changed: boolean }> {
  return summaries.refreshReportSummaries();
}
