import { reportNames } from '@p2p/domain';
import { eq } from 'drizzle-orm';
import { refreshSpendSummary } from '../../db/queries/report-summaries.ts';
import { reportSummaryRefreshes } from '../../db/schema/index.ts';
import { loadReportsData, reportsDataSize } from './reports-data.ts';
import { startBenchStack } from './stack.ts';
import { timeProjectExports } from './report-exports.ts';
import { latencyStats, say, writeReport } from './support.ts';

const TARGET_P95_MS = { report: 1_000, dashboard: 200 };

/**
 * Issue 16's bar: a year of data for a 2,000-person company (about 50,000
 * requisitions, 60,000 orders with 300,000 lines, 60,000 receipts, 70,000
 * invoices), then every report over the whole year and every role's
 * dashboard, requested one after another over HTTP as a person would, with
 * p50 and p95 per report and per dashboard; then the largest project's
 * details exported as CSV, XLSX and PDF (streamed), with the time to the
 * first byte, in all, the size and the API's memory growth meanwhile.
 */
export async function reports(options: { scale?: number; requests?: number; smoke: boolean }) {
  const scale = options.scale ?? (options.smoke ? 0.01 : 1);
  const requests = options.requests ?? (options.smoke ? 3 : 20);
  const size = reportsDataSize(scale);
  const stack = await startBenchStack();
  try {
    say(`loading a year of procurement into ${stack.databaseKind}: ${size.people} people, ${size.requisitions} requisitions, ${size.orders} orders (${size.orders * 5} lines), ${size.invoices} invoices`);
    const started = performance.now();
    const { timings } = await loadReportsData(stack.database.db, size);
    const loadSeconds = Math.round((performance.now() - started) / 100) / 10;
    say(`  loaded in ${loadSeconds} s (${Object.entries(timings).map(([name, ms]) => `${name} ${ms} ms`).join(', ')})`);
    // What the `report-summaries` Schedule does every half minute in production: the finance dashboard reads its result.
    const summary = await refreshSpendSummary(stack.database.db, () => new Date());
    say(`  spend summary refreshed in ${summary.tookMs} ms (the report-summaries Schedule's work, every REPORT_SUMMARY_REFRESH_SECONDS)`);

    const finance = await stack.login('finance_director');
    const projects = (await stack.fetchJson('GET', '/projects?limit=200', finance)).body.items as { id: string; code: string }[];
    const benchProject = projects.find((project) => project.code === 'BP-0')!;
    const time = async (path: string, token: string) => {
      const samples: number[] = [];
      for (let i = 0; i < requests + 2; i += 1) {
        const begun = performance.now();
        const answer = await stack.fetchJson('GET', path, token);
        if (answer.status !== 200) throw new Error(`${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
        // The first two warm the caches and the query plans; they are not counted.
        if (i >= 2) samples.push(performance.now() - begun);
      }
      return latencyStats(samples);
    };

    const reportRows: { report: string; p50: number; p95: number; met: boolean }[] = [];
    for (const name of reportNames) {
      const query = name === 'project-details' ? `?projectId=${benchProject.id}` : '';
      const stats = await time(`/reports/${name}${query}`, finance);
      reportRows.push({ report: name, p50: stats.p50, p95: stats.p95, met: stats.p95 < TARGET_P95_MS.report });
      say(`  report ${name.padEnd(22)} p50 ${String(stats.p50).padStart(7)} ms   p95 ${String(stats.p95).padStart(7)} ms`);
    }
    const dashboardRows: { role: string; p50: number; p95: number; met: boolean }[] = [];
    for (const role of ['requester', 'manager', 'buyer', 'accountant', 'finance_director']) {
      const stats = await time('/dashboard', await stack.login(role));
      dashboardRows.push({ role, p50: stats.p50, p95: stats.p95, met: stats.p95 < TARGET_P95_MS.dashboard });
      say(`  dashboard ${role.padEnd(19)} p50 ${String(stats.p50).padStart(7)} ms   p95 ${String(stats.p95).padStart(7)} ms`);
    }
    // The largest report as files, streamed: time to the first byte, in all, and what the API held meanwhile.
    const { project: exportedProject, exports } = await timeProjectExports(stack, finance);
    // The Schedule's rounds during the timings: with nothing written, they recompute nothing (took_ms 0 once settled).
    const [lastRound] = await stack.database.db.select().from(reportSummaryRefreshes).where(eq(reportSummaryRefreshes.name, 'spend'));
    say(`  spend summary: last round ${lastRound!.refreshedAt.toISOString()}, change counter noted ${lastRound!.changes} (-1: recomputing every round), last recompute ${lastRound!.tookMs} ms`);
    const report = {
      scenario: 'reports',
      database: stack.databaseKind,
      scale,
      size,
      loadSeconds,
      summaryRefreshMs: summary.tookMs,
      requestsPerEndpoint: requests,
      reports: reportRows,
      dashboards: dashboardRows,
      exportedProject,
      exports,
      apiMode: stack.mode,
      targetP95Ms: TARGET_P95_MS,
      allMet: reportRows.every((row) => row.met) && dashboardRows.every((row) => row.met),
    };
    say('');
    say(`reports: every report p95 < ${TARGET_P95_MS.report} ms: ${reportRows.every((row) => row.met) ? 'met' : 'NOT met'}; every dashboard p95 < ${TARGET_P95_MS.dashboard} ms: ${dashboardRows.every((row) => row.met) ? 'met' : 'NOT met'}`);
    writeReport('reports', report);
  } finally {
    await stack.stop();
  }
}
