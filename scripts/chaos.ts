/**
 * `npm run chaos [-- --processes 200 --c 20 | --smoke]`: fault injection. With
 * N requisition processes in flight, C clients keep deciding over HTTP while
 * the worker, then the API, then the Temporal dev server are killed with
 * SIGKILL and started again (Temporal on the same SQLite file), each aimed at
 * a decision the activities have written but the client has no answer for
 * yet. Submissions go on meanwhile, with Idempotency-Keys. Every approved
 * requisition becomes one purchase order, which the buyer prepares (a
 * procurement manager approves it above the threshold) and the warehouse
 * receives with an Idempotency-Key, under the same kills. Each order's
 * invoice is entered by the accountant (a few before the goods arrive),
 * exceptions decided (variance accepted, confirmed above twice the
 * tolerance, a credit note asked for and entered, a rejection and a
 * corrected invoice), approved and paid in one or two payment runs or one by
 * one; the order and its requisition then close. Then every process must be
 * at its planned end and every side effect there exactly once: tasks,
 * numbers, outbox rows, SMTP deliveries, audit entries, Updates, orders,
 * receipts, stock, invoices, match rounds and payments.
 * Prints a table of the checks, writes a JSON report under bench-results/
 * (its last stdout line), and exits 1 on any loss or duplicate.
 *
 * Needs PostgreSQL (DATABASE_URL): the API and the worker run as separate
 * processes, which PGlite cannot serve. `--smoke` is the small run CI does.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { and, inArray, isNull, ne } from 'drizzle-orm';
import { idempotencyKeys, tasks } from '../db/schema/index.ts';
import { DEMO_PASSWORD, demoEmail } from '../db/seed.ts';
import { startSmtpServer } from '../test/support/smtp.ts';
import { startBenchStack, type BenchStack } from './bench/stack.ts';
import { pool, say, sleep, writeReport } from './bench/support.ts';
import { checkOutcome, type Check } from './chaos/checks.ts';
import { tally } from './chaos/counting.ts';
import { createResilientClient } from './chaos/client.ts';
import { createDrivers, type Account, type Chain } from './chaos/drivers.ts';
import { describeWrites, runKills, type KillRecord } from './chaos/kills.ts';
import { decisionCount, planRequisitions, type Person } from './chaos/plans.ts';

const { values } = parseArgs({ options: { processes: { type: 'string' }, c: { type: 'string' }, smoke: { type: 'boolean', default: false } } });
if (!process.env.DATABASE_URL) {
  say('chaos: set DATABASE_URL to a PostgreSQL server (the API and worker run as separate processes; PGlite serves one)');
  process.exit(2);
}
const smoke = values.smoke;
const n = Number(values.processes ?? (smoke ? 12 : 200));
const concurrency = Number(values.c ?? (smoke ? 4 : 20));
if (!Number.isInteger(n) || n < 6 || !Number.isInteger(concurrency) || concurrency < 1) {
  say('chaos: --processes must be a whole number of at least 6 (one per planned path) and --c at least 1');
  process.exit(2);
}
/** Everything, from the first request to the last check, must fit in this; a run that does not finish fails. */
const timeoutMs = (smoke ? 5 : 20) * 60_000;
const downMs = 3_000;
/** One in four requisitions is created and submitted while the kills happen (spread over the first 70% of decisions), the rest before. */
const createdDuringTraffic = (index: number) => index % 4 === 3;
const schedule = [
  { part: 'worker', at: 0.2, aim: 'half-done decision' },
  { part: 'api', at: 0.45, aim: 'submission' },
  { part: 'temporal', at: 0.7, aim: 'half-done decision' },
] as const;

const round1 = (value: number) => Math.round(value * 10) / 10;
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

async function login(client: ReturnType<typeof createResilientClient>, person: Person): Promise<Account> {
  const answer = await client.call('POST', '/auth/login', undefined, { email: demoEmail(person), password: DEMO_PASSWORD });
  if (answer.status !== 200) throw new Error(`login ${person} answered ${answer.status}`);
  return { token: answer.body.token as string, userId: (answer.body.user as { id: string }).id };
}

function printTable(checks: Check[]) {
  const header = { check: 'check', expected: 'expected', actual: 'actual', ok: 'ok' };
  const rows = [header, ...checks.map((check) => ({ check: check.check, expected: String(check.expected), actual: String(check.actual), ok: check.ok ? 'ok' : 'FAIL' }))];
  const width = (key: keyof typeof header) => Math.max(...rows.map((row) => row[key].length));
  const line = (row: typeof header) => `  ${row.check.padEnd(width('check'))}  ${row.expected.padStart(width('expected'))}  ${row.actual.padStart(width('actual'))}  ${row.ok}`;
  say(line(header));
  say(`  ${'-'.repeat(width('check') + width('expected') + width('actual') + 8)}`);
  for (const row of rows.slice(1)) say(line(row));
}

async function run(stack: BenchStack, sink: { received: () => string[]; cutOff: () => string[] }): Promise<boolean> {
  const runStart = Date.now();
  const deadline = runStart + timeoutMs;
  const client = createResilientClient({ apiUrl: stack.apiUrl, deadline });
  // The demo's two accountants: Arjun enters and pays invoices; Paula decides their exceptions and approvals (segregation of duties).
  const people: Person[] = ['requester', 'engineer', 'manager', 'procurement_manager', 'finance_director', 'buyer', 'warehouse', 'accountant', 'payables'];
  const accounts = Object.fromEntries(await Promise.all(people.map(async (person) => [person, await login(client, person)] as const))) as Record<Person, Account>;
  const supplierPage = await client.call('GET', '/suppliers', accounts.buyer.token);
  const suppliers = (supplierPage.body.items as { id: string; discountPercent: string | null }[] | undefined) ?? [];
  const supplierIds = suppliers.map((supplier) => supplier.id);
  if (supplierPage.status !== 200 || supplierIds.length === 0) throw new Error(`suppliers answered ${supplierPage.status} with ${supplierIds.length} suppliers`);
  const planned = planRequisitions(n, supplierIds.length, suppliers.map((supplier) => Number(supplier.discountPercent ?? 0)));
  const totalDecisions = decisionCount(planned);
  const late = planned.filter((one) => createdDuringTraffic(one.index));
  // Reachable from the other chains' decisions alone, so a late chain never waits for itself.
  const lateSpan = Math.min(0.7 * totalDecisions, decisionCount(planned.filter((one) => !createdDuringTraffic(one.index))));
  const chains: Chain[] = planned.map((one) => ({
    planned: one,
    next: 0,
    decidedTaskIds: new Set(),
    notBefore: 0,
    startAfterDecisions: createdDuringTraffic(one.index) ? Math.floor(((late.indexOf(one) + 1) / (late.length + 1)) * lateSpan) : 0,
    finished: false,
    invoices: {},
  }));
  const drivers = createDrivers({ client, accounts, supplierIds, runId: randomUUID().slice(0, 8) });
  const orderSteps = sum(planned.map((one) => one.steps.length - one.requisitionSteps));
  const invoiceSteps = sum(planned.map((one) => one.steps.filter((step) => step.kind === 'enterInvoice' || step.kind === 'pay' || (step.kind === 'decide' && (step.on === 'invoice' || step.on === 'corrected'))).length));
  const orders = planned.filter((one) => one.order).length;
  const variants = [...tally(planned.filter((one) => one.order), (one) => one.order!.invoicing.variant)].map(([variant, count]) => `${count} ${variant}`).join(', ');

  say(`chaos: ${n} requisition processes, ${orders} purchase orders and their invoices (${variants}); ${totalDecisions} decisions, ${orderSteps} of them on orders, ${invoiceSteps} of those on invoices; ${supplierIds.length} suppliers, ${concurrency} clients; SIGKILL worker at ${schedule[0].at * 100}%, API at ${schedule[1].at * 100}%, Temporal at ${schedule[2].at * 100}% of decisions`);
  const early = chains.filter((chain) => !createdDuringTraffic(chain.planned.index));
  await pool(early.length, concurrency, (index) => drivers.createAndSubmit(early[index]!));
  const setupSeconds = round1((Date.now() - runStart) / 1000);
  say(`  ${early.length} created and submitted in ${setupSeconds} s; driving decisions (and ${n - early.length} more submissions)`);

  const trafficStart = Date.now();
  let driversStopped = false;
  let failure: string | undefined;
  const driving = drivers.run(chains, concurrency).catch((error: unknown) => {
    failure = error instanceof Error ? error.message : String(error);
  }).finally(() => {
    driversStopped = true;
  });
  const kills: KillRecord[] = await runKills({
    stack,
    schedule: [...schedule],
    totalDecisions,
    decisions: () => drivers.stats.decisions,
    writesInFlight: client.writesInFlight,
    halfDone: async () => {
      const ids = drivers.decisionsInFlight();
      if (ids.length === 0) return 0;
      return (await stack.database.db.select({ id: tasks.id }).from(tasks).where(and(inArray(tasks.id, ids), ne(tasks.status, 'open')))).length;
    },
    claimsOpen: async () => (await stack.database.db.select({ key: idempotencyKeys.key }).from(idempotencyKeys).where(isNull(idempotencyKeys.status))).length,
    finished: () => driversStopped,
    startedAt: trafficStart,
    downMs,
    log: say,
  });
  await driving;
  const trafficSeconds = round1((Date.now() - trafficStart) / 1000);
  say(`  drivers ${failure ? `stopped: ${failure}` : 'done'} after ${trafficSeconds} s`);

  // Decisions and payments are answered once applied; the runs still close (a last activity, the order
  // told its invoice is settled, the final workflow task). A minute is plenty: a run still open after it
  // is reported by the checks.
  const closing = Date.now();
  const closeBy = Math.min(deadline, closing + 60_000);
  const open = async () => {
    let running = 0;
    for await (const execution of stack.client.workflow.list({ query: `TaskQueue = '${stack.taskQueue}' AND ExecutionStatus = 'Running'` })) running += execution.status.name === 'RUNNING' ? 1 : 0;
    return running;
  };
  while ((await open()) > 0 && Date.now() < closeBy) await sleep(500);
  const closeSeconds = round1((Date.now() - closing) / 1000);

  const { checks, counts, unconfirmedMails, findings } = await checkOutcome({ db: stack.database.db, temporal: stack.client, taskQueue: stack.taskQueue, chains, supplierIds, paymentRuns: drivers.paymentRuns, receivedRaw: sink.received(), cutOffRaw: sink.cutOff() });
  const caught = kills.filter((kill) => Object.keys(kill.writesInFlight).length > 0).length;
  const anomalies = chains.filter((chain) => chain.anomaly).map((chain) => `#${chain.planned.index} ${chain.planned.plan.name}: ${chain.anomaly}`);
  checks.unshift(
    { check: 'run finished before its deadline', expected: 'yes', actual: failure ? 'no' : 'yes', ok: !failure },
    { check: 'client answers no outage explains (anomalies)', expected: 0, actual: anomalies.length, ok: anomalies.length === 0 },
    { check: 'kills that caught writes in flight', expected: schedule.length, actual: caught, ok: caught === schedule.length },
    // An outage is answered 503 (or not at all); any other 5xx is a fault of its own.
    { check: 'API answers 5xx other than 503', expected: 0, actual: client.stats.otherServerErrors, ok: client.stats.otherServerErrors === 0 },
  );
  const ok = checks.every((check) => check.ok);

  say('');
  say(`chaos: ${n} requisition processes, ${orders} purchase orders, ${counts.invoices.invoices} invoices and ${counts.invoices.creditNotes} credit notes, ${concurrency} clients, ${totalDecisions} decisions (${orderSteps} on orders, ${invoiceSteps} on invoices); ${ok ? 'nothing lost, nothing duplicated' : 'FAILED'}`);
  say('  kill        at decisions   down s   restart s   outage s   writes in flight (decisions half done), aimed at');
  for (const kill of kills) say(`  ${kill.part.padEnd(10)}  ${`${kill.decisionsAtKill}/${totalDecisions}`.padStart(12)}   ${String(kill.downSeconds).padStart(6)}   ${String(kill.restartSeconds).padStart(9)}   ${String(kill.outageSeconds ?? '-').padStart(8)}   ${describeWrites(kill.writesInFlight)} (${kill.decisionsHalfDone}), ${kill.aim}${kill.aimHit ? '' : ' (missed)'}`);
  say(`  timings: setup ${setupSeconds} s, traffic ${trafficSeconds} s, closing ${closeSeconds} s, total ${round1((Date.now() - runStart) / 1000)} s`);
  say(`  client: ${JSON.stringify(client.stats)}`);
  say(`  decisions answered only on a retry: ${drivers.stats.decisionsRetried}; 409/404 verified as our own earlier decision: ${drivers.stats.conflictsVerifiedAsOurs}; orders prepared ${drivers.stats.ordersPrepared}, received ${drivers.stats.receipts}; invoices entered ${drivers.stats.invoicesEntered}, paid one by one ${drivers.stats.paidSingly}, in runs ${drivers.stats.paidInRuns} (${drivers.paymentRuns.map((paymentRun) => `${paymentRun.number}: ${paymentRun.invoices.length}`).join(', ') || 'no run'})`);
  for (const error of client.serverErrors) say(`  server error: ${error}`);
  say(`  unconfirmed mails: ${counts.mails.unconfirmed} (${counts.mails.unconfirmedReceived} received, so delivered once; ${counts.mails.unconfirmedLost} LOST)`);
  for (const mail of unconfirmedMails) say(`    unconfirmed ${mail.template} ${mail.key}: ${mail.received ? 'received' : `LOST${mail.cutOff ? ' (cut off before its end mark)' : ''}`}; ${mail.error ?? ''}`);
  say('');
  printTable(checks);
  for (const anomaly of anomalies.slice(0, 20)) say(`  anomaly: ${anomaly}`);
  for (const finding of findings.slice(0, 40)) say(`  finding: ${finding}`);
  // When each part was dead, next to the findings' times (the smoke test prints only the end of the output).
  if (!ok) say(`  kills: ${kills.map((kill) => `${kill.part} ${new Date(trafficStart + kill.killedAtSeconds * 1000).toISOString()} for ${kill.downSeconds + kill.restartSeconds} s`).join(', ')}`);
  if (!ok) {
    // The API's warnings and errors of the whole run (e.g. an effect it gave up on), then the tail of each log.
    const warnings = stack.logs('api').split('\n').filter((line) => /"level":"(warn|error)"/.test(line));
    process.stderr.write(`\n--- API warnings and errors (${warnings.length}) ---\n${warnings.slice(-30).join('\n')}\n`);
    for (const part of ['api', 'worker'] as const) process.stderr.write(`\n--- last ${part} output ---\n${stack.logs(part).slice(-4000)}\n`);
  }
  writeReport('chaos', {
    scenario: 'chaos',
    ok,
    smoke,
    processes: n,
    orders,
    concurrency,
    decisions: totalDecisions,
    orderSteps,
    invoiceSteps,
    database: stack.databaseKind,
    mode: stack.mode,
    checks,
    counts,
    kills,
    seconds: { setup: setupSeconds, traffic: trafficSeconds, closing: closeSeconds, total: round1((Date.now() - runStart) / 1000) },
    client: { ...client.stats, created: drivers.stats.created, submitted: drivers.stats.submitted, ordersPrepared: drivers.stats.ordersPrepared, receipts: drivers.stats.receipts, invoicesEntered: drivers.stats.invoicesEntered, paidSingly: drivers.stats.paidSingly, paidInRuns: drivers.stats.paidInRuns, paymentRuns: drivers.paymentRuns.map((paymentRun) => ({ number: paymentRun.number, invoices: paymentRun.invoices.length })), decisionsRetried: drivers.stats.decisionsRetried, conflictsVerifiedAsOurs: drivers.stats.conflictsVerifiedAsOurs, notReadyPolls: drivers.stats.notReadyPolls },
    serverErrors: client.serverErrors,
    anomalies: anomalies.slice(0, 50),
    findings: findings.slice(0, 100),
    unconfirmedMails,
  });
  return ok;
}

const smtp = await startSmtpServer();
let ok = false;
try {
  const stack = await startBenchStack({ processes: true, smtpUrl: `smtp://127.0.0.1:${smtp.port}` });
  try {
    ok = await run(stack, { received: () => smtp.received.map((message) => message.raw), cutOff: () => smtp.cutOff });
  } finally {
    await stack.stop();
  }
} catch (error) {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
} finally {
  await smtp.close();
}
process.exit(ok ? 0 : 1);
