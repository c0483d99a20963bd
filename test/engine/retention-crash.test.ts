import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, retentionReviewItems, retentionTombstones, users } from '../../db/schema/index.ts';
import { createTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, usingPostgres, type TestDatabase } from '../support/db.ts';
import { processHelpers } from '../support/process.ts';
import { startSmtpServer } from '../support/smtp.ts';
import { killWorkerProcess, startWorkerProcess } from '../support/worker-process.ts';

const ACCOUNTS = 200;
const BATCH = 100;

/**
 * A real worker process is killed with SIGKILL while it disposes of a
 * review's batch, then started again: every record decided for disposal is
 * disposed exactly once (one tombstone, one audit entry, anonymised once).
 * PostgreSQL only: a second process cannot open the embedded PGlite.
 */
describe.skipIf(!usingPostgres())('killing the worker mid-disposal', () => {
  let database: TestDatabase;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let api: TestApi;
  let worker: ChildProcess | undefined;
  const taskQueue = `retention-crash-${randomUUID()}`;
  const startWorker = () => startWorkerProcess({ databaseUrl: database.url!, taskQueue, smtpPort: smtp.port });

  beforeAll(async () => {
    database = await createTestDatabase();
    smtp = await startSmtpServer();
    api = await createTestApi({ TEMPORAL_TASK_QUEUE: taskQueue }, { database });
    worker = await startWorker();
  });
  afterAll(async () => {
    if (worker) await killWorkerProcess(worker);
    await api?.close();
    await smtp?.close();
    await database?.drop();
  });

  it('finishes every disposal once', async () => {
    const h = processHelpers(api);
    const records = await api.login('records_manager');
    const deactivatedAt = new Date(Date.now() - 2 * 365.25 * 86_400_000);
    await database.db.insert(users).values(
      Array.from({ length: ACCOUNTS }, (_, i) => ({ email: `crash-${i}@bulk.example`, name: `Crash ${i}`, passwordHash: '!', roles: ['requester' as const], active: false, deactivatedAt })),
    );
    const started = await api.request('POST', '/retention/reviews', { token: records, body: {} });
    expect(started.status).toBe(202);
    const reviewId = (started.body as { id: string }).id;
    const tombstones = async () => (await database.db.select({ n: sql<number>`count(*)::int` }).from(retentionTombstones).where(eq(retentionTombstones.reviewId, reviewId)))[0]!.n;

    let killedMidBatch = 0;
    for (let batch = 1; batch <= ACCOUNTS / BATCH; batch += 1) {
      const inbox = await h.eventually(
        () => api.request('GET', `/tasks?status=open&subjectId=${reviewId}`, { token: records }),
        (r) => ((r.body.items as { details: { batch: number } }[] | undefined) ?? []).some((t) => t.details.batch === batch),
        `the task of batch ${batch}`,
        60_000,
      );
      const task = (inbox.body.items as { id: string; details: { batch: number } }[]).find((t) => t.details.batch === batch)!;
      const before = await tombstones();
      const decided = await api.request('POST', `/tasks/${task.id}/complete`, { token: records, body: { action: 'record_decisions', data: { all: { action: 'dispose' } } } });
      expect(decided.status, JSON.stringify(decided.body)).toBe(200);
      // Kill as soon as the batch's first disposals have committed (watched without pause: a batch takes a few hundred ms).
      const deadline = Date.now() + 60_000;
      while ((await tombstones()) === before) if (Date.now() > deadline) throw new Error(`no disposal of batch ${batch} within 60 s`);
      await killWorkerProcess(worker!);
      const atKill = await tombstones();
      if (atKill < before + BATCH) killedMidBatch += 1;
      console.log(`retention crash: batch ${batch}, killed with ${atKill - before} of ${BATCH} disposed`);
      worker = await startWorker();
    }
    expect(killedMidBatch, 'at least one kill landed inside a batch').toBeGreaterThan(0);

    await h.eventually(
      async () => (await api.request('GET', `/retention/reviews/${reviewId}`, { token: records })).body as { status: string; counts: Record<string, number> },
      (review) => review.status === 'completed',
      'the review completed',
      60_000,
    );
    const review = (await api.request('GET', `/retention/reviews/${reviewId}`, { token: records })).body as { counts: Record<string, number> };
    expect(review.counts).toEqual({ disposed: ACCOUNTS });
    expect(await tombstones()).toBe(ACCOUNTS);
    const entries = await database.db.select({ subjectId: auditLog.subjectId }).from(auditLog).where(eq(auditLog.action, 'retention.disposed'));
    expect(entries).toHaveLength(ACCOUNTS);
    expect(new Set(entries.map((e) => e.subjectId)).size).toBe(ACCOUNTS);
    const items = await database.db.select({ status: retentionReviewItems.status }).from(retentionReviewItems).where(eq(retentionReviewItems.reviewId, reviewId));
    expect(items.every((item) => item.status === 'disposed')).toBe(true);
    const anonymised = await database.db.select({ n: sql<number>`count(*)::int` }).from(users).where(sql`${users.email} like 'former-%@anonymised.invalid'`);
    expect(anonymised[0]!.n).toBe(ACCOUNTS);
  }, 300_000);
});
