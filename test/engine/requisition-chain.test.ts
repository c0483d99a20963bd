import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, mailOutbox, tasks } from '../../db/schema/index.ts';
import { useProcessFixture } from '../support/process-fixture.ts';

/** The approval chain end to end: real API, real dev server, real worker, real fx.database. */
describe('requisition approval chain', () => {
  const fx = useProcessFixture(['requester', 'engineer', 'manager', 'procurement_manager', 'finance_director', 'buyer', 'admin', 'auditor']);
  const { token, id } = fx;

  it.each([
    ['500.00', ['line_manager']],
    ['5000.00', ['line_manager', 'procurement_manager']],
    ['50000.00', ['line_manager', 'procurement_manager', 'finance_director']],
  ])('a total of %s gets the chain %j and reaches approved', async (total, chain) => {
    const created = await fx.h.createRequisition(token.requester!, total);
    const submitted = await fx.h.submit(token.requester!, created.id);
    expect(submitted.number).toMatch(/^REQ-\d{4}-\d{5}$/);
    expect(submitted.workflowId).toBe(`requisition-${created.id}`);
    const approvers = { line_manager: 'manager', procurement_manager: 'procurement_manager', finance_director: 'finance_director' } as const;
    for (const level of chain as (keyof typeof approvers)[]) {
      const who = approvers[level];
      const task = await fx.h.taskFor(token[who]!, created.id);
      expect(task.assigneeId).toBe(id[who]);
      const done = await fx.h.decide(token[who]!, task.id, 'approve');
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      expect(done.body.task.status).toBe('completed');
    }
    const final = await fx.h.waitForStatus(token.requester!, created.id, 'approved');
    expect(final.steps.map((s) => s.role)).toEqual(chain);
    expect(final.steps.every((s) => s.status === 'approved')).toBe(true);
    const decisionMail = await fx.database.db.select().from(mailOutbox).where(eq(mailOutbox.idempotencyKey, `${submitted.workflowId}:decision:approved`));
    expect(decisionMail).toHaveLength(1);
    // The process is found in Temporal visibility by its number, requester and status.
    const found = await fx.h.eventually(
      async () => {
        const ids: string[] = [];
        for await (const execution of fx.engine.client.workflow.list({ query: `DocumentNumber = '${submitted.number}' AND RequesterId = '${id.requester}' AND ProcessStatus = 'approved'` })) ids.push(execution.workflowId);
        return ids;
      },
      (ids) => ids.length === 1,
      'the process in visibility',
    );
    expect(found).toEqual([submitted.workflowId]);
  });

  it('reject needs a comment, ends the chain and tells the requester', async () => {
    const created = await fx.h.createRequisition(token.requester!, '800.00');
    await fx.h.submit(token.requester!, created.id);
    const task = await fx.h.taskFor(token.manager!, created.id);
    const noComment = await fx.h.decide(token.manager!, task.id, 'reject');
    expect(noComment.status).toBe(422);
    expect(noComment.body.errors[0].path).toBe('comment');
    const rejected = await fx.h.decide(token.manager!, task.id, 'reject', 'Use the stock in building B');
    expect(rejected.status).toBe(200);
    expect(rejected.body.process.status).toBe('rejected');
    const view = await fx.h.requisition(token.requester!, created.id);
    expect(view.status).toBe('rejected');
    expect(view.steps[0]).toMatchObject({ status: 'rejected', comment: 'Use the stock in building B', decidedBy: id.manager });
    // Acting twice, or on a decided requisition, is a conflict and changes nothing.
    expect((await fx.h.decide(token.manager!, task.id, 'approve')).status).toBe(409);
  });

  it('question, then answer without change: back to the same approver', async () => {
    const created = await fx.h.createRequisition(token.requester!, '300.00');
    await fx.h.submit(token.requester!, created.id);
    const task = await fx.h.taskFor(token.manager!, created.id);
    const asked = await fx.h.decide(token.manager!, task.id, 'question', 'Which machine is this for?');
    expect(asked.body.process.status).toBe('questioned');
    await fx.h.waitForStatus(token.requester!, created.id, 'questioned');
    const answerTask = await fx.h.taskFor(token.requester!, created.id, 'requisition_answer');
    expect(answerTask.actions).toEqual(['answer', 'withdraw']);
    expect((await fx.h.decide(token.requester!, answerTask.id, 'answer', 'Press line 2')).status).toBe(200);
    const again = await fx.h.taskFor(token.manager!, created.id);
    expect(again.id).not.toBe(task.id);
    expect((await fx.h.decide(token.manager!, again.id, 'approve')).status).toBe(200);
    await fx.h.waitForStatus(token.requester!, created.id, 'approved');
  });

  it('question, then an amendment across a threshold restarts the chain with the new levels', async () => {
    const created = await fx.h.createRequisition(token.requester!, '400.00');
    await fx.h.submit(token.requester!, created.id);
    const task = await fx.h.taskFor(token.manager!, created.id);
    await fx.h.decide(token.manager!, task.id, 'question', 'Do you need a spare as well?');
    await fx.h.waitForStatus(token.requester!, created.id, 'questioned');
    // Edits are refused outside draft/questioned; here it is questioned, so the amendment goes through.
    const amended = await fx.api.request('PUT', `/requisitions/${created.id}`, { token: token.requester!, body: { title: 'Parts and a spare', purpose: 'daily_operations', lines: [fx.h.line('400.00'), fx.h.line('4600.00', '1', 'Spare unit')] } });
    expect(amended.status, JSON.stringify(amended.body)).toBe(200);
    expect(amended.body.total).toBe('5000.00');
    const answerTask = await fx.h.taskFor(token.requester!, created.id, 'requisition_answer');
    await fx.h.decide(token.requester!, answerTask.id, 'answer', 'Added the spare');
    const restarted = await fx.h.taskFor(token.manager!, created.id);
    await fx.h.decide(token.manager!, restarted.id, 'approve');
    const pmTask = await fx.h.taskFor(token.procurement_manager!, created.id);
    await fx.h.decide(token.procurement_manager!, pmTask.id, 'approve');
    const final = await fx.h.waitForStatus(token.requester!, created.id, 'approved');
    expect(final.steps.map((s) => s.role)).toEqual(['line_manager', 'procurement_manager']);
    const amendments = await fx.database.db.select().from(auditLog).where(and(eq(auditLog.subjectId, created.id), eq(auditLog.action, 'requisition.amended')));
    expect(amendments).toHaveLength(1);
  });

  it('withdraw until the final approval; afterwards 409', async () => {
    const created = await fx.h.createRequisition(token.requester!, '900.00');
    await fx.h.submit(token.requester!, created.id);
    const task = await fx.h.taskFor(token.manager!, created.id);
    const withdrawn = await fx.api.request('POST', `/requisitions/${created.id}/withdraw`, { token: token.requester!, body: { reason: 'Found one in stock' } });
    expect(withdrawn.status, JSON.stringify(withdrawn.body)).toBe(200);
    expect(withdrawn.body.status).toBe('withdrawn');
    const [cancelled] = await fx.database.db.select().from(tasks).where(eq(tasks.id, task.id));
    expect(cancelled!.status).toBe('cancelled');
    expect((await fx.h.decide(token.manager!, task.id, 'approve')).status).toBe(409);

    const approved = await fx.h.createRequisition(token.requester!, '100.00');
    await fx.h.submit(token.requester!, approved.id);
    await fx.h.decide(token.manager!, (await fx.h.taskFor(token.manager!, approved.id)).id, 'approve');
    await fx.h.waitForStatus(token.requester!, approved.id, 'approved');
    expect((await fx.api.request('POST', `/requisitions/${approved.id}/withdraw`, { token: token.requester! })).status).toBe(409);
    // Someone else's requisition: not visible, so 404.
    expect((await fx.api.request('POST', `/requisitions/${approved.id}/withdraw`, { token: token.engineer! })).status).toBe(404);
  });

  it("refuses acting on someone else's task and approving your own requisition", async () => {
    const created = await fx.h.createRequisition(token.requester!, '700.00');
    await fx.h.submit(token.requester!, created.id);
    const task = await fx.h.taskFor(token.manager!, created.id);
    expect((await fx.h.decide(token.procurement_manager!, task.id, 'approve')).status).toBe(404);
    expect((await fx.h.decide(token.requester!, task.id, 'approve')).status).toBe(404);
    expect((await fx.h.decide(token.admin!, task.id, 'approve')).status).toBe(404);
    // The auditor reads everything (so sees the task) but may not act: 403.
    expect((await fx.h.decide(token.auditor!, task.id, 'approve')).status).toBe(403);
    const first = await fx.h.decide(token.manager!, task.id, 'approve');
    expect(first.status).toBe(200);
    // A retried identical request is applied once and answered the same.
    const retry = await fx.h.decide(token.manager!, task.id, 'approve');
    expect(retry.status).toBe(200);
    expect(retry.body.task.completedAt).toBe(first.body.task.completedAt);
    const completions = await fx.database.db.select().from(auditLog).where(and(eq(auditLog.subjectId, task.id), eq(auditLog.action, 'task.completed')));
    expect(completions).toHaveLength(1);
  });
});
