/**
 * The system under measurement, started the way it runs for users:
 *
 * - a Temporal dev server (the CLI binary, SQLite file in a temp folder);
 * - the database: a fresh PostgreSQL database on the server DATABASE_URL
 *   names, or an in-memory PGlite;
 * - with PostgreSQL, the API (`api/main.ts`) and one worker (`worker/main.ts`)
 *   as separate processes, so their memory is measured apart and each can be
 *   killed; with PGlite (one client only), both in this process, as `npm start`
 *   runs them.
 *
 * The benchmark and chaos scripts talk to it over HTTP, like any client.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import postgres from 'postgres';
import { createApp } from '../../api/app.ts';
import { loadApiConfig } from '../../api/config.ts';
import { silentLogger } from '../../api/logger.ts';
import { createRateLimiter } from '../../api/middleware/rate-limit.ts';
import { startHttpServer, type HttpServer } from '../../api/server.ts';
import { hashPassword } from '../../api/services/credentials.ts';
import { createDashboardEventBus, createTaskEventBus, type DashboardEventBus, type TaskEventBus } from '../../api/task-events.ts';
import { createTemporalGateway } from '../../api/temporal.ts';
import { startAuditSealer } from '../../db/audit-sealer.ts';
import { openDatabase, type DatabaseHandle } from '../../db/client.ts';
import { DEMO_PASSWORD, demoEmail, seedDemoData } from '../../db/seed.ts';
import { createActivityDeps } from '../../worker/activity-deps.ts';
import { parseKeyring } from '../../config/personal-data-keys.ts';
import { createPersonalDataCipher } from '../../db/encryption.ts';

/** The bench's own key: its data is thrown away after the run. */
const BENCH_PERSONAL_DATA_KEYS = `bench:${Buffer.alloc(32, 2).toString('base64')}`;
import { installTemporalRuntime } from '../../worker/runtime.ts';
import { createWorker } from '../../worker/worker.ts';
import { killChild, startDevTemporal, stopChild, type DevTemporal } from '../dev-temporal.ts';
import { say, sleep } from './support.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SECRET = 'bench-secret-for-action-links-0123456789';

export type Part = 'api' | 'worker' | 'temporal';

export interface StackOptions {
  /** Separate API and worker processes (needs PostgreSQL). Default: whenever DATABASE_URL is set. */
  processes?: boolean;
  /** SMTP server the worker hands mail to; without it mail stays in the outbox (dev mode). */
  smtpUrl?: string;
  /** Extra environment for the API and worker (e.g. WORKER_MAX_CONCURRENT_ACTIVITIES). */
  env?: Record<string, string>;
}

export interface JsonAnswer {
  status: number;
  body: Record<string, unknown>;
}

export interface BenchStack {
  mode: 'processes' | 'in-process';
  databaseKind: 'postgresql' | 'pglite';
  /** The benchmark's own handle on the same database (in-process: the shared one). */
  database: DatabaseHandle;
  /** Server URL of the database, for processes that need their own connection. */
  databaseUrl: string | undefined;
  temporalAddress: string;
  taskQueue: string;
  /** A Temporal client for the bare baseline. */
  client: Client;
  apiUrl: string;
  /** A JSON request over HTTP; network errors reject. */
  fetchJson(method: string, path: string, token?: string, body?: unknown, headers?: Record<string, string>): Promise<JsonAnswer>;
  /** A demo person's key (e.g. "manager") or any e-mail; the demo password. */
  login(key: string): Promise<string>;
  /** Peak resident memory per process in MB, over every incarnation so far. */
  peakRssMb(): Record<string, number>;
  /**
   * The API's memory now, in MB: its resident set (a process of its own, or
   * this one in process), and its V8 heap where it can be read (in process
   * only: a separate API process's heap is not visible from here).
   */
  apiMemoryMb(): { rss: number; heapUsed: number | null };
  /** CPU seconds used so far per part: API, worker, Temporal server, this process, and this database's PostgreSQL backends. */
  cpuSeconds(): Promise<Record<string, number>>;
  /** SIGKILL one part (processes mode), as a crash. */
  kill(part: Part): Promise<void>;
  /** Starts a killed part again (Temporal on the same SQLite file and port). */
  restart(part: Part): Promise<void>;
  /** The last output of a child process, for diagnosing a failed run. */
  logs(part: 'api' | 'worker'): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** CPU seconds (user + system) a live process has used so far; 0 once it is gone. */
export function cpuSecondsOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** A memory line of a live process's status in MB (VmHWM: its peak resident set; VmRSS: now); 0 once it is gone. */
function statusMbOf(pid: number | undefined, field: 'VmHWM' | 'VmRSS'): number {
  if (!pid) return 0;
  try {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}
const peakRssOf = (pid: number | undefined) => statusMbOf(pid, 'VmHWM');

async function createServerDatabase(serverUrl: string) {
  const name = `p2p_bench_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const cleanup = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

interface ChildPart {
  child: ChildProcess | undefined;
  output: string;
  peakMb: number;
}

export async function startBenchStack(options: StackOptions = {}): Promise<BenchStack> {
  const serverUrl = process.env.DATABASE_URL || undefined;
  const processes = options.processes ?? Boolean(serverUrl);
  if (processes && !serverUrl) throw new Error('separate API and worker processes need PostgreSQL: set DATABASE_URL (PGlite allows one client)');

  const dataDir = mkdtempSync(join(tmpdir(), 'p2p-bench-'));
  const temporalPort = await freePort();
  const startTemporal = () => startDevTemporal({ dataDir, namespace: 'default', port: temporalPort, headless: true, cliPath: process.env.TEMPORAL_CLI_PATH, log: say });
  let temporal: DevTemporal = await startTemporal();
  const temporalAddress = temporal.address;

  const serverDatabase = serverUrl ? await createServerDatabase(serverUrl) : undefined;
  const database = await openDatabase(serverDatabase ? { kind: 'postgres', url: serverDatabase.url, maxConnections: 20 } : { kind: 'pglite' });
  await database.migrate();
  await seedDemoData(database.db, hashPassword);
  /** Its own connection, for reading PostgreSQL's statistics. */
  const databaseStats = serverDatabase ? postgres(serverDatabase.url, { max: 1, onnotice: () => {} }) : undefined;

  const taskQueue = `bench-${randomUUID()}`;
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection, namespace: 'default' });
  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}/api/v1`;
  const sharedEnv: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    SESSION_SECRET: SECRET,
    PERSONAL_DATA_KEYS: BENCH_PERSONAL_DATA_KEYS,
    PUBLIC_URL: `http://127.0.0.1:${apiPort}`,
    ...(serverDatabase ? { DATABASE_URL: serverDatabase.url } : {}),
    ...(options.smtpUrl ? { SMTP_URL: options.smtpUrl } : {}),
    ...options.env,
  };
  const parts: Record<'api' | 'worker', ChildPart> = { api: { child: undefined, output: '', peakMb: 0 }, worker: { child: undefined, output: '', peakMb: 0 } };
  const sampleRss = () => {
    for (const part of Object.values(parts)) part.peakMb = Math.max(part.peakMb, peakRssOf(part.child?.pid));
  };
  const sampler = setInterval(sampleRss, 200);

  const spawnPart = async (name: 'api' | 'worker') => {
    const entry = name === 'api' ? 'api/main.ts' : 'worker/main.ts';
    const env = {
      ...process.env,
      ...sharedEnv,
      ...(name === 'api' ? { PORT: String(apiPort), HOST: '127.0.0.1', DEMO_DATA: 'false', RATE_LIMIT_PER_MINUTE: '100000000', LOGIN_RATE_LIMIT_PER_MINUTE: '1000000' } : {}),
    };
    // BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the API and the worker.
    const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', entry], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const part = parts[name];
    part.child = child;
    /** This incarnation's own output: after a restart, the last one's "worker running" must not count. */
    let started = '';
    const keep = (chunk: Buffer) => {
      part.output = (part.output + chunk.toString()).slice(-20_000);
      if (started.length < 20_000) started += chunk.toString();
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited while starting: ${part.output.slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`${name} did not start within 90 s: ${part.output.slice(-3000)}`);
      if (name === 'worker' && started.includes('worker running')) return;
      if (name === 'api') {
        const ready = await fetch(`${apiUrl}/health`).then((r) => r.ok, () => false);
        if (ready) return;
      }
      await sleep(100);
    }
  };

  let inProcess: { http: HttpServer; taskEvents: TaskEventBus; dashboardEvents: DashboardEventBus; stopWorker: () => Promise<void>; closeTemporal: () => Promise<void>; stopAuditSealer: () => Promise<void> } | undefined;
  if (processes) {
    await Promise.all([spawnPart('api'), spawnPart('worker')]);
  } else {
    installTemporalRuntime();
    const config = loadApiConfig({ ...sharedEnv, RATE_LIMIT_PER_MINUTE: '100000000', LOGIN_RATE_LIMIT_PER_MINUTE: '1000000' });
    const gateway = createTemporalGateway({ address: temporalAddress, namespace: 'default' });
    const taskEvents = await createTaskEventBus(database, silentLogger);
    const dashboardEvents = await createDashboardEventBus(database, silentLogger);
    const app = createApp({ config, db: database.db, database, temporal: gateway, logger: silentLogger, rateLimiter: createRateLimiter(), taskEvents, dashboardEvents, actionLinkSecret: SECRET, personalData: createPersonalDataCipher(parseKeyring(BENCH_PERSONAL_DATA_KEYS)), clock: () => new Date() });
    const native = await NativeConnection.connect({ address: temporalAddress });
    const worker = await createWorker({
      connection: native,
      namespace: 'default',
      taskQueue,
      deps: createActivityDeps({ db: database.db, smtpUrl: options.smtpUrl, mailFrom: 'bench@localhost', secret: SECRET, publicUrl: sharedEnv.PUBLIC_URL!, personalDataKeys: parseKeyring(BENCH_PERSONAL_DATA_KEYS) }),
    });
    const running = worker.run();
    const http = await startHttpServer({ app, port: apiPort, host: '127.0.0.1' });
    // As api/bootstrap.ts does: the measured writes include sealing the audit chain.
    const stopAuditSealer = startAuditSealer(database.db);
    inProcess = {
      http,
      taskEvents,
      dashboardEvents,
      stopAuditSealer,
      stopWorker: async () => {
        worker.shutdown();
        await running;
        await native.close();
      },
      closeTemporal: () => gateway.close(),
    };
  }

  const fetchJson = async (method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonAnswer> => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = { text };
    }
    return { status: response.status, body: parsed };
  };

  return {
    mode: processes ? 'processes' : 'in-process',
    databaseKind: serverDatabase ? 'postgresql' : 'pglite',
    database,
    databaseUrl: serverDatabase?.url,
    temporalAddress,
    taskQueue,
    client,
    apiUrl,
    fetchJson,
    login: async (key) => {
      const answer = await fetchJson('POST', '/auth/login', undefined, { email: key.includes('@') ? key : demoEmail(key), password: DEMO_PASSWORD });
      if (answer.status !== 200) throw new Error(`login ${key} answered ${answer.status}`);
      return answer.body.token as string;
    },
    peakRssMb: (): Record<string, number> => {
      sampleRss();
      if (!processes) return { 'api+worker+bench': Math.round(process.resourceUsage().maxRSS / 1024) };
      return { api: Math.round(parts.api.peakMb), worker: Math.round(parts.worker.peakMb) };
    },
    apiMemoryMb: () => {
      if (processes) return { rss: statusMbOf(parts.api.child?.pid, 'VmRSS'), heapUsed: null };
      const usage = process.memoryUsage();
      return { rss: usage.rss / 1024 ** 2, heapUsed: usage.heapUsed / 1024 ** 2 };
    },
    kill: async (part) => {
      if (part === 'temporal') return temporal.kill();
      const { child } = parts[part];
      if (!child) throw new Error(`${part} runs in this process: kill needs processes mode (PostgreSQL)`);
      sampleRss();
      await killChild(child);
    },
    restart: async (part) => {
      if (part === 'temporal') {
        temporal = await startTemporal();
        return;
      }
      await spawnPart(part);
    },
    cpuSeconds: async () => {
      const backends = serverDatabase ? await databaseStats!<{ pid: number }[]>`select pid from pg_stat_activity where datname = current_database()` : [];
      const own = process.cpuUsage();
      return {
        ...(processes
          ? { api: cpuSecondsOf(parts.api.child?.pid), worker: cpuSecondsOf(parts.worker.child?.pid), bench: (own.user + own.system) / 1e6 }
          : { 'api+worker+bench': (own.user + own.system) / 1e6 }),
        temporal: cpuSecondsOf(temporal.pid),
        ...(serverDatabase ? { postgres: backends.reduce((sum, row) => sum + cpuSecondsOf(row.pid), 0) } : {}),
      };
    },
    logs: (part) => parts[part].output,
    stop: async () => {
      clearInterval(sampler);
      for (const part of Object.values(parts)) if (part.child) await stopChild(part.child);
      if (inProcess) {
        await inProcess.http.close();
        await inProcess.stopWorker();
        await inProcess.stopAuditSealer();
        await inProcess.taskEvents.close();
        await inProcess.dashboardEvents.close();
        await inProcess.closeTemporal();
      }
      await connection.close();
      await databaseStats?.end();
      await database.close();
      await serverDatabase?.drop();
      await temporal.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
