import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openDatabase, type DatabaseHandle } from '../../db/client.ts';

/**
 * A fresh, migrated database per test file: a new PostgreSQL database on the
 * server DATABASE_URL names (CI), or an in-memory PGlite otherwise.
 */
export interface TestDatabase extends DatabaseHandle {
  url?: string;
  drop(): Promise<void>;
}

/** `migrate: false` leaves it empty, for a test that migrates step by step. */
export async function createTestDatabase({ migrate = true }: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const handle = await openDatabase({ kind: 'pglite' });
    if (migrate) await handle.migrate();
    return { ...handle, drop: () => handle.close() };
  }
  const name = `p2p_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ kind: 'postgres', url: url.toString(), maxConnections: 5 });
  if (migrate) await handle.migrate();
  return {
    ...handle,
    url: url.toString(),
    drop: async () => {
      await handle.close();
      const cleanup = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

export const usingPostgres = () => Boolean(process.env.DATABASE_URL);
