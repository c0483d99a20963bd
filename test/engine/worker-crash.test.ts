import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { count, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageIdFor } from '../../activities/mail/mailer.ts';
import { sealAuditLog } from '../../db/audit-sealer.ts';
import { verifyAuditChain } from '../../db/queries/audit.ts';
import { mailOutbox, requisitions, tasks } from '../../db/schema/index.ts';
import { createTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, usingPostgres, type TestDatabase } from '../support/db.ts';
import { processHelpers } from '../support/process.ts';
import { startSmtpServer } from '../support/smtp.ts';
import { killWorkerProcess, startWorkerProcess } from '../support/worker-process.ts';

const REQUISITIONS = 12;

/**
 * A real worker process (worker/main.ts) is killed with SIGKILL while
 * approvals are in flight, then started again: every chain still finishes,
 * and no task, number or e-mail exists twice. PostgreSQL only: a second
 * process cannot open the embedded PGlite.
 */
describe.skipIf(!usingPostgres())('killing the worker mid-chain', () => {
  let database: TestDatabase;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let api: TestApi;
  let worker: ChildProcess | undefined;
  const taskQueue = `crash-${randomUUID()}`;

  const startWorker = () => startWorkerProcess({ databaseUrl: database.url!, taskQueue, smtpPort: smtp.port });
  const killWorker = killWorkerProcess;

  beforeAll(async () => {
    database = await createTestDatabase();
    smtp = await startSmtpServer();
    api = await createTestApi({ TEMPORAL_TASK_QUEUE: taskQueue }, { database });
    worker = await startWorker();
  });
  afterAll(async () => {
    if (worker && worker.exitCode === null) await killWorker(worker);
    await api?.close();
    await smtp?.close();
    await database?.drop();
  });

  it('loses no process and sends no e-mail twice', async () => {
    const h = processHelpers(api);
    const requester = await api.login('requester');
    const manager = await api.login('manager');
    const procurement = await api.login('procurement_manager');
    const ids: string[] = [];
    for (let i = 0; i < REQUISITIONS; i += 1) {
      const created = await h.createRequisition(requester, `${2000 + i}.00`);
      await h.submit(requester, created.id);
      ids.push(created.id);
    }
    const firstTasks = await Promise.all(ids.map((requisitionId) => h.taskFor(manager, requisitionId)));
    // Approvals in flight when the worker dies: their Updates wait in Temporal, not in the worker.
    const inFlight = firstTasks.map((task) => h.decide(manager, task.id, 'approve'));
    await new Promise((resolve) => setTimeout(resolve, 150));
    await killWorker(worker!);
    worker = await startWorker();
    const answers = await Promise.all(inFlight);
    expect(answers.map((a) => a.status)).toEqual(firstTasks.map(() => 200));

    const secondTasks = await Promise.all(ids.map((requisitionId) => h.taskFor(procurement, requisitionId)));
    await Promise.all(secondTasks.map((task) => h.decide(procurement, task.id, 'approve')));
    for (const requisitionId of ids) await h.waitForStatus(requester, requisitionId, 'approved');

    // Every side effect exactly once.
    const approvalTasks = await database.db.select({ n: count() }).from(tasks).where(eq(tasks.kind, 'requisition_approval'));
    expect(approvalTasks[0]!.n).toBe(REQUISITIONS * 2);
    const numbers = await database.db.select({ number: requisitions.number }).from(requisitions);
    expect(new Set(numbers.map((r) => r.number)).size).toBe(REQUISITIONS);
    // Per chain: two task mails (manager, procurement manager) and the decision to the requester (the buyers' purchasing mails that follow are other processes').
    const outbox = await h.eventually(() => database.db.select().from(mailOutbox).where(like(mailOutbox.processId, 'requisition-%')), (rows) => rows.length === REQUISITIONS * 3 && rows.every((row) => row.status === 'sent' || row.status === 'unconfirmed'), 'every mail handed off');
    const sent = outbox.filter((row) => row.status === 'sent');
    await h.eventually(() => Promise.resolve(smtp.received.length), (n) => n >= sent.length, 'every sent mail received');
    const received = smtp.received.map((m) => /^Message-ID:\s*(<[^>]+>)/im.exec(m.raw)?.[1]);
    expect(received.every(Boolean)).toBe(true);
    // No e-mail twice: every delivery is a different mail.
    expect(new Set(received).size).toBe(received.length);
    for (const row of sent) expect(received).toContain(messageIdFor(row.idempotencyKey));
    // A kill while a mail was streaming but before its end-of-data mark: the server dropped it and the retry sent it.
    // A kill in the last round trip leaves the row 'unconfirmed' (not resent, flagged for an admin); the server had it.
    for (const row of outbox) expect(received, `mail ${row.idempotencyKey} (${row.status}) delivered`).toContain(messageIdFor(row.idempotencyKey));
    console.log(`worker crash: ${outbox.length} mails, ${sent.length} sent, ${outbox.length - sent.length} unconfirmed, ${received.length} delivered`);
    // The killed worker's sealer may have died mid-batch: sealing what is left still gives one whole chain.
    // The approvals' follow-on processes (purchasing) may still be writing entries, so seal until none arrive between the seal and the check.
    const chain = await h.eventually(
      async () => {
        await sealAuditLog(database.db);
        return verifyAuditChain(database.db);
      },
      (result) => !result.ok || result.unsealed === 0,
      'every audit entry sealed',
    );
    expect(chain).toMatchObject({ ok: true, unsealed: 0 });
  }, 180_000);
});
