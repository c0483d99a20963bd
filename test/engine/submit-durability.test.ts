import { WorkflowNotFoundError } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createProcessStarter } from '../../api/process-starter.ts';
import { createTemporalGateway, type TemporalGateway } from '../../api/temporal.ts';
import { auditLog } from '../../db/schema/index.ts';
import { createTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { processHelpers } from '../support/process.ts';
import { startProxy, type CuttableProxy } from '../support/proxy.ts';
import { createTestEngine, type TestEngine } from '../support/worker.ts';

/**
 * Submit commits first and starts the process after: a submission is never
 * lost to an engine outage or an API crash between the two, and no process
 * ever runs for a submission that did not commit.
 */
describe('submit while the engine is unreachable', () => {
  let database: TestDatabase;
  let engine: TestEngine;
  let proxy: CuttableProxy;
  let temporal: TemporalGateway;
  let api: TestApi;
  let h: ReturnType<typeof processHelpers>;
  const token: Record<string, string> = {};

  beforeAll(async () => {
    database = await createTestDatabase();
    engine = await createTestEngine(database.db);
    const [host, port] = inject('temporalAddress').split(':') as [string, string];
    proxy = await startProxy(host, Number(port));
    temporal = createTemporalGateway({ address: `127.0.0.1:${proxy.port}`, namespace: inject('temporalNamespace') });
    api = await createTestApi({ TEMPORAL_TASK_QUEUE: engine.taskQueue }, { database, temporal });
    h = processHelpers(api);
    for (const key of ['requester', 'manager'] as const) token[key] = await api.login(key);
    engine.start();
  });
  afterAll(async () => {
    await engine?.close();
    await api?.close();
    await temporal?.close();
    await proxy?.close();
    await database?.drop();
  });

  const processExists = async (workflowId: string) =>
    engine.client.workflow
      .getHandle(workflowId)
      .describe()
      .then(() => true)
      .catch((error: unknown) => {
        if (error instanceof WorkflowNotFoundError) return false;
        throw error;
      });

  /** Cuts the engine off, submits (202: accepted, numbered, audited, no process yet), restores it. */
  async function submitWhileCut(): Promise<{ id: string; number: string; workflowId: string }> {
    const created = await h.createRequisition(token.requester!, '450.00');
    await proxy.cut();
    try {
      const submitted = await h.submit(token.requester!, created.id);
      expect(submitted).toMatchObject({ status: 'submitted', workflowId: `requisition-${created.id}` });
      expect(submitted.number).toMatch(/^REQ-\d{4}-\d{5}$/);
      const audit = await database.db.select().from(auditLog).where(eq(auditLog.subjectId, created.id));
      expect(audit.map((entry) => entry.action)).toContain('requisition.submitted');
      expect(await processExists(submitted.workflowId)).toBe(false);
      return submitted;
    } finally {
      await proxy.restore();
    }
  }

  it('the process starter starts it when the engine is back, once', async () => {
    const submitted = await submitWhileCut();
    const starter = createProcessStarter(api.deps, { graceSeconds: 0, intervalMs: 3_600_000 });
    try {
      // The API's connection may need a moment to come back after the cut.
      const started = await h.eventually(() => starter.sweep().catch(() => -1), (n) => n >= 0, 'a sweep through the restored connection');
      expect(started).toBe(1);
      const task = await h.taskFor(token.manager!, submitted.id);
      expect((await h.decide(token.manager!, task.id, 'approve')).status).toBe(200);
      const approved = await h.waitForStatus(token.requester!, submitted.id, 'approved');
      expect(approved.number).toBe(submitted.number);
      expect(await starter.sweep()).toBe(0);
    } finally {
      await starter.close();
    }
  });

  it('a retried submit starts it, under the number it was given', async () => {
    const submitted = await submitWhileCut();
    // Retried until the process runs (a retry through a connection still coming back is answered 202 too).
    const retried = await h.eventually(
      async () => {
        const answer = await api.request('POST', `/requisitions/${submitted.id}/submit`, { token: token.requester! });
        return { answer, running: await processExists(submitted.workflowId) };
      },
      (r) => r.answer.status === 202 && r.running,
      'the retried submit to start the process',
    );
    expect(retried.answer.body.number).toBe(submitted.number);
    const task = await h.taskFor(token.manager!, submitted.id);
    expect((await h.decide(token.manager!, task.id, 'reject', 'Not this quarter')).status).toBe(200);
    await h.waitForStatus(token.requester!, submitted.id, 'rejected');
    // A finished process is never started again under its id.
    const starter = createProcessStarter(api.deps, { graceSeconds: 0, intervalMs: 3_600_000 });
    expect(await starter.sweep()).toBe(0);
    await starter.close();
  });
});
