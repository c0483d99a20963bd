import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baselineState, completeBaseline } from '../../workflows/baseline.workflow.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { createTestEngine, type TestEngine } from '../support/worker.ts';

describe('engine round trip on the real dev server', () => {
  let database: TestDatabase;
  let engine: TestEngine;
  beforeAll(async () => {
    database = await createTestDatabase();
    engine = await createTestEngine(database.db);
  });
  afterAll(async () => {
    await engine?.close();
    await database?.drop();
  });

  it('starts a workflow through the client, completes it with an Update, and refuses a second one in the validator', async () => {
    await engine.run(async () => {
      const handle = await engine.client.workflow.start('baselineWorkflow', { taskQueue: engine.taskQueue, workflowId: `baseline-${randomUUID()}` });
      expect(await handle.query(baselineState)).toEqual({ completed: false, completedBy: null });
      expect(await handle.executeUpdate(completeBaseline, { args: [{ by: 'alice' }], updateId: 'task-1:approve' })).toEqual({ completedBy: 'alice' });
      // Same update id: applied once, the same answer comes back.
      expect(await handle.executeUpdate(completeBaseline, { args: [{ by: 'alice' }], updateId: 'task-1:approve' })).toEqual({ completedBy: 'alice' });
      await expect(handle.executeUpdate(completeBaseline, { args: [{ by: 'bob' }] })).rejects.toThrow(/already completed/);
      expect(await handle.result()).toEqual({ completedBy: 'alice' });
      const history = await handle.fetchHistory();
      const accepted = history.events?.filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes) ?? [];
      // The refused Update left no event: only the first was accepted.
      expect(accepted).toHaveLength(1);
    });
  });
});
