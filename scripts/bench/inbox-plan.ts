import type { Logger as QueryLogger } from 'drizzle-orm';
import { buildActor } from '../../api/services/actor.ts';
import { hashSecret } from '../../api/services/credentials.ts';
import { createTaskService } from '../../api/services/tasks.ts';
import { createTemporalGateway } from '../../api/temporal.ts';
import type { Database } from '../../db/client.ts';
import { findSessionByHash } from '../../db/queries/sessions.ts';
import * as schema from '../../db/schema/index.ts';
import { rowsOf } from './inbox-data.ts';
import type { BenchStack } from './stack.ts';

export interface CapturedQuery {
  sql: string;
  params: unknown[];
}

export interface InboxPlan extends CapturedQuery {
  plan: string[];
  executionMs: number;
}

/** The driver client under the stack's drizzle handle (postgres.js or PGlite): the same database, the same connection pool. */
type RawClient = { unsafe(query: string, params: unknown[]): Promise<unknown> } | { query(query: string, params: unknown[]): Promise<unknown> };

/** A second drizzle handle over the stack's own driver client, logging each statement it sends. */
async function loggingDatabase(stack: BenchStack, logger: QueryLogger): Promise<{ db: Database; client: RawClient }> {
  const client = (stack.database.db as unknown as { $client: RawClient }).$client;
  if (stack.database.kind === 'postgres') {
    const { drizzle } = await import('drizzle-orm/postgres-js');
    return { db: drizzle(client as never, { schema, logger }) as unknown as Database, client };
  }
  const { drizzle } = await import('drizzle-orm/pglite');
  return { db: drizzle(client as never, { schema, logger }) as unknown as Database, client };
}

/**
 * The statement GET /tasks sends for this signed-in person, captured from the
 * task service itself (same session lookup, same CASL-derived filter, same
 * query builder), then run again under EXPLAIN (ANALYZE, BUFFERS).
 */
export async function explainInbox(stack: BenchStack, token: string, query: { status: 'open'; limit: number }): Promise<InboxPlan> {
  const now = new Date();
  const principal = await findSessionByHash(stack.database.db, hashSecret(token), now);
  if (!principal) throw new Error('the benchmark session is not live');
  const actor = await buildActor(stack.database.db, principal, now);
  const sent: CapturedQuery[] = [];
  const { db, client } = await loggingDatabase(stack, { logQuery: (sql, params) => sent.push({ sql, params }) });
  const temporal = createTemporalGateway({ address: stack.temporalAddress, namespace: 'default' });
  try {
    await createTaskService({ db, clock: () => now, temporal }).list(actor, query);
  } finally {
    await temporal.close();
  }
  const [captured] = sent;
  if (sent.length !== 1 || !captured) throw new Error(`expected the inbox to send one statement, it sent ${sent.length}`);
  const explain = `explain (analyze, buffers) ${captured.sql}`;
  const result = 'unsafe' in client ? await client.unsafe(explain, captured.params) : await client.query(explain, captured.params);
  const plan = rowsOf<Record<string, string>>(result).map((row) => Object.values(row)[0]!);
  const execution = plan.map((line) => /Execution Time: ([\d.]+) ms/.exec(line)).find(Boolean);
  return { ...captured, plan, executionMs: execution ? Number(execution[1]) : Number.NaN };
}
