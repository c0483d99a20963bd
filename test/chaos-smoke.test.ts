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
    orders: { orders: number; byStatus: Record<string, number>; approvedAboveThreshold: number; receipts: number; receiptUpdates: number };
  };
  kills: { part: string; writesInFlight: Record<string, number> }[];
}

/**
 * `npm run chaos` runs outside the suite; its smoke mode runs here: 12
 * requisition processes and the 8 purchase orders their approvals make, the
 * worker, the API and the Temporal dev server each killed with SIGKILL
 * mid-traffic. PostgreSQL only: the API and the worker are separate
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

    // The table and the findings (which records a failed row found) are the lines before the report.
    const table = output.stdout.trim().split('\n').slice(0, -1).join('\n').slice(-8000);
    expect(report.checks.filter((check) => !check.ok), table).toEqual([]);
    // 28 requisition decisions, then per order: prepare and receive (one of them approved above 10,000 first).
    expect(report).toMatchObject({ scenario: 'chaos', ok: true, processes: 12, orders: 8, decisions: 45, orderSteps: 17 });
    expect(report.kills.map((kill) => kill.part)).toEqual(['worker', 'api', 'temporal']);
    for (const kill of report.kills) expect(Object.keys(kill.writesInFlight).length, `${kill.part} killed with nothing in flight`).toBeGreaterThan(0);
    // The smoke plans: 8 approved (2 of them after a question, 1 in three steps) and then ordered, 3 rejected, 1 withdrawn.
    expect(report.counts.requisitions).toEqual({ ordered: 8, rejected: 3, withdrawn: 1 });
    // 28 requisition tasks, 8 prepare tasks and 1 order approval.
    expect(report.counts.tasks).toBe(37);
    // Requisition runs end at approval; order runs stay open after the receipt (they wait for invoices).
    expect(report.counts.workflows).toEqual({ 'requisitionWorkflow COMPLETED': 12, 'purchaseOrderWorkflow RUNNING': 8 });
    expect(report.counts.updatesAccepted).toBe(28);
    expect(report.counts.orders).toMatchObject({ orders: 8, byStatus: { received: 8 }, approvedAboveThreshold: 1, receipts: 8, receiptUpdates: 8 });
    // Every mail once: each sent row and each confirmed-by-the-sink unconfirmed row received, nothing else.
    // 39 of the requisitions; per order a task mail to the buyer, the PDF to the supplier, the arrival to the requester; 1 approval task mail.
    expect(report.counts.mails.rows).toBe(64);
    expect(report.counts.mails.sent + report.counts.mails.unconfirmed).toBe(64);
    expect(report.counts.mails.unconfirmedLost).toBe(0);
    expect(report.counts.mails.received).toBe(report.counts.mails.sent + report.counts.mails.unconfirmedReceived);
  }, 480_000);
});
