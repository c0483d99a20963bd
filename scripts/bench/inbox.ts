import { hashPassword } from '../../api/services/credentials.ts';
import { DEMO_PASSWORD } from '../../db/seed.ts';
import { analyze, inboxSizes, loadPeople, loadTasks, personEmail, planOrganisation, taskFacts } from './inbox-data.ts';
import { explainInbox } from './inbox-plan.ts';
import { approveAll, INBOX_PATH, loadInboxes, openApprovals, type Samples } from './inbox-traffic.ts';
import { startBenchStack, type BenchStack } from './stack.ts';
import { latencyStats, pool, say, writeReport } from './support.ts';

/** What GET /tasks asks the task service for: the route adds one row to the page to know whether a next page exists. */
const INBOX_QUERY = { status: 'open', limit: 26 } as const;
const TARGET_P95_MS = { inbox: 20, completion: 150 };
/** The paced runs: each person reloads the inbox once a second, approves one task every five seconds. */
const INBOX_EVERY_MS = 1_000;
const APPROVE_EVERY_MS = 5_000;

const tenths = (value: number) => Math.round(value * 10) / 10;

/**
 * Issue 5's latency bar: with a million tasks in the table (bulk-loaded, not
 * through workflows), C signed-in people load their inbox as the web app does
 * for S seconds, then approve real tasks (each a Temporal Update on a running
 * requisition workflow), first back to back (a closed loop: it finds the
 * throughput, and its latency is C / throughput), then paced like people who
 * pause between clicks. Prints the inbox query's plan, captured from the task
 * service, under EXPLAIN (ANALYZE, BUFFERS).
 */
export async function inbox(options: { tasks?: number; users?: number; c?: number; seconds?: number; smoke: boolean }) {
  const taskCount = options.tasks ?? (options.smoke ? 2_000 : 1_000_000);
  const userCount = options.users ?? (options.smoke ? 100 : 10_000);
  const c = options.c ?? (options.smoke ? 5 : 50);
  const seconds = options.seconds ?? (options.smoke ? 2 : 20);
  /** Approvals back to back, in all; then paced, per person. */
  const closedApprovals = options.smoke ? 4 : 10 * c;
  const pacedPerPerson = options.smoke ? 1 : 5;
  const org = planOrganisation(userCount, c);
  const stack = await startBenchStack();
  try {
    const { db } = stack.database;
    say(`loading ${userCount} people and ${taskCount} tasks into ${stack.databaseKind}`);
    const passwordHash = await hashPassword(DEMO_PASSWORD);
    const timed = async (run: () => Promise<void>) => {
      const started = performance.now();
      await run();
      return tenths((performance.now() - started) / 1000);
    };
    const load = {
      peopleSeconds: await timed(() => loadPeople(db, org, passwordHash)),
      tasksSeconds: await timed(() => loadTasks(db, org, taskCount)),
      analyzeSeconds: await timed(() => analyze(db)),
    };
    say(`  loaded in ${tenths(load.peopleSeconds + load.tasksSeconds + load.analyzeSeconds)} s`);

    const tokens = new Map<number, string>();
    await pool(org.benchUsers.length * 2, 4, async (index) => {
      const person = index < org.benchUsers.length ? org.benchUsers[index]! : org.benchRequesters.start + index - org.benchUsers.length;
      tokens.set(person, await stack.login(personEmail(person)));
    });
    const benchTokens = org.benchUsers.map((person) => tokens.get(person)!);
    say(`opening ${closedApprovals + pacedPerPerson * c} real approval tasks (requisitions over the API)`);
    let approvals = new Map<number, string[]>();
    const prepareSeconds = await timed(async () => {
      approvals = await openApprovals(stack, org, tokens, closedApprovals + pacedPerPerson * c);
    });
    const queues = (pick: (taskIds: string[]) => string[]) => org.benchUsers.map((person) => ({ token: tokens.get(person)!, taskIds: pick(approvals.get(person)!) }));
    const rows = await taskFacts(db);
    const sizes = await inboxSizes(db, org);

    say(`inbox: ${c} people load ${INBOX_PATH} for ${seconds} s, back to back, then once a second each`);
    // Warm-up, not counted: JIT, connection pools, the database's buffer cache.
    await loadInboxes(stack, benchTokens, { seconds: Math.min(3, seconds) });
    const inboxClosed = await measure(stack, 'inbox', () => loadInboxes(stack, benchTokens, { seconds }));
    const inboxPaced = await measure(stack, 'inbox', () => loadInboxes(stack, benchTokens, { seconds, everyMs: INBOX_EVERY_MS }));

    const heavy = org.benchUsers[0]!;
    const roleHolder = org.benchUsers.at(-1)!;
    const assignedTo = (person: number) => sizes.find((size) => size.index === person)?.assigned ?? 0;
    const plans = [
      { who: `the manager with the most open tasks (${assignedTo(heavy)} assigned)`, ...(await explainInbox(stack, tokens.get(heavy)!, INBOX_QUERY)) },
      { who: `a procurement manager (${assignedTo(roleHolder)} assigned, ${rows.pool} unclaimed in role pools)`, ...(await explainInbox(stack, tokens.get(roleHolder)!, INBOX_QUERY)) },
    ];

    say(`completion: ${closedApprovals} approvals back to back by ${c} people, then ${pacedPerPerson} each, one every ${APPROVE_EVERY_MS / 1000} s`);
    const completionClosed = await measure(stack, 'completion', () => approveAll(stack, queues((taskIds) => taskIds.slice(pacedPerPerson))));
    const completionPaced = await measure(stack, 'completion', () => approveAll(stack, queues((taskIds) => taskIds.slice(0, pacedPerPerson)), APPROVE_EVERY_MS));

    const assigned = sizes.map((size) => size.assigned).sort((a, b) => a - b);
    const report = {
      scenario: 'inbox',
      database: stack.databaseKind,
      mode: stack.mode,
      concurrency: c,
      seconds,
      load: { ...load, openApprovalsSeconds: prepareSeconds },
      rows: { ...rows, assignedPerBenchUser: { min: assigned[0] ?? 0, median: assigned[Math.floor(assigned.length / 2)] ?? 0, max: assigned.at(-1) ?? 0 } },
      inbox: inboxClosed,
      inboxPaced: { ...inboxPaced, everyMs: INBOX_EVERY_MS },
      completion: completionClosed,
      completionPaced: { ...completionPaced, everyMs: APPROVE_EVERY_MS },
      plans: plans.map(({ who, executionMs, sql, plan }) => ({ who, executionMs, sql, plan })),
      peakRssMb: stack.peakRssMb(),
    };
    say('');
    say(`inbox: ${rows.tasks} tasks, ${rows.users} people, ${c} of them signed in, ${report.database}, ${report.mode}`);
    say(`  load       people ${load.peopleSeconds} s, tasks ${load.tasksSeconds} s, analyze ${load.analyzeSeconds} s (INSERT … SELECT generate_series); ${prepareSeconds} s to open the approval tasks`);
    say(`  rows       ${rows.tasks} tasks: ${rows.open} open, ${rows.pool} of those unclaimed in role pools`);
    say(`  inboxes    open tasks assigned per signed-in person: min ${report.rows.assignedPerBenchUser.min}, median ${report.rows.assignedPerBenchUser.median}, max ${report.rows.assignedPerBenchUser.max}; ${org.benchUsers.filter((p) => p < org.managers.start).length} of them also see the procurement pool`);
    say('                                    count    p50 ms    p95 ms    p99 ms     per s   target p95');
    const lines = [
      ['inbox GET, back to back', report.inbox],
      [`inbox GET, each every ${INBOX_EVERY_MS / 1000} s`, report.inboxPaced],
      ['completion, back to back', report.completion],
      [`completion, each every ${APPROVE_EVERY_MS / 1000} s`, report.completionPaced],
    ] as const;
    for (const [name, value] of lines) {
      say(`  ${name.padEnd(31)}${String(value.count).padStart(7)}${String(value.p50).padStart(10)}${String(value.p95).padStart(10)}${String(value.p99).padStart(10)}${String(value.perSecond).padStart(10)}   < ${value.targetP95Ms} ms ${value.met ? 'met' : 'MISSED'}`);
    }
    for (const [name, value] of lines) say(`  CPU ms per request, ${name.padEnd(31)}${Object.entries(value.cpuMsPerRequest).map(([part, ms]) => `${part} ${ms ?? '?'}`).join(', ')}`);
    for (const plan of plans) {
      say(`  plan of the inbox query for ${plan.who}: ${plan.executionMs} ms in the database`);
      for (const line of plan.plan) say(`    ${line}`);
    }
    say(`  query      ${plans[0]!.sql}`);
    say(`  peak RSS   ${Object.entries(report.peakRssMb).map(([part, mb]) => `${part} ${mb} MB`).join(', ')}`);
    writeReport('inbox', report);
  } finally {
    await stack.stop();
  }
}

/** Latency percentiles, rate, the target, and the CPU each part spent per request while `run` ran. */
async function measure(stack: BenchStack, kind: keyof typeof TARGET_P95_MS, run: () => Promise<Samples>) {
  const before = await stack.cpuSeconds();
  const { latencies, seconds } = await run();
  const after = await stack.cpuSeconds();
  const stats = latencyStats(latencies);
  // stack.cpuSeconds() counts PostgreSQL backends alive at the reading: one that closed in between (idle pool
  // connections do) takes its CPU with it, so that part reads low, or below zero, which is no reading at all.
  const cpuMsPerRequest = Object.fromEntries(
    Object.keys(after).map((part) => {
      const spent = (after[part] ?? 0) - (before[part] ?? 0);
      return [part, spent < 0 ? null : tenths((spent * 1000) / Math.max(1, latencies.length))];
    }),
  );
  return { ...stats, perSecond: tenths(latencies.length / seconds), targetP95Ms: TARGET_P95_MS[kind], met: stats.p95 < TARGET_P95_MS[kind], cpuMsPerRequest };
}
