import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActionLinks } from '../../activities/mail/action-links.ts';
import { createMailTransport } from '../../activities/mail/transport.ts';
import { auditLog, tasks } from '../../db/schema/index.ts';
import { TEST_SECRET, createTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { processHelpers } from '../support/process.ts';
import { decodeQuotedPrintable, startSmtpServer } from '../support/smtp.ts';
import { createTestEngine, type TestEngine } from '../support/worker.ts';

/** The mail a real SMTP server receives, and its one-click link followed over HTTP. */
describe('task mail and one-click action links', () => {
  let database: TestDatabase;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let engine: TestEngine;
  let api: TestApi;
  let h: ReturnType<typeof processHelpers>;
  const token: Record<string, string> = {};
  const id: Record<string, string> = {};

  beforeAll(async () => {
    database = await createTestDatabase();
    smtp = await startSmtpServer();
    engine = await createTestEngine(database.db, { transport: createMailTransport(`smtp://127.0.0.1:${smtp.port}`)! });
    api = await createTestApi({ TEMPORAL_TASK_QUEUE: engine.taskQueue }, { database });
    h = processHelpers(api);
    for (const key of ['requester', 'manager'] as const) {
      token[key] = await api.login(key);
      id[key] = await api.userId(key);
    }
    engine.start();
  });
  afterAll(async () => {
    await engine?.close();
    await api?.close();
    await smtp?.close();
    await database?.drop();
  });

  const linkPath = (raw: string) => {
    const match = /http:\/\/localhost:3000(\/action\/[\w-]+\.[\w-]+)/.exec(decodeQuotedPrintable(raw));
    expect(match, 'an action link in the mail').not.toBeNull();
    return match![1]!;
  };

  it('the approver receives the task mail; GET of its link changes nothing, POST approves, a replay is refused', async () => {
    const created = await h.createRequisition(token.requester!, '250.00');
    const { number } = await h.submit(token.requester!, created.id);
    const mail = await h.eventually(() => Promise.resolve(smtp.received.find((m) => m.to.includes('manager@demo.local') && decodeQuotedPrintable(m.raw).includes(number))), Boolean, 'the task mail over SMTP');
    const raw = decodeQuotedPrintable(mail!.raw);
    expect(raw).toMatch(/Subject: .*REQ-\d{4}-\d{5}/);
    expect(raw).toContain('Content-Type: text/plain');
    expect(raw).toContain('Content-Type: text/html');
    const tokenPart = linkPath(mail!.raw).replace('/action/', '');

    const task = await h.taskFor(token.manager!, created.id);
    const looked = await api.request('GET', `/action-links/${tokenPart}`);
    expect(looked.status, JSON.stringify(looked.body)).toBe(200);
    expect(looked.body).toMatchObject({ action: 'approve', user: { id: id.manager, name: 'Marco Meyer' }, task: { id: task.id, status: 'open' }, subject: { typeLabel: 'Requisition', number } });
    // Opening twice (as a mail scanner would) still changes nothing.
    expect((await api.request('GET', `/action-links/${tokenPart}`)).status).toBe(200);
    const [stillOpen] = await database.db.select().from(tasks).where(eq(tasks.id, task.id));
    expect(stillOpen!.status).toBe('open');

    const confirmed = await api.request('POST', `/action-links/${tokenPart}`);
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.body).toMatchObject({ task: { status: 'completed', outcome: 'approve', completedById: id.manager }, process: { status: 'approved' } });
    const [audit] = await database.db.select().from(auditLog).where(eq(auditLog.subjectId, task.id));
    expect(audit).toBeDefined();

    const replay = await api.request('POST', `/action-links/${tokenPart}`);
    expect(replay.status).toBe(410);
    expect(replay.body.reason).toBe('used');
    expect((await api.request('GET', `/action-links/${tokenPart}`)).body.reason).toBe('used');
    await h.waitForStatus(token.requester!, created.id, 'approved');
  });

  it('tampered, expired and already-decided links change nothing', async () => {
    const created = await h.createRequisition(token.requester!, '260.00');
    const { number } = await h.submit(token.requester!, created.id);
    const mail = await h.eventually(() => Promise.resolve(smtp.received.find((m) => decodeQuotedPrintable(m.raw).includes(number) && m.to.includes('manager@demo.local'))), Boolean, 'the task mail');
    const good = linkPath(mail!.raw).replace('/action/', '');
    const [payload, signature] = good.split('.') as [string, string];
    const tampered = `${payload.slice(0, -2)}${payload.endsWith('A') ? 'B' : 'A'}${payload.slice(-1)}.${signature}`;
    const bad = await api.request('POST', `/action-links/${tampered}`);
    expect(bad.status).toBe(404);
    expect(bad.body.reason).toMatch(/bad_signature|malformed/);
    expect((await api.request('GET', '/action-links/not-a-token')).status).toBe(400);

    const task = await h.taskFor(token.manager!, created.id);
    const past = new Date(Date.now() - 73 * 3_600_000);
    const expiredLinks = createActionLinks({ db: database.db, secret: TEST_SECRET, publicUrl: 'http://localhost:3000', clock: () => past });
    const [expired] = await expiredLinks.issue({ taskId: task.id, userId: id.manager!, actions: ['approve'] });
    const expiredToken = expired!.url.split('/action/')[1]!;
    const gone = await api.request('POST', `/action-links/${expiredToken}`);
    expect(gone.status).toBe(410);
    expect(gone.body.reason).toBe('expired');

    // Decided in the inbox first: the link now shows a conflict and does nothing.
    await h.decide(token.manager!, task.id, 'reject', 'Over budget this month');
    const decided = await api.request('POST', `/action-links/${good}`);
    expect(decided.status).toBe(409);
    expect(decided.body.reason).toBe('decided');
    expect((await h.requisition(token.requester!, created.id)).status).toBe('rejected');
  });
});
