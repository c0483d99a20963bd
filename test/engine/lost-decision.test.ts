import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.ts';
import { auditLog, tasks } from '../../db/schema/index.ts';
import { createActivityDeps } from '../../worker/activity-deps.ts';
import { TEST_SECRET, testPersonalDataKeys } from '../support/api.ts';
import { useProcessFixture } from '../support/process-fixture.ts';

/**
 * Every transition is a local activity in the workflow task that accepted
 * the decision, so the database may say "decided" while Temporal loses that
 * workflow task (a server crash in between). These tests leave the database
 * exactly as such a lost task would (the transition applied, the process
 * never told) and show that the decision is not lost: the process adopts it
 * from the task row at its next timer, or the API hands it over when someone
 * acts on the step the process has not reached yet.
 */
describe('a decision the engine lost but the task row kept', () => {
  const fx = useProcessFixture(['requester', 'manager', 'procurement_manager', 'admin']);
  const { token, id } = fx;
  const activities = () => createActivities(createActivityDeps({ db: fx.database.db, mailFrom: 'Procurement <procurement@test.local>', secret: TEST_SECRET, publicUrl: 'http://localhost:3000', personalDataKeys: testPersonalDataKeys() }));
  const setSla = (stepSla: string) => fx.api.request('PUT', '/policies/approval', { token: token.admin!, body: { procurementManagerAbove: '1000.00', financeDirectorAbove: '25000.00', stepSla } });

  it('is adopted from the row when the step’s reminder timer fires', async () => {
    expect((await setSla('PT4S')).status).toBe(200);
    try {
      const created = await fx.h.createRequisition(token.requester!, '400.00');
      const { workflowId } = await fx.h.submit(token.requester!, created.id);
      const task = await fx.h.taskFor(token.manager!, created.id);
      // What the lost workflow task had written: the close of the manager's decision and the final status.
      await activities().applyTaskTransition({
        processId: workflowId,
        requestId: `${task.id}:approve`,
        subject: { type: 'Requisition', id: created.id },
        close: [{ taskId: task.id, status: 'completed', outcome: 'approve', actorId: id.manager!, onBehalfOfId: null, comment: 'fine by me' }],
        record: { status: 'approved', actorId: id.manager!, onBehalfOfId: null, comment: 'fine by me' },
      });
      const result = await fx.engine.client.workflow.getHandle(workflowId).result();
      expect(result).toMatchObject({ status: 'approved', approverIds: [id.manager] });
      const audit = await fx.database.db.select().from(auditLog).where(and(eq(auditLog.subjectId, task.id), eq(auditLog.action, 'task.completed')));
      expect(audit).toHaveLength(1);
      expect(audit[0]!.actorId).toBe(id.manager);
    } finally {
      await setSla('P2D');
    }
  });

  it('is handed to the process by the API when someone acts on the step after it', async () => {
    const created = await fx.h.createRequisition(token.requester!, '5000.00');
    const { workflowId } = await fx.h.submit(token.requester!, created.id);
    const first = await fx.h.taskFor(token.manager!, created.id);
    // The lost workflow task had closed the manager's step and opened the procurement manager's.
    const nextId = randomUUID();
    await activities().applyTaskTransition({
      processId: workflowId,
      requestId: `${first.id}:approve`,
      subject: { type: 'Requisition', id: created.id },
      close: [{ taskId: first.id, status: 'completed', outcome: 'approve', actorId: id.manager!, onBehalfOfId: null, comment: null }],
      open: { taskId: nextId, kind: 'requisition_approval', stepKey: 'r0-s1', title: 'Approve {number}: {title} (procurement manager)', assign: { to: 'role', role: 'procurement_manager', lineFrom: id.requester! }, excludedIds: [id.requester!, id.manager!], dueAt: null, actions: ['approve', 'reject', 'question'], details: { level: 'procurement_manager', round: 0 } },
    });
    const second = await fx.h.taskFor(token.procurement_manager!, created.id);
    expect(second.id).toBe(nextId);

    const decided = await fx.h.decide(token.procurement_manager!, nextId, 'approve');
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    expect(decided.body.process.status).toBe('approved');
    const result = await fx.engine.client.workflow.getHandle(workflowId).result();
    expect(result).toMatchObject({ status: 'approved', approverIds: [id.manager, id.procurement_manager] });
    const rows = await fx.database.db.select().from(tasks).where(eq(tasks.processId, workflowId));
    expect(rows.map((row) => [row.id === nextId ? 'next' : 'first', row.status, row.outcome, row.completedById]).sort()).toEqual([
      ['first', 'completed', 'approve', id.manager],
      ['next', 'completed', 'approve', id.procurement_manager],
    ]);
  });
});
