import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { defaultApprovalPolicy } from '@p2p/domain';
import { auditLog, mailOutbox, requisitions, tasks } from '../../db/schema/index.ts';
import { useProcessFixture } from '../support/process-fixture.ts';

/**
 * A requisition whose process started before the human-task helper runs the
 * frozen requisitionApprovalWorkflow to its end: its activities are now
 * adapters onto the human-task activities, and the API completes its tasks
 * through the same registry and Update names as any other process.
 */
describe('a run of the frozen requisitionApprovalWorkflow', () => {
  const fx = useProcessFixture(['requester', 'manager', 'procurement_manager']);
  const { token, id } = fx;

  it('goes through approval, a question and its answer to approved, with the same records as before', async () => {
    const created = await fx.h.createRequisition(token.requester!, '5000.00');
    const workflowId = `legacy-requisition-${created.id}`;
    // What a submission committed before the change: number, policy, workflow id; then the old type started.
    await fx.database.db.update(requisitions).set({ status: 'submitted', number: 'REQ-2026-90001', workflowId, policy: defaultApprovalPolicy, submittedAt: new Date() }).where(eq(requisitions.id, created.id));
    const handle = await fx.engine.client.workflow.start('requisitionApprovalWorkflow', {
      taskQueue: fx.engine.taskQueue,
      workflowId,
      args: [{ requisitionId: created.id, number: 'REQ-2026-90001', requesterId: id.requester, total: '5000.00', policy: defaultApprovalPolicy }],
    });

    const first = await fx.h.taskFor(token.manager!, created.id);
    expect(first).toMatchObject({ assigneeId: id.manager, actions: ['approve', 'reject', 'question'] });
    expect((await fx.h.decide(token.manager!, first.id, 'approve')).status).toBe(200);
    const second = await fx.h.taskFor(token.procurement_manager!, created.id);
    const asked = await fx.h.decide(token.procurement_manager!, second.id, 'question', 'Which line?');
    expect(asked.status, JSON.stringify(asked.body)).toBe(200);
    expect(asked.body.process.status).toBe('questioned');
    const answer = await fx.h.taskFor(token.requester!, created.id, 'requisition_answer');
    expect((await fx.h.decide(token.requester!, answer.id, 'answer', 'Line 2')).status).toBe(200);
    const again = await fx.h.taskFor(token.procurement_manager!, created.id);
    const approved = await fx.h.decide(token.procurement_manager!, again.id, 'approve');
    expect(approved.body.process.status).toBe('approved');
    expect((await handle.result()).status).toBe('approved');

    const rows = await fx.database.db.select().from(tasks).where(eq(tasks.processId, workflowId));
    expect(rows.map((row) => [row.kind, row.outcome]).sort()).toEqual([['requisition_answer', 'answer'], ['requisition_approval', 'approve'], ['requisition_approval', 'approve'], ['requisition_approval', 'question']]);
    const audit = await fx.database.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.processId, workflowId));
    const count = (action: string) => audit.filter((entry) => entry.action === action).length;
    expect([count('task.created'), count('task.completed'), count('requisition.approved'), count('requisition.questioned')]).toEqual([4, 4, 1, 1]);
    const mails = await fx.database.db.select({ key: mailOutbox.idempotencyKey, template: mailOutbox.template }).from(mailOutbox).where(eq(mailOutbox.processId, workflowId));
    expect(mails.filter((mail) => mail.template === 'decision').map((mail) => mail.key)).toEqual([`${workflowId}:decision:approved`]);
  });
});
