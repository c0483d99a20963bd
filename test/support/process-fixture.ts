import { afterAll, beforeAll } from 'vitest';
import type { DemoKey } from '../../db/seed.ts';
import { createTestApi, type TestApi } from './api.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { processHelpers } from './process.ts';
import { createTestEngine, type TestEngine } from './worker.ts';

export interface ProcessFixture {
  database: TestDatabase;
  engine: TestEngine;
  api: TestApi;
  h: ReturnType<typeof processHelpers>;
  /** Session tokens and user ids of the demo people asked for, filled before the tests run. */
  token: Record<string, string>;
  id: Record<string, string>;
}

/**
 * The whole process stack for one test file: a fresh database, a real worker
 * on its own task queue, the API starting processes on that queue, and the
 * demo people signed in. Its parts are filled in beforeAll.
 */
export function useProcessFixture(people: DemoKey[]): ProcessFixture {
  const fixture = { token: {}, id: {} } as ProcessFixture;
  beforeAll(async () => {
    fixture.database = await createTestDatabase();
    fixture.engine = await createTestEngine(fixture.database.db);
    fixture.api = await createTestApi({ TEMPORAL_TASK_QUEUE: fixture.engine.taskQueue }, { database: fixture.database });
    fixture.h = processHelpers(fixture.api);
    for (const key of people) {
      fixture.token[key] = await fixture.api.login(key);
      fixture.id[key] = await fixture.api.userId(key);
    }
    fixture.engine.start();
  });
  afterAll(async () => {
    await fixture.engine?.close();
    await fixture.api?.close();
    await fixture.database?.drop();
  });
  return fixture;
}
