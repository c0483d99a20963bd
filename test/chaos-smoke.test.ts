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
    invoices: { invoices: number; creditNotes: number; byStatus: Record<string, number>; matchRounds: number; tasks: number; payments: number; paidInRuns: number; paidSingly: number; paymentRuns: { number: string; count: number }[]; paymentUpdates: number; creditNoteUpdates: number };
  };
  kills: { part: string; writesInFlight: Record<string, number> }[];
}

/**
 * `npm run chaos` runs outside the suite; its smoke mode runs here: 12
 * requisition processes, the 8 purchase orders their approvals make and
 * those orders' invoices (every path of the match once: exact, a variance
 * accepted, one above twice the tolerance confirmed, a credit note, a
 * rejection and a corrected invoice, one entered before the goods), paid in
 * payment runs and one by one; the worker, the API and the Temporal dev
 * server each killed with SIGKILL mid-traffic. PostgreSQL only: the API and
 * the worker are separate processes, which PGlite cannot serve.
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
    // 28 requisition decisions, then per order: prepare and receive (one of them approved above 10,000 first),
    // and 24 on invoices: 10 entries (8 invoices, a credit note, a corrected invoice), 6 decisions, 8 payments.
    expect(report).toMatchObject({ scenario: 'chaos', ok: true, processes: 12, orders: 8, decisions: 69, orderSteps: 41, invoiceSteps: 24 });
    expect(report.kills.map((kill) => kill.part)).toEqual(['worker', 'api', 'temporal']);
    for (const kill of report.kills) expect(Object.keys(kill.writesInFlight).length, `${kill.part} killed with nothing in flight`).toBeGreaterThan(0);
    // The smoke plans: 8 approved (2 of them after a question, 1 in three steps), ordered and closed once invoiced and paid, 3 rejected, 1 withdrawn.
    expect(report.counts.requisitions).toEqual({ closed: 8, rejected: 3, withdrawn: 1 });
    // 28 requisition tasks, 8 prepare tasks and 1 order approval; on invoices 4 exceptions, 1 variance confirmation, 1 payment approval.
    expect(report.counts.tasks).toBe(43);
    // Requisition runs end at approval, order runs once closed, invoice runs once paid or rejected.
    expect(report.counts.workflows).toEqual({ 'requisitionWorkflow COMPLETED': 12, 'purchaseOrderWorkflow COMPLETED': 8, 'invoiceWorkflow COMPLETED': 9 });
    expect(report.counts.updatesAccepted).toBe(28);
    expect(report.counts.orders).toMatchObject({ orders: 8, byStatus: { closed: 8 }, approvedAboveThreshold: 1, receipts: 8, receiptUpdates: 8 });
    // 9 invoices (one rejected, then corrected) and 1 credit note; 11 match rounds (the early invoice and the credited one match in round 1);
    // 8 payments, each once: 1 one by one, 7 in one or two runs; 8 payment and 1 credit-note Updates.
    expect(report.counts.invoices).toMatchObject({ invoices: 9, creditNotes: 1, byStatus: { 'invoice paid': 8, 'invoice rejected': 1, 'credit_note paid': 1 }, matchRounds: 11, tasks: 6, payments: 8, paidSingly: 1, paidInRuns: 7, paymentUpdates: 8, creditNoteUpdates: 1 });
    expect(report.counts.invoices.paymentRuns.length).toBeGreaterThanOrEqual(1);
    expect(report.counts.invoices.paymentRuns.length).toBeLessThanOrEqual(2);
    // Every mail once: each sent row and each confirmed-by-the-sink unconfirmed row received, nothing else.
    // 39 of the requisitions; per order a task mail to the buyer, the PDF to the supplier, the arrival to the requester; 1 approval task mail;
    // 6 invoice task mails, a credit-note request and a rejection to suppliers, the early invoice's hold to the buyer.
    expect(report.counts.mails.rows).toBe(73);
    expect(report.counts.mails.sent + report.counts.mails.unconfirmed).toBe(73);
    expect(report.counts.mails.unconfirmedLost).toBe(0);
    expect(report.counts.mails.received).toBe(report.counts.mails.sent + report.counts.mails.unconfirmedReceived);
  }, 480_000);
});
