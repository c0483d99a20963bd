import { inject } from 'vitest';
import { createApp, type App } from '../../api/app.ts';
import { loadApiConfig } from '../../api/config.ts';
import type { ApiDeps } from '../../api/deps.ts';
import { silentLogger } from '../../api/logger.ts';
import { createRateLimiter } from '../../api/middleware/rate-limit.ts';
import { hashPassword } from '../../api/services/credentials.ts';
import { createDashboardEventBus, createTaskEventBus } from '../../api/task-events.ts';
import { createTemporalGateway, type TemporalGateway } from '../../api/temporal.ts';
import { findUserByEmail } from '../../db/queries/users.ts';
import { DEMO_PASSWORD, demoEmail, seedDemoData, type DemoKey } from '../../db/seed.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { parseKeyring } from '../../config/personal-data-keys.ts';
import { createPersonalDataCipher } from '../../db/encryption.ts';

/** Signs action links in tests: the test worker and the test API share it. */
export const TEST_SECRET = 'test-secret-for-action-links-0123456789';

/** Seals personal data in tests (a fixed key, so the API and the test worker open each other's values). */
export const TEST_PERSONAL_DATA_KEYS = `test-k1:${Buffer.alloc(32, 1).toString('base64')}`;
export const testPersonalDataKeys = () => parseKeyring(TEST_PERSONAL_DATA_KEYS);

export type { DemoKey } from '../../db/seed.ts';


export interface TestResponse {
  status: number;
  headers: Headers;
  // Tests read answers loosely; their shape is what the assertions check.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  /** The body as bytes, when asked for with `raw` (a PDF, a spreadsheet). */
  bytes?: Uint8Array;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  /** Sent as is, for malformed-input tests (bytes for what is not UTF-8). */
  rawBody?: string | Uint8Array;
  headers?: Record<string, string>;
  /** Read the answer as bytes (`bytes`), not as text. */
  raw?: boolean;
}

/**
 * The real Hono app on a fresh database (demo company seeded), talking to the
 * run's real Temporal dev server; requests go through app.request(), the whole
 * middleware chain included.
 */
export interface TestApi {
  app: App;
  deps: ApiDeps;
  database: TestDatabase;
  request(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
  /** A demo key, or any e-mail address. */
  login(who: DemoKey | `${string}@${string}`, password?: string): Promise<string>;
  userId(who: DemoKey): Promise<string>;
  close(): Promise<void>;
}

export async function createTestApi(env: Record<string, string> = {}, options: { temporal?: TemporalGateway; database?: TestDatabase } = {}): Promise<TestApi> {
  const database = options.database ?? (await createTestDatabase());
  await seedDemoData(database.db, hashPassword);
  const config = loadApiConfig({
    NODE_ENV: 'test',
    PUBLIC_URL: 'http://localhost:3000',
    SESSION_SECRET: TEST_SECRET,
    PERSONAL_DATA_KEYS: TEST_PERSONAL_DATA_KEYS,
    RATE_LIMIT_PER_MINUTE: '100000',
    LOGIN_RATE_LIMIT_PER_MINUTE: '100000',
    ...env,
  });
  const temporal = options.temporal ?? createTemporalGateway({ address: inject('temporalAddress'), namespace: inject('temporalNamespace') });
  const taskEvents = await createTaskEventBus(database, silentLogger);
  const dashboardEvents = await createDashboardEventBus(database, silentLogger);
  const deps: ApiDeps = { config, db: database.db, database, temporal, logger: silentLogger, rateLimiter: createRateLimiter(), taskEvents, dashboardEvents, actionLinkSecret: TEST_SECRET, personalData: createPersonalDataCipher(testPersonalDataKeys()), clock: () => new Date() };
  const app = createApp(deps);
  const tokens = new Map<string, string>();

  const request = async (method: string, path: string, opts: RequestOptions = {}): Promise<TestResponse> => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | Uint8Array | undefined = opts.rawBody;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await app.request(path.startsWith('/api') ? path : `/api/v1${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    if (opts.raw) return { status: response.status, headers: response.headers, body: null, bytes: new Uint8Array(await response.arrayBuffer()) };
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: leave the text
    }
    return { status: response.status, headers: response.headers, body: parsed };
  };

  return {
    app,
    deps,
    database,
    request,
    async login(who, password = DEMO_PASSWORD) {
      const email = who.includes('@') ? who : demoEmail(who);
      const cached = password === DEMO_PASSWORD ? tokens.get(email) : undefined;
      if (cached) return cached;
      const response = await request('POST', '/auth/login', { body: { email, password } });
      if (response.status !== 200) throw new Error(`login ${email} failed: ${response.status} ${JSON.stringify(response.body)}`);
      const token = (response.body as { token: string }).token;
      if (password === DEMO_PASSWORD) tokens.set(email, token);
      return token;
    },
    async userId(who) {
      return (await findUserByEmail(database.db, demoEmail(who)))!.id;
    },
    async close() {
      await taskEvents.close();
      await dashboardEvents.close();
      if (!options.temporal) await temporal.close();
      if (!options.database) await database.drop();
    },
  };
}
