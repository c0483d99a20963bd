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
});
