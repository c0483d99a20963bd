import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import type { MailTransport } from '../../activities/mail/transport.ts';
import type { Database } from '../../db/client.ts';
import { createActivityDeps } from '../../worker/activity-deps.ts';
import { installTemporalRuntime } from '../../worker/runtime.ts';
import { createWorker, type CreateWorkerParams } from '../../worker/worker.ts';
import { TEST_SECRET, testPersonalDataKeys } from './api.ts';

/**
 * A real worker on a task queue of its own (so test files never steal each
 * other's tasks), loading the run's prebuilt workflow bundle, with the real
 * mailer and action links on the test database, and a client.
 */
export interface TestEngine {
  client: Client;
  worker: Worker;
  taskQueue: string;
  /** Runs the worker while `fn` runs. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Runs the worker in the background until stop(). */
  start(): void;
  stop(): Promise<void>;
  close(): Promise<void>;
}

export interface TestEngineOptions {
  transport?: MailTransport;
  publicUrl?: string;
  taskQueue?: string;
  /** A test's own process: its workflows module (bundled instead of the run's bundle) and its activities and subject adapters. */
  process?: { workflowsPath: string; extend: CreateWorkerParams['extend'] };
}

export async function createTestEngine(db: Database, options: TestEngineOptions = {}): Promise<TestEngine> {
  installTemporalRuntime();
  const address = inject('temporalAddress');
  const namespace = inject('temporalNamespace');
  const taskQueue = options.taskQueue ?? `test-${randomUUID()}`;
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await createWorker({
    connection: nativeConnection,
    namespace,
    taskQueue,
    deps: createActivityDeps({ db, transport: options.transport, mailFrom: 'Procurement <procurement@test.local>', secret: TEST_SECRET, publicUrl: options.publicUrl ?? 'http://localhost:3000', personalDataKeys: testPersonalDataKeys() }),
    ...(options.process ? { workflowsPath: options.process.workflowsPath, extend: options.process.extend } : { workflowBundle: { codePath: inject('workflowBundlePath') } }),
  });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace });
  let running: Promise<void> | undefined;
  const stop = async () => {
    if (!running) return;
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
    running = undefined;
  };
  return {
    client,
    worker,
    taskQueue,
    run: (fn) => worker.runUntil(fn),
    start: () => {
      running = worker.run();
    },
    stop,
    close: async () => {
      await stop();
      await connection.close();
      await nativeConnection.close();
    },
  };
}
