import { randomUUID } from 'node:crypto';
import { openInboxFeed } from './inbox-feed.ts';
import { engineProfile } from './profile.ts';
import { startBenchStack } from './stack.ts';
import { latencyStats, pool, say, writeReport } from './support.ts';

/** Decisions in one chain: the line manager, then the procurement manager (a 5,000.00 requisition). */
const APPROVALS = 2;

/**
 * Issue 5's throughput bar: N requisitions, each created, submitted and
 * approved at two levels over HTTP by C concurrent clients, against the same
 * number of bare workflow starts + two Updates each through the Temporal
 * client, in the same run and on the same worker. Target: our chains per
 * second at least half of the baseline's.
 */
export async function throughput(options: { n?: number; c?: number; smoke: boolean }) {
  const n = options.n ?? (options.smoke ? 4 : 500);
  const c = options.c ?? (options.smoke ? 2 : 20);
  const stack = await startBenchStack();
  try {
    const requester = await stack.login('requester');
    const latency: Record<'create' | 'submit' | 'inbox' | 'approve', number[]> = { create: [], submit: [], inbox: [], approve: [] };
    const approvers = [await stack.login('manager'), await stack.login('procurement_manager')];
    // Each approver watches a live inbox, as in the web app: SSE says a task arrived, one GET reads it.
    const feeds = await Promise.all(approvers.map((token) => openInboxFeed(stack, token, (ms) => latency.inbox.push(ms))));
    const timed = async <T>(kind: keyof typeof latency, run: () => Promise<T>) => {
      const started = performance.now();
      const result = await run();
      latency[kind].push(performance.now() - started);
      return result;
    };
    const workflowIds: string[] = [];
    const chain = async (index: number) => {
      const created = await timed('create', () => stack.fetchJson('POST', '/requisitions', requester, { title: `Bench ${index}`, purpose: 'daily_operations', lines: [{ description: 'Part', quantity: '1', unit: 'each', unitPrice: '5000.00' }] }));
      if (created.status !== 201) throw new Error(`create answered ${created.status}: ${JSON.stringify(created.body)}`);
      const id = created.body.id as string;
      const submitted = await timed('submit', () => stack.fetchJson('POST', `/requisitions/${id}/submit`, requester));
      if (submitted.status !== 202) throw new Error(`submit answered ${submitted.status}: ${JSON.stringify(submitted.body)}`);
      workflowIds.push(submitted.body.workflowId as string);
      for (const [step, token] of approvers.entries()) {
        const taskId = await feeds[step]!.next(id);
        const done = await timed('approve', () => stack.fetchJson('POST', `/tasks/${taskId}/complete`, token, { action: 'approve' }));
        if (done.status !== 200) throw new Error(`approve answered ${done.status}: ${JSON.stringify(done.body)}`);
      }
    };

    const cpuAtStart = await stack.cpuSeconds();
    const ourStart = performance.now();
    await pool(n, c, chain);
    const ourSeconds = (performance.now() - ourStart) / 1000;
    const cpuAfterOurs = await stack.cpuSeconds();

    await Promise.all(feeds.map((feed) => feed.close()));

    const baselineLatency: number[] = [];
    const baselineStart = performance.now();
    await pool(n, c, async (index) => {
      const started = performance.now();
      const handle = await stack.client.workflow.start('baselineWorkflow', { taskQueue: stack.taskQueue, workflowId: `baseline-${randomUUID()}-${index}`, args: [{ updates: APPROVALS }] });
      for (let update = 0; update < APPROVALS; update += 1) await handle.executeUpdate('completeBaseline', { args: [{ by: `approver-${update}` }] });
      await handle.result();
      baselineLatency.push(performance.now() - started);
    });
    const baselineSeconds = (performance.now() - baselineStart) / 1000;
    const cpuAfterBaseline = await stack.cpuSeconds();
    /** CPU milliseconds each part spent per chain (or per baseline workflow). */
    const cpuPer = (from: Record<string, number>, to: Record<string, number>) =>
      Object.fromEntries(Object.keys(to).map((part) => [part, Math.round((((to[part] ?? 0) - (from[part] ?? 0)) * 1000) / n)]));
    const engine = await engineProfile(stack.client, workflowIds.slice(0, 50));

    const ours = n / ourSeconds;
    const baseline = n / baselineSeconds;
    const report = {
      scenario: 'throughput',
      database: stack.databaseKind,
      mode: stack.mode,
      chains: n,
      concurrency: c,
      seconds: Math.round(ourSeconds * 10) / 10,
      chainsPerSecond: Math.round(ours * 100) / 100,
      baselineSeconds: Math.round(baselineSeconds * 10) / 10,
      baselinePerSecond: Math.round(baseline * 100) / 100,
      ratio: Math.round((ours / baseline) * 100) / 100,
      latencyMs: {
        create: latencyStats(latency.create),
        submit: latencyStats(latency.submit),
        inbox: latencyStats(latency.inbox),
        approve: latencyStats(latency.approve),
        baselineWorkflow: latencyStats(baselineLatency),
      },
      peakRssMb: stack.peakRssMb(),
      cpuMsPerChain: cpuPer(cpuAtStart, cpuAfterOurs),
      cpuMsPerBaselineWorkflow: cpuPer(cpuAfterOurs, cpuAfterBaseline),
      engine,
    };
    say('');
    say(`throughput: ${n} requisition chains (create, submit, ${APPROVALS} approvals over HTTP), ${c} concurrent clients, one worker, ${report.database}, ${report.mode}`);
    say(`  ours       ${report.chainsPerSecond} chains/s   (${report.seconds} s)`);
    say(`  baseline   ${report.baselinePerSecond} workflows/s (start + ${APPROVALS} Updates, no activities; ${report.baselineSeconds} s)`);
    say(`  ratio      ${report.ratio}   (target >= 0.5)`);
    say('  latency    count     p50 ms    p95 ms    p99 ms');
    for (const [kind, value] of Object.entries(report.latencyMs)) say(`  ${kind.padEnd(17)}${String(value.count).padStart(6)}${String(value.p50).padStart(10)}${String(value.p95).padStart(10)}${String(value.p99).padStart(10)}`);
    say('  CPU ms per chain      ' + Object.entries(report.cpuMsPerChain).map(([part, value]) => `${part} ${value}`).join(', '));
    say('  CPU ms per baseline   ' + Object.entries(report.cpuMsPerBaselineWorkflow).map(([part, value]) => `${part} ${value}`).join(', '));
    say(`  engine, per chain (${engine.workflows} sampled)   count   queue ms   run ms`);
    for (const [type, value] of [['workflow tasks', engine.workflowTasks] as const, ...Object.entries(engine.activities)]) {
      const local = type.endsWith('(local)');
      say(`    ${type.padEnd(28)}${String(value.perWorkflow).padStart(6)}${(local ? '-' : String(value.queueMs)).padStart(10)}${(local ? 'in task' : String(value.runMs)).padStart(9)}`);
    }
    say(`  peak RSS   ${Object.entries(report.peakRssMb).map(([part, mb]) => `${part} ${mb} MB`).join(', ')}`);
    writeReport('throughput', report);
  } finally {
    await stack.stop();
  }
}
