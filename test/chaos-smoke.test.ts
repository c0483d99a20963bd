import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { usingPostgres } from './support/db.ts';

const run = promisify(execFile);

interface ChaosReport {
  scenario: string;
  ok: boolean;
  processes: number;
  decisions: number;
  checks: { check: string; expected: unknown; actual: unknown; ok: boolean }[];
  counts: {
    requisitions: Record<string, number>;
    tasks: number;
    mails: { rows: number; sent: number; unconfirmed: number; received: number; unconfirmedReceived: number; unconfirmedLost: number };
    workflows: Record<string, number>;
    updatesAccepted: number;
  };
  kills: { part: string; writesInFlight: Record<string, number> }[];
}

/**
 * `npm run chaos` runs outside the suite; its smoke mode runs here: 12
 * processes, the worker, the API and the Temporal dev server each killed with
 * SIGKILL mid-traffic. PostgreSQL only: the API and the worker are separate
 * processes, which PGlite cannot serve.
 */
describe.skipIf(!usingPostgres())('chaos --smoke', () => {
  const resultsDir = mkdtempSync(join(tmpdir(), 'p2p-chaos-'));
  afterAll(() => rmSync(resultsDir, { recursive: true, force: true }));

  it('loses no process and duplicates no side effect across three crashes', async () => {
    // A failed run exits 1; its report (the last stdout line) still says which checks failed.
    const output = await run('npx', ['tsx', 'scripts/chaos.ts', '--smoke'], { env: { ...process.env, BENCH_RESULTS_DIR: resultsDir }, timeout: 420_000, maxBuffer: 32 * 1024 * 1024 }).catch(
      (error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
    );
    const lastLine = output.stdout.trim().split('\n').at(-1) ?? '';
    expect(lastLine.startsWith('{'), `no report; stderr: ${output.stderr.slice(-3000)}`).toBe(true);
    const report = JSON.parse(lastLine) as ChaosReport;

    expect(report.checks.filter((check) => !check.ok), output.stdout.slice(-6000)).toEqual([]);
    expect(report).toMatchObject({ scenario: 'chaos', ok: true, processes: 12, decisions: 28 });
    expect(report.kills.map((kill) => kill.part)).toEqual(['worker', 'api', 'temporal']);
    for (const kill of report.kills) expect(Object.keys(kill.writesInFlight).length, `${kill.part} killed with nothing in flight`).toBeGreaterThan(0);
    // The smoke plans: 8 approved (2 of them after a question, 1 in three steps), 3 rejected, 1 withdrawn.
    expect(report.counts.requisitions).toEqual({ approved: 8, rejected: 3, withdrawn: 1 });
    expect(report.counts.tasks).toBe(28);
    expect(report.counts.workflows).toEqual({ COMPLETED: 12 });
    expect(report.counts.updatesAccepted).toBe(28);
    // Every mail once: each sent row and each confirmed-by-the-sink unconfirmed row received, nothing else.
    expect(report.counts.mails.rows).toBe(39);
    expect(report.counts.mails.sent + report.counts.mails.unconfirmed).toBe(39);
    expect(report.counts.mails.unconfirmedLost).toBe(0);
    expect(report.counts.mails.received).toBe(report.counts.mails.sent + report.counts.mails.unconfirmedReceived);
  }, 480_000);
});
