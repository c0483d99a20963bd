import { join, resolve } from 'node:path';
import type { DatabaseTarget } from './client.ts';

/** DATABASE_URL set means PostgreSQL; unset means PGlite in the data folder. */
export function databaseTarget(config: { DATABASE_URL?: string | undefined; DATA_DIR: string }): DatabaseTarget {
  return config.DATABASE_URL
    ? { kind: 'postgres', url: config.DATABASE_URL }
    : { kind: 'pglite', dataDir: join(resolve(config.DATA_DIR), 'pglite') };
}
