import { and, eq, like } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, mailOutbox, tasks } from '../../db/schema/index.ts';
import { useProcessFixture } from '../support/process-fixture.ts';

/** Delegation, segregation of duties, claiming, bulk decisions, live events, SLA timers and bad input. */
describe('requisition rules', () => {
  const fx = useProcessFixture(['requester', 'engineer', 'manager', 'procurement_manager', 'finance_director', 'admin', 'auditor']);
  const { token, id } = fx;

  it('delegation: the out-of-office manager’s delegate acts on their behalf; SoD then reroutes the next step up the line', async () => {
    const now = Date.now();
    const away = await fx.api.request('PUT', '/me/out-of-office', { token: token.manager!, body: { from: new Date(now - 3_600_000).toISOString(), until: new Date(now + 86_400_000).toISOString(), delegateId: id.procurement_manager } });
    expect(away.status).toBe(200);
    // The delegate's ability is computed per request, so sign in again is not needed.
    const created = await fx.h.createRequisition(token.engineer!, '5000.00');
    const { workflowId } = await fx.h.submit(token.engineer!, created.id);
    const task = await fx.h.taskFor(token.procurement_manager!, created.id);
    expect(task.assigneeId).toBe(id.manager);
    expect(task.access).toBe('delegate');
    const mails = await fx.h.eventually(() => fx.database.db.select().from(mailOutbox).where(like(mailOutbox.idempotencyKey, `${workflowId}:r0-s0:assigned:%`)), (rows) => rows.length === 2, 'mail to assignee and delegate');
    expect(mails.map((m) => m.toUserId).sort()).toEqual([id.manager, id.procurement_manager].sort());
    const done = await fx.h.decide(token.procurement_manager!, task.id, 'approve');
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.task).toMatchObject({ completedById: id.procurement_manager, onBehalfOfId: id.manager });
    const [audit] = await fx.database.db.select().from(auditLog).where(and(eq(auditLog.subjectId, task.id), eq(auditLog.action, 'task.completed')));
    expect(audit).toMatchObject({ actorId: id.procurement_manager, onBehalfOfId: id.manager });
    // The only procurement manager already approved (as delegate): the step goes up her line, to the finance director.
    const rerouted = await fx.h.taskFor(token.finance_director!, created.id);
    const view = await fx.h.requisition(token.engineer!, created.id);
    expect(view.steps[1]).toMatchObject({ role: 'procurement_manager', status: 'active', assigneeId: id.finance_director });
    expect(view.steps[1]!.note).toMatch(/Segregation of duties: Priya Patel already approved a step of this chain.*Fiona Finch/);
    expect((await fx.h.decide(token.procurement_manager!, rerouted.id, 'approve')).status).toBe(404);
    expect((await fx.h.decide(token.finance_director!, rerouted.id, 'approve')).status).toBe(200);
    await fx.h.waitForStatus(token.engineer!, created.id, 'approved');
    expect((await fx.api.request('DELETE', '/me/out-of-office', { token: token.manager! })).status).toBe(200);
  });

  it('a step offered to a role pool is claimed first, by one person only', async () => {
    const second = await fx.api.request('POST', '/users', { token: token.admin!, body: { email: 'paul.pm@example.com', name: 'Paul Procurement', password: 'a-long-password-1', roles: ['procurement_manager'] } });
    expect(second.status).toBe(201);
    const paul = await fx.api.login('paul.pm@example.com', 'a-long-password-1');
    const created = await fx.h.createRequisition(token.requester!, '3000.00');
    await fx.h.submit(token.requester!, created.id);
    await fx.h.decide(token.manager!, (await fx.h.taskFor(token.manager!, created.id)).id, 'approve');
    const pooled = await fx.h.taskFor(paul, created.id);
    expect(pooled).toMatchObject({ assigneeId: null, access: 'candidate' });
    expect((await fx.h.taskFor(token.procurement_manager!, created.id)).id).toBe(pooled.id);
    expect((await fx.h.decide(paul, pooled.id, 'approve')).status).toBe(403);
    const claimed = await fx.api.request('POST', `/tasks/${pooled.id}/claim`, { token: paul });
    expect(claimed.status, JSON.stringify(claimed.body)).toBe(200);
    expect(claimed.body.task).toMatchObject({ assigneeId: second.body.id, access: 'assignee' });
    expect((await fx.api.request('POST', `/tasks/${pooled.id}/claim`, { token: token.procurement_manager! })).status).toBe(409);
    expect((await fx.h.decide(paul, pooled.id, 'approve')).status).toBe(200);
    await fx.h.waitForStatus(token.requester!, created.id, 'approved');
    // Leave one procurement manager for the other tests.
    await fx.api.request('PATCH', `/users/${second.body.id}`, { token: token.admin!, body: { active: false } });
  });

  it('bulk approve: one answer listing each result', async () => {
    const ids: string[] = [];
    for (const total of ['110.00', '120.00', '130.00']) {
      const created = await fx.h.createRequisition(token.requester!, total);
      await fx.h.submit(token.requester!, created.id);
      ids.push((await fx.h.taskFor(token.manager!, created.id)).id);
    }
    const foreign = await fx.h.createRequisition(token.requester!, '140.00');
    await fx.h.submit(token.requester!, foreign.id);
    const foreignTask = await fx.h.taskFor(token.manager!, foreign.id);
    await fx.h.decide(token.manager!, foreignTask.id, 'reject', 'Not needed');
    const bulk = await fx.api.request('POST', '/tasks/bulk-complete', { token: token.manager!, body: { taskIds: [...ids, foreignTask.id], action: 'approve' } });
    expect(bulk.status).toBe(200);
    expect(bulk.body).toMatchObject({ succeeded: 3, failed: 1 });
    expect(bulk.body.results.map((r: { status: number }) => r.status)).toEqual([200, 200, 200, 409]);
  });

  it('streams inbox changes as server-sent events', async () => {
    const response = await fx.api.app.request('/api/v1/tasks/events', { headers: { authorization: `Bearer ${token.manager}` } });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let received = '';
    const read = (async () => {
      while (!received.includes('event: task')) {
        const { value, done } = await reader.read();
        if (done) break;
        received += decoder.decode(value);
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const created = await fx.h.createRequisition(token.requester!, '150.00');
    await fx.h.submit(token.requester!, created.id);
    await Promise.race([read, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    await reader.cancel();
    expect(received).toContain('event: ready');
    expect(received).toMatch(/event: task\ndata: \{"type":"created","taskId":"[0-9a-f-]+"\}/);
  });

  it.each([
    ['zero quantity', { lines: [{ description: 'x', quantity: '0', unit: 'each', unitPrice: '1' }] }, 'lines.0.quantity', 400],
    ['negative quantity', { lines: [{ description: 'x', quantity: '-2', unit: 'each', unitPrice: '1' }] }, 'lines.0.quantity', 400],
    ['price with 5 decimals', { lines: [{ description: 'x', quantity: '1', unit: 'each', unitPrice: '1.12345' }] }, 'lines.0.unitPrice', 400],
    ['price as a number', { lines: [{ description: 'x', quantity: '1', unit: 'each', unitPrice: 10.5 }] }, 'lines.0.unitPrice', 400],
    ['no lines', { lines: [] }, 'lines', 400],
    ['101 lines', { lines: Array.from({ length: 101 }, () => ({ description: 'x', quantity: '1', unit: 'each', unitPrice: '1' })) }, 'lines', 400],
    ['unknown supplier', { lines: [{ description: 'x', quantity: '1', unit: 'each', unitPrice: '1', supplierId: '00000000-0000-4000-8000-000000000000' }] }, 'lines.0.supplierId', 422],
    ['project purpose without a project', { purpose: 'project' }, 'projectId', 422],
    ['unknown project', { purpose: 'project', projectId: '00000000-0000-4000-8000-000000000000' }, 'projectId', 422],
    ['bad needed-by date', { neededBy: '2026-13-45' }, 'neededBy', 400],
    ['quantity beyond the money columns', { lines: [{ description: 'x', quantity: '12345678', unit: 'each', unitPrice: '1' }] }, 'lines.0.quantity', 400],
  ])('refuses %s with a 4xx naming the field, creating nothing (400: against the schema; 422: a rule beyond it)', async (_name, change, path, status) => {
    const body = { title: 'Bad', purpose: 'daily_operations', lines: [{ description: 'x', quantity: '1', unit: 'each', unitPrice: '1' }], ...change };
    const before = (await fx.api.request('GET', '/requisitions?mine=true&limit=200', { token: token.engineer! })).body.items.length;
    const response = await fx.api.request('POST', '/requisitions', { token: token.engineer!, body });
    expect(response.status).toBe(status);
    expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect((await fx.api.request('GET', '/requisitions?mine=true&limit=200', { token: token.engineer! })).body.items.length).toBe(before);
  });

  it('refuses a total above the policy maximum at submission, and edits once submitted', async () => {
    const huge = await fx.h.createRequisition(token.engineer!, '2000000.00');
    const refused = await fx.api.request('POST', `/requisitions/${huge.id}/submit`, { token: token.engineer! });
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toMatch(/above the policy maximum/);
    expect((await fx.h.requisition(token.engineer!, huge.id)).status).toBe('draft');
    const normal = await fx.h.createRequisition(token.engineer!, '50.00');
    await fx.h.submit(token.engineer!, normal.id);
    const edit = await fx.api.request('PUT', `/requisitions/${normal.id}`, { token: token.engineer!, body: { title: 'Changed', purpose: 'daily_operations', lines: [fx.h.line('60.00')] } });
    expect(edit.status).toBe(409);
    // Only admins change the policy.
    expect((await fx.api.request('PUT', '/policies/approval', { token: token.manager!, body: { procurementManagerAbove: '1000.00', financeDirectorAbove: '25000.00', stepSla: 'P2D' } })).status).toBe(403);
    const badPolicy = await fx.api.request('PUT', '/policies/approval', { token: token.admin!, body: { procurementManagerAbove: '1000.00', financeDirectorAbove: '500.00', stepSla: 'two days' } });
    expect(badPolicy.status).toBe(400);
  });

  it('SLA: a reminder at half the SLA, then escalation to the manager’s manager; the original assignee keeps read access; a running chain keeps its policy', async () => {
    const policy = await fx.api.request('PUT', '/policies/approval', { token: token.admin!, body: { procurementManagerAbove: '1000.00', financeDirectorAbove: '25000.00', stepSla: 'PT3S' } });
    expect(policy.status).toBe(200);
    const created = await fx.h.createRequisition(token.requester!, '400.00');
    const { workflowId } = await fx.h.submit(token.requester!, created.id);
    // Later policy changes do not touch the running chain.
    await fx.api.request('PUT', '/policies/approval', { token: token.admin!, body: { procurementManagerAbove: '1000.00', financeDirectorAbove: '25000.00', stepSla: 'P2D' } });
    const task = await fx.h.taskFor(token.manager!, created.id);
    const reminder = await fx.h.eventually(() => fx.database.db.select().from(mailOutbox).where(and(eq(mailOutbox.template, 'reminder'), eq(mailOutbox.processId, workflowId))), (rows) => rows.length > 0, 'a reminder mail', 10_000);
    expect(reminder[0]!.toUserId).toBe(id.manager);
    const escalated = await fx.h.eventually(() => fx.database.db.select().from(tasks).where(eq(tasks.id, task.id)), (rows) => rows[0]!.escalationLevel === 1, 'the escalation', 10_000);
    expect(escalated[0]).toMatchObject({ assigneeId: id.finance_director, watcherIds: [id.manager] });
    const [reminderAudit] = await fx.database.db.select().from(auditLog).where(and(eq(auditLog.subjectId, task.id), eq(auditLog.action, 'task.reminder_sent')));
    const [escalationAudit] = await fx.database.db.select().from(auditLog).where(and(eq(auditLog.subjectId, task.id), eq(auditLog.action, 'task.escalated')));
    expect(reminderAudit!.id).toBeLessThan(escalationAudit!.id);
    const seen = await fx.api.request('GET', `/tasks/${task.id}`, { token: token.manager! });
    expect(seen.status).toBe(200);
    expect(seen.body.access).toBe('watcher');
    expect((await fx.h.decide(token.manager!, task.id, 'approve')).status).toBe(403);
    expect((await fx.h.decide(token.finance_director!, task.id, 'approve')).status).toBe(200);
    await fx.h.waitForStatus(token.requester!, created.id, 'approved');
    const escalationMails = await fx.database.db.select().from(mailOutbox).where(and(eq(mailOutbox.template, 'escalation'), eq(mailOutbox.processId, workflowId)));
    expect(escalationMails.map((m) => m.toUserId).sort()).toEqual([id.finance_director, id.manager].sort());
  });

  it('escalates at most three levels up the line, then tells the admins', async () => {
    const make = async (name: string, roles: string[], managerId: string | null) =>
      (await fx.api.request('POST', '/users', { token: token.admin!, body: { email: `${name}@example.com`, name, password: 'a-long-password-1', roles, ...(managerId ? { managerId } : {}) } })).body.id as string;
    const top = await make('level4', ['manager'], null);
    const third = await make('level3', ['manager'], top);
    const second = await make('level2', ['manager'], third);
    const first = await make('level1', ['manager'], second);
    await make('asker', ['requester'], first);
    const asker = await fx.api.login('asker@example.com', 'a-long-password-1');
    await fx.api.request('PUT', '/policies/approval', { token: token.admin!, body: { procurementManagerAbove: '1000.00', financeDirectorAbove: '25000.00', stepSla: 'PT1S' } });
    const created = await fx.h.createRequisition(asker, '90.00');
    const { workflowId } = await fx.h.submit(asker, created.id);
    await fx.api.request('PUT', '/policies/approval', { token: token.admin!, body: { procurementManagerAbove: '1000.00', financeDirectorAbove: '25000.00', stepSla: 'P2D' } });
    const alert = await fx.h.eventually(() => fx.database.db.select().from(mailOutbox).where(and(eq(mailOutbox.template, 'admin-alert'), eq(mailOutbox.processId, workflowId))), (rows) => rows.length > 0, 'the admin alert', 15_000);
    expect(alert[0]!.toUserId).toBe(id.admin);
    const [task] = await fx.database.db.select().from(tasks).where(and(eq(tasks.subjectId, created.id), eq(tasks.kind, 'requisition_approval')));
    expect(task).toMatchObject({ escalationLevel: 3, assigneeId: top, status: 'open' });
    expect([...task!.watcherIds].sort()).toEqual([first, second, third].sort());
    const escalations = await fx.database.db.select().from(auditLog).where(and(eq(auditLog.subjectId, task!.id), eq(auditLog.action, 'task.escalated')));
    expect(escalations).toHaveLength(3);
    // The top of the line can still decide.
    const topToken = await fx.api.login('level4@example.com', 'a-long-password-1');
    expect((await fx.h.decide(topToken, task!.id, 'approve')).status).toBe(200);
  });
});
