import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import type { Database } from '../../db/client.ts';
import { installTemporalRuntime } from '../../worker/runtime.ts';
import { createWorker } from '../../worker/worker.ts';

/**
 * A real worker on a task queue of its own (so test files never steal each
 * other's tasks), loading the run's prebuilt workflow bundle, and a client.
 */
export interface TestEngine {
  client: Client;
  worker: Worker;
  taskQueue: string;
  /** Runs the worker while `fn` runs. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export async function createTestEngine(db: Database): Promise<TestEngine> {
  installTemporalRuntime();
  const address = inject('temporalAddress');
  const namespace = inject('temporalNamespace');
  const taskQueue = `test-${randomUUID()}`;
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await createWorker({
    connection: nativeConnection,
    namespace,
    taskQueue,
    deps: { db, clock: () => new Date() },
    workflowBundle: { codePath: inject('workflowBundlePath') },
  });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace });
  return {
    client,
    worker,
    taskQueue,
    run: (fn) => worker.runUntil(fn),
    close: async () => {
      await connection.close();
      await nativeConnection.close();
    },
  };
}
