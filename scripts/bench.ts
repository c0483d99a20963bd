/**
 * `npm run bench -- <scenario> [--flags]`: measurements that print numbers,
 * run outside the test suite. Each scenario starts what it needs: a Temporal
 * dev server (the binary found as for the tests), the database from
 * DATABASE_URL or an in-memory PGlite, a worker and the API in this process.
 *
 *   timeline    [--rounds 25] [--requests 50]   server-side time to build one process's merged history
 *   throughput  [--n 500] [--c 20]              requisition chains (submit + 2 approvals) per second over HTTP,
 *                                               beside a bare-Temporal baseline (starts + Updates, no activities)
 *   --smoke                                   tiny sizes, for CI to keep the scenarios from rotting
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection } from '@temporalio/worker';
import { searchAttributeNames } from '@p2p/domain';
import { createApp } from '../api/app.ts';
import { loadApiConfig } from '../api/config.ts';
import { silentLogger } from '../api/logger.ts';
import { startHttpServer } from '../api/server.ts';
import { createRateLimiter } from '../api/middleware/rate-limit.ts';
import { hashPassword } from '../api/services/credentials.ts';
import { createTaskEventBus } from '../api/task-events.ts';
import { createTemporalGateway } from '../api/temporal.ts';
import { openDatabase } from '../db/client.ts';
import { DEMO_PASSWORD, demoEmail, seedDemoData } from '../db/seed.ts';
import { createActivityDeps } from '../worker/activity-deps.ts';
import { installTemporalRuntime } from '../worker/runtime.ts';
import { createWorker } from '../worker/worker.ts';
import { devServerDynamicConfig } from './dev-temporal.ts';
import { findExecutable } from './temporal-cli.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string' }, requests: { type: 'string' }, n: { type: 'string' }, c: { type: 'string' }, smoke: { type: 'boolean', default: false } },
});
const scenario = positionals[0] ?? 'timeline';
const say = (line: string) => process.stdout.write(`${line}\n`);

const percentile = (samples: number[], p: number) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

async function startStack() {
  installTemporalRuntime();
  const path = findExecutable('temporal', { explicitPath: process.env.TEMPORAL_CLI_PATH, install: true, log: say });
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ...(path ? { executable: { type: 'existing-path' as const, path } } : {}),
      searchAttributes: searchAttributeNames.map((name) => defineSearchAttributeKey(name, SearchAttributeType.KEYWORD)),
      extraArgs: [...devServerDynamicConfig, '--log-level', 'error'],
    },
  });
  const database = await openDatabase(process.env.DATABASE_URL ? { kind: 'postgres', url: process.env.DATABASE_URL } : { kind: 'pglite' });
  await database.migrate();
  await seedDemoData(database.db, hashPassword);
  const taskQueue = `bench-${randomUUID()}`;
  const secret = 'bench-secret-for-action-links-0123456789';
  const config = loadApiConfig({ NODE_ENV: 'test', TEMPORAL_TASK_QUEUE: taskQueue, SESSION_SECRET: secret, RATE_LIMIT_PER_MINUTE: '10000000', LOGIN_RATE_LIMIT_PER_MINUTE: '100000' });
  const temporal = createTemporalGateway({ address: env.address, namespace: 'default' });
  const taskEvents = await createTaskEventBus(database, silentLogger);
  const app = createApp({ config, db: database.db, database, temporal, logger: silentLogger, rateLimiter: createRateLimiter(), taskEvents, actionLinkSecret: secret, clock: () => new Date() });
  const connection = await NativeConnection.connect({ address: env.address });
  const worker = await createWorker({ connection, namespace: 'default', taskQueue, deps: createActivityDeps({ db: database.db, mailFrom: 'bench@localhost', secret, publicUrl: 'http://localhost:3000' }) });
  const running = worker.run();
  const http = await startHttpServer({ app, port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${http.port}/api/v1`;
  /** Over real HTTP (keep-alive), as a client would: for the throughput numbers. */
  const fetchJson = async (method: string, path: string, token?: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const response = await app.request(`/api/v1${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const login = async (key: string) => (await call('POST', '/auth/login', undefined, { email: demoEmail(key), password: DEMO_PASSWORD })).body.token as string;
  return {
    call,
    fetchJson,
    login,
    address: env.address,
    client: env.client,
    taskQueue,
    stop: async () => {
      await http.close();
      worker.shutdown();
      await running;
      await connection.close();
      await taskEvents.close();
      await temporal.close();
      await database.close();
      await env.teardown();
    },
  };
}

async function waitForTask(stack: Awaited<ReturnType<typeof startStack>>, token: string, requisitionId: string, kind: string) {
  for (let attempt = 0; attempt < 400; attempt += 1) {
    const items = (await stack.call('GET', `/tasks?subjectId=${requisitionId}`, token)).body.items as { id: string; kind: string }[];
    const task = items.find((t) => t.kind === kind);
    if (task) return task.id;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no ${kind} task for ${requisitionId}`);
}

/** Issue 4's bar: a process with about 500 history events renders its timeline in under 300 ms server-side. */
async function timeline() {
  const rounds = Number(values.rounds ?? (values.smoke ? 2 : 25));
  const requests = Number(values.requests ?? (values.smoke ? 3 : 50));
  const stack = await startStack();
  try {
    const requester = await stack.login('requester');
    const manager = await stack.login('manager');
    const created = (await stack.call('POST', '/requisitions', requester, { title: 'Timeline bench', purpose: 'daily_operations', lines: [{ description: 'x', quantity: '1', unit: 'each', unitPrice: '10.00' }] })).body;
    const submitted = (await stack.call('POST', `/requisitions/${created.id as string}/submit`, requester)).body;
    const workflowId = submitted.workflowId as string;
    // Each question-and-answer round adds two tasks, two decisions, their activities and audit entries.
    for (let round = 0; round < rounds; round += 1) {
      const approval = await waitForTask(stack, manager, created.id as string, 'requisition_approval');
      await stack.call('POST', `/tasks/${approval}/complete`, manager, { action: 'question', comment: `Question ${round + 1}` });
      const answer = await waitForTask(stack, requester, created.id as string, 'requisition_answer');
      await stack.call('POST', `/tasks/${answer}/complete`, requester, { action: 'answer', comment: `Answer ${round + 1}` });
    }
    const auditor = await stack.login('auditor');
    const first = await stack.call('GET', `/processes/${workflowId}/history?limit=2000`, auditor);
    const items = first.body.items as { source: string }[];
    const samples: number[] = [];
    for (let i = 0; i < requests; i += 1) {
      const started = performance.now();
      const response = await stack.call('GET', `/processes/${workflowId}/history?limit=2000`, auditor);
      samples.push(performance.now() - started);
      if (response.status !== 200) throw new Error(`history answered ${response.status}`);
    }
    const report = {
      scenario: 'timeline',
      database: process.env.DATABASE_URL ? 'postgresql' : 'pglite',
      timelineItems: items.length,
      auditItems: items.filter((i) => i.source === 'audit').length,
      engineItems: items.filter((i) => i.source === 'engine').length,
      requests,
      p50ms: Math.round(percentile(samples, 50) * 10) / 10,
      p95ms: Math.round(percentile(samples, 95) * 10) / 10,
      maxMs: Math.round(Math.max(...samples) * 10) / 10,
      targetP95Ms: 300,
    };
    say('');
    say('timeline: server-side time to build one merged process history');
    say(`  items in the timeline   ${report.timelineItems} (${report.auditItems} audit, ${report.engineItems} engine)`);
    say(`  requests                ${report.requests}`);
    say(`  p50 / p95 / max         ${report.p50ms} / ${report.p95ms} / ${report.maxMs} ms   (target p95 < ${report.targetP95Ms} ms)`);
    say(JSON.stringify(report));
  } finally {
    await stack.stop();
  }
}

/**
 * Issue 5's throughput bar: N requisitions, each submitted and approved at two
 * levels over HTTP by C concurrent clients, against the same number of bare
 * workflow starts + two Updates through the Temporal client. Target: our
 * chains per second at least half of the baseline's.
 */
async function throughput() {
  const n = Number(values.n ?? (values.smoke ? 4 : 500));
  const c = Number(values.c ?? (values.smoke ? 2 : 20));
  const stack = await startStack();
  const rss = { peakMb: 0 };
  const sampler = setInterval(() => {
    rss.peakMb = Math.max(rss.peakMb, process.memoryUsage().rss / 1_048_576);
  }, 100);
  try {
    const requester = await stack.login('requester');
    const manager = await stack.login('manager');
    const procurement = await stack.login('procurement_manager');
    const latency: Record<string, number[]> = { create: [], submit: [], approve: [] };
    const timed = async <T>(kind: string, run: () => Promise<T>) => {
      const started = performance.now();
      const result = await run();
      latency[kind]!.push(performance.now() - started);
      return result;
    };
    const waitTask = async (token: string, requisitionId: string) => {
      for (let attempt = 0; attempt < 2000; attempt += 1) {
        const items = (await stack.fetchJson('GET', `/tasks?subjectId=${requisitionId}`, token)).body.items as { id: string }[] | undefined;
        if (items?.[0]) return items[0].id;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`no task for ${requisitionId}`);
    };
    const chain = async (index: number) => {
      const created = await timed('create', () => stack.fetchJson('POST', '/requisitions', requester, { title: `Bench ${index}`, purpose: 'daily_operations', lines: [{ description: 'Part', quantity: '1', unit: 'each', unitPrice: '5000.00' }] }));
      const id = created.body.id as string;
      const submitted = await timed('submit', () => stack.fetchJson('POST', `/requisitions/${id}/submit`, requester));
      if (submitted.status !== 202) throw new Error(`submit answered ${submitted.status}`);
      for (const token of [manager, procurement]) {
        const taskId = await waitTask(token, id);
        const done = await timed('approve', () => stack.fetchJson('POST', `/tasks/${taskId}/complete`, token, { action: 'approve' }));
        if (done.status !== 200) throw new Error(`approve answered ${done.status}: ${JSON.stringify(done.body)}`);
      }
    };
    const pool = async <T>(count: number, concurrency: number, work: (index: number) => Promise<T>) => {
      let next = 0;
      await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
        while (next < count) await work(next++);
      }));
    };

    const ourStart = performance.now();
    await pool(n, c, chain);
    const ourSeconds = (performance.now() - ourStart) / 1000;

    const baselineStart = performance.now();
    await pool(n, c, async (index) => {
      const handle = await stack.client.workflow.start('baselineWorkflow', { taskQueue: stack.taskQueue, workflowId: `baseline-${randomUUID()}-${index}` });
      await handle.executeUpdate('completeBaseline', { args: [{ by: 'manager' }] }).catch(() => undefined);
      await handle.result();
    });
    const baselineSeconds = (performance.now() - baselineStart) / 1000;

    const ours = n / ourSeconds;
    const baseline = n / baselineSeconds;
    const stats = (samples: number[]) => ({ p50: Math.round(percentile(samples, 50)), p95: Math.round(percentile(samples, 95)), p99: Math.round(percentile(samples, 99)) });
    const report = {
      scenario: 'throughput',
      database: process.env.DATABASE_URL ? 'postgresql' : 'pglite',
      chains: n,
      concurrency: c,
      chainsPerSecond: Math.round(ours * 100) / 100,
      baselinePerSecond: Math.round(baseline * 100) / 100,
      ratio: Math.round((ours / baseline) * 100) / 100,
      latencyMs: { create: stats(latency.create!), submit: stats(latency.submit!), approve: stats(latency.approve!) },
      peakRssMb: Math.round(rss.peakMb),
    };
    say('');
    say(`throughput: ${n} requisition chains (submit + 2 approvals over HTTP), ${c} concurrent clients, one worker`);
    say(`  ours       ${report.chainsPerSecond} chains/s`);
    say(`  baseline   ${report.baselinePerSecond} workflows/s (start + Update, no activities)`);
    say(`  ratio      ${report.ratio}   (target >= 0.5)`);
    for (const [kind, value] of Object.entries(report.latencyMs)) say(`  ${kind.padEnd(10)} p50 ${value.p50} ms, p95 ${value.p95} ms, p99 ${value.p99} ms`);
    say(`  peak RSS   ${report.peakRssMb} MB (API + worker in one process)`);
    say(JSON.stringify(report));
  } finally {
    clearInterval(sampler);
    await stack.stop();
  }
}

const scenarios: Record<string, () => Promise<void>> = { timeline, throughput };
const run = scenarios[scenario];
if (!run) {
  say(`unknown scenario "${scenario}"; one of: ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}
await run();
