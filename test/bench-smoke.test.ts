import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** The benchmarks run outside the suite; their smoke mode runs here so they never rot. */
describe('benchmark smoke runs', () => {
  it('timeline --smoke prints its report', async () => {
    const { stdout } = await run('npx', ['tsx', 'scripts/bench.ts', 'timeline', '--smoke'], { env: { ...process.env, DATABASE_URL: '' }, timeout: 120_000 });
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as { scenario: string; timelineItems: number; p95ms: number };
    expect(report.scenario).toBe('timeline');
    expect(report.timelineItems).toBeGreaterThan(20);
    expect(report.p95ms).toBeGreaterThan(0);
  }, 150_000);

  it('throughput --smoke prints both rates and their ratio', async () => {
    const { stdout } = await run('npx', ['tsx', 'scripts/bench.ts', 'throughput', '--smoke'], { env: { ...process.env, DATABASE_URL: '' }, timeout: 150_000 });
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as { scenario: string; chains: number; chainsPerSecond: number; baselinePerSecond: number; ratio: number };
    expect(report).toMatchObject({ scenario: 'throughput', chains: 4 });
    expect(report.chainsPerSecond).toBeGreaterThan(0);
    expect(report.baselinePerSecond).toBeGreaterThan(0);
  }, 180_000);

  it('inbox --smoke loads a task table, lists and completes tasks, and explains the inbox query', async () => {
    const { stdout } = await run('npx', ['tsx', 'scripts/bench.ts', 'inbox', '--smoke'], { env: { ...process.env, DATABASE_URL: '' }, timeout: 150_000 });
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      scenario: string;
      database: string;
      concurrency: number;
      rows: { tasks: number; open: number; pool: number; assignedPerBenchUser: { min: number } };
      inbox: { count: number; p95: number; perSecond: number };
      inboxPaced: { count: number; p95: number };
      completion: { count: number; p95: number };
      completionPaced: { count: number; p95: number };
      plans: { sql: string; plan: string[]; executionMs: number }[];
    };
    expect(report).toMatchObject({ scenario: 'inbox', database: 'pglite', concurrency: 5 });
    // The loaded 2,000 plus one approval task per requisition: 4 approved back to back, then 1 by each of the 5 people.
    expect(report.rows.tasks).toBe(2_009);
    expect(report.rows.open).toBeGreaterThan(report.rows.pool);
    expect(report.rows.assignedPerBenchUser.min).toBeGreaterThan(0);
    expect(report.inbox.count).toBeGreaterThan(5);
    expect(report.inbox.p95).toBeGreaterThan(0);
    expect(report.inboxPaced.count).toBeGreaterThanOrEqual(5);
    expect(report.completion.count).toBe(4);
    expect(report.completionPaced.count).toBe(5);
    // Both people's inbox statements were captured from the service and explained; neither reads the whole table.
    expect(report.plans).toHaveLength(2);
    for (const { sql, plan, executionMs } of report.plans) {
      expect(sql).toMatch(/from "tasks"/);
      expect(executionMs).toBeGreaterThan(0);
      expect(plan.join('\n')).not.toMatch(/Seq Scan on tasks/);
    }
  }, 180_000);

  it('reports --smoke loads a small year of data and times every report and dashboard', async () => {
    const { stdout } = await run('npx', ['tsx', 'scripts/bench.ts', 'reports', '--smoke'], { env: { ...process.env, DATABASE_URL: '' }, timeout: 150_000 });
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      scenario: string;
      size: { orders: number };
      reports: { report: string; p95: number }[];
      dashboards: { role: string; p95: number }[];
      exports: { format: string; firstByteMs: number; totalMs: number; bytes: number; heapGrowthMb: number | null }[];
    };
    expect(report).toMatchObject({ scenario: 'reports', size: { orders: 600 } });
    expect(report.reports.map((row) => row.report)).toEqual(['spend-by-gl', 'supplier-performance', 'budget-vs-actual', 'approval-bottleneck', 'po-summary', 'project-details', 'ap-health']);
    expect(report.dashboards.map((row) => row.role)).toEqual(['requester', 'manager', 'buyer', 'accountant', 'finance_director']);
    for (const row of [...report.reports, ...report.dashboards]) expect(row.p95).toBeGreaterThan(0);
    // The largest project's details exported in each format, streamed; in process (PGlite) the heap is measured too.
    expect(report.exports.map((row) => row.format)).toEqual(['csv', 'xlsx', 'pdf']);
    for (const row of report.exports) {
      expect(row.bytes).toBeGreaterThan(0);
      expect(row.firstByteMs).toBeGreaterThan(0);
      expect(row.totalMs).toBeGreaterThanOrEqual(row.firstByteMs);
      expect(row.heapGrowthMb).not.toBeNull();
    }
  }, 180_000);
});
