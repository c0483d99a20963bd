import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { startApi, type RunningApi } from '../../api/bootstrap.ts';
import { loadApiConfig } from '../../api/config.ts';
import { silentLogger } from '../../api/logger.ts';
import { loadWebHandler } from '../../api/server.ts';
import { TEST_PERSONAL_DATA_KEYS, TEST_SECRET } from './api.ts';
import { createTestDatabase } from './db.ts';
import { createTestEngine, type TestEngine } from './worker.ts';

/**
 * The whole app as a person meets it: the built SvelteKit app and the API on
 * one port, a real worker on a task queue of its own, a fresh database with
 * the demo company, the run's Temporal server.
 */
export interface AppStack {
  url: string;
  api: RunningApi;
  engine: TestEngine;
  stop(): Promise<void>;
}

export async function startAppStack(env: Record<string, string> = {}): Promise<AppStack> {
  if (!(await loadWebHandler())) throw new Error('web/build is missing: run `npm run build:web` first (npm test does)');
  const database = await createTestDatabase();
  const taskQueue = `stack-${randomUUID()}`;
  const config = loadApiConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DEMO_DATA: 'true',
    SESSION_SECRET: TEST_SECRET,
    PERSONAL_DATA_KEYS: TEST_PERSONAL_DATA_KEYS,
    TEMPORAL_TASK_QUEUE: taskQueue,
    RATE_LIMIT_PER_MINUTE: '100000',
    LOGIN_RATE_LIMIT_PER_MINUTE: '100000',
    ...env,
  });
  const api = await startApi(config, { logger: silentLogger, temporalAddress: inject('temporalAddress'), database });
  const url = `http://127.0.0.1:${api.http.port}`;
  const engine = await createTestEngine(database.db, { taskQueue, publicUrl: url });
  engine.start();
  return {
    url,
    api,
    engine,
    stop: async () => {
      await engine.close();
      await api.close();
      await database.drop();
    },
  };
}
