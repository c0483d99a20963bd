/**
 * The app as `npm start` runs it, for the API fuzzer: embedded defaults
 * (PGlite in a data folder, the worker and the API in one process, the demo
 * company and its demo processes), on a fresh data folder and free ports.
 * The only settings it changes are the limits meant for people: a fuzzer
 * sends thousands of requests a minute from one address and signs in with
 * wrong passwords, also for the accounts it runs as.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { startApi } from '../../api/bootstrap.ts';
import { loadApiConfig } from '../../api/config.ts';
import { seedDemoProcesses } from '../../api/demo-processes.ts';
import { silentLogger } from '../../api/logger.ts';
import type { DatabaseHandle } from '../../db/client.ts';
import { createActivityDeps } from '../../worker/activity-deps.ts';
import { resolvePersonalDataKeys } from '../../config/personal-data-keys.ts';
import { installTemporalRuntime } from '../../worker/runtime.ts';
import { createWorker } from '../../worker/worker.ts';
import { freePort } from '../bench/stack.ts';
import { startDevTemporal, type DevTemporal } from '../dev-temporal.ts';

export interface FuzzStack {
  /** Origin of the API and the web app, e.g. http://127.0.0.1:39123 */
  url: string;
  stop(): Promise<void>;
}

export interface FuzzStackOptions {
  /** A running Temporal server (the test run's); otherwise a dev server of its own on a free port. */
  temporalAddress?: string;
  /** A fresh, empty database instead of PGlite in the data folder (the test suite passes its own). */
  database?: DatabaseHandle;
  /** A prebuilt workflow bundle (the test run's) instead of bundling the workflows again. */
  workflowBundlePath?: string;
  log?: (line: string) => void;
}

/** The limits for people, out of a fuzzer's reach: every request gets to the logic (the limiters have tests of their own). */
export const fuzzLimits = {
  RATE_LIMIT_PER_MINUTE: '100000000',
  LOGIN_RATE_LIMIT_PER_MINUTE: '100000000',
  LOGIN_LOCKOUT_FAILURES: '100000000',
};

export async function startFuzzStack(options: FuzzStackOptions = {}): Promise<FuzzStack> {
  const log = options.log ?? (() => {});
  const dataDir = mkdtempSync(join(tmpdir(), 'p2p-fuzz-'));
  let temporal: DevTemporal | undefined;
  let temporalAddress = options.temporalAddress;
  if (!temporalAddress) {
    temporal = await startDevTemporal({ dataDir, namespace: 'default', port: await freePort(), headless: true, log });
    temporalAddress = temporal.address;
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = loadApiConfig({ DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', TEMPORAL_TASK_QUEUE: `fuzz-${port}`, ...fuzzLimits });
  const api = await startApi(config, { logger: silentLogger, temporalAddress, ...(options.database ? { database: options.database } : {}) });

  installTemporalRuntime();
  const connection = await NativeConnection.connect({ address: temporalAddress });
  const worker = await createWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    deps: createActivityDeps({ db: api.database.db, mailFrom: config.MAIL_FROM, secret: api.deps.actionLinkSecret, publicUrl: url, personalDataKeys: resolvePersonalDataKeys(config).keyring }),
    ...(options.workflowBundlePath ? { workflowBundle: { codePath: options.workflowBundlePath } } : {}),
  });
  const running = worker.run();
  // As `npm start` does: a newcomer (and the fuzzer) meets processes in every state.
  if (api.demoSeeded) await seedDemoProcesses(api.deps);
  log(`app on ${url} (data in ${dataDir})`);
  return {
    url,
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
      await api.close();
      await temporal?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
