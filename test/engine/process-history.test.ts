import { describe, expect, it } from 'vitest';
import { useProcessFixture } from '../support/process-fixture.ts';

interface Item {
  at: string;
  source: 'audit' | 'engine';
  type: string;
  actor?: string | null;
  onBehalfOf?: string | null;
  detail: string;
}

/** The auditor's merged timeline of one process. */
describe('process history', () => {
  const fx = useProcessFixture(['requester', 'engineer', 'manager', 'procurement_manager', 'finance_director', 'admin', 'auditor']);
  const { token, id } = fx;

  it('shows a questioned, escalated, delegated and approved requisition in order, with actor and on-behalf-of', async () => {
    const now = Date.now();
    await fx.api.request('PUT', '/me/out-of-office', { token: token.finance_director!, body: { from: new Date(now - 60_000).toISOString(), until: new Date(now + 3_600_000).toISOString(), delegateId: id.procurement_manager } });
    await fx.api.request('PUT', '/policies/approval', { token: token.admin!, body: { procurementManagerAbove: '1000.00', financeDirectorAbove: '25000.00', stepSla: 'PT2S' } });
    const created = await fx.h.createRequisition(token.requester!, '420.00');
    const { workflowId } = await fx.h.submit(token.requester!, created.id);
    await fx.api.request('PUT', '/policies/approval', { token: token.admin!, body: { procurementManagerAbove: '1000.00', financeDirectorAbove: '25000.00', stepSla: 'P2D' } });
    await fx.h.decide(token.manager!, (await fx.h.taskFor(token.manager!, created.id)).id, 'question', 'Which press?');
    await fx.h.decide(token.requester!, (await fx.h.taskFor(token.requester!, created.id, 'requisition_answer')).id, 'answer', 'Press 2');
    // Nobody acts: the step escalates to the manager's manager, who is away; her delegate approves.
    const escalated = await fx.h.taskFor(token.procurement_manager!, created.id);
    expect(escalated.access).toBe('delegate');
    expect((await fx.h.decide(token.procurement_manager!, escalated.id, 'approve')).status).toBe(200);
    await fx.h.waitForStatus(token.requester!, created.id, 'approved');

    const response = await fx.h.eventually(
      () => fx.api.request('GET', `/processes/${workflowId}/history`, { token: token.auditor! }),
      (r) => (r.body.items as Item[] | undefined)?.some((i) => i.type === 'process.completed') ?? false,
      'the completed timeline',
    );
    const items = response.body.items as Item[];
    if (process.env.SHOW_TIMELINE) console.log(items.map((i) => `${i.at.slice(11, 23)} ${i.source.padEnd(6)} ${i.type.padEnd(24)} ${(i.actor ?? '').padEnd(12)} ${i.onBehalfOf ? `for ${i.onBehalfOf} ` : ''}${i.detail}`).join('\n'));
    const at = (predicate: (item: Item) => boolean, what: string) => {
      const index = items.findIndex(predicate);
      expect(index, what).toBeGreaterThanOrEqual(0);
      return index;
    };
    const order = [
      at((i) => i.type === 'requisition.submitted' && i.actor === 'Rita Reyes', 'submitted by the requester'),
      at((i) => i.type === 'process.started', 'engine: process started'),
      at((i) => i.type === 'decision.accepted' && i.detail.includes('question') && i.actor === 'Marco Meyer', 'engine: the question accepted'),
      at((i) => i.type === 'requisition.questioned' && i.actor === 'Marco Meyer', 'audit: questioned'),
      at((i) => i.type === 'task.completed' && i.detail.includes('answer') && i.actor === 'Rita Reyes', 'audit: answered'),
      at((i) => i.type === 'timer.fired' && i.detail.includes('reminder'), 'engine: reminder timer fired'),
      at((i) => i.type === 'task.reminder_sent', 'audit: reminder sent'),
      at((i) => i.type === 'timer.fired' && i.detail.includes('SLA'), 'engine: SLA timer fired'),
      at((i) => i.type === 'task.escalated', 'audit: escalated'),
      at((i) => i.type === 'task.completed' && i.actor === 'Priya Patel' && i.onBehalfOf === 'Fiona Finch', 'audit: approved by the delegate on behalf of the finance director'),
      at((i) => i.type === 'requisition.approved', 'audit: approved'),
      at((i) => i.type === 'process.completed', 'engine: process completed'),
    ];
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(items.some((i) => i.source === 'engine' && i.type === 'activity.completed' && i.detail.startsWith('Reminder e-mailed'))).toBe(true);
    for (let i = 1; i < items.length; i += 1) expect(items[i]!.at >= items[i - 1]!.at).toBe(true);

    // Filters and paging.
    const engineOnly = await fx.api.request('GET', `/processes/${workflowId}/history?source=engine`, { token: token.auditor! });
    expect((engineOnly.body.items as Item[]).every((i) => i.source === 'engine')).toBe(true);
    const byDelegate = await fx.api.request('GET', `/processes/${workflowId}/history?actorId=${id.finance_director}`, { token: token.auditor! });
    expect((byDelegate.body.items as Item[]).some((i) => i.onBehalfOf === 'Fiona Finch')).toBe(true);
    const firstPage = await fx.api.request('GET', `/processes/${workflowId}/history?limit=5`, { token: token.auditor! });
    expect(firstPage.body.items).toHaveLength(5);
    const second = await fx.api.request('GET', `/processes/${workflowId}/history?limit=5&cursor=${firstPage.body.nextCursor}`, { token: token.auditor! });
    expect(second.body.items[0]).toEqual(items[5]);

    // The requester reads their own; another requester gets 404, as for an unknown process.
    expect((await fx.api.request('GET', `/processes/${workflowId}/history`, { token: token.requester! })).status).toBe(200);
    expect((await fx.api.request('GET', `/processes/${workflowId}/history`, { token: token.engineer! })).status).toBe(404);
    expect((await fx.api.request('GET', '/processes/requisition-00000000-0000-4000-8000-000000000000/history', { token: token.auditor! })).status).toBe(404);
    expect((await fx.api.request('GET', '/processes/not a workflow/history', { token: token.auditor! })).status).toBe(400);
  });

  it('finds processes by number, person, supplier, status and dates; exports parse and match', async () => {
    const suppliers = (await fx.api.request('GET', '/suppliers', { token: token.admin! })).body.items as { id: string; name: string }[];
    const withSupplier = await fx.h.createRequisition(token.engineer!, '310.00', { lines: [{ description: 'Bearing', quantity: '2', unit: 'each', unitPrice: '155.00', supplierId: suppliers[1]!.id }] });
    const submitted = await fx.h.submit(token.engineer!, withSupplier.id);
    await fx.h.decide(token.manager!, (await fx.h.taskFor(token.manager!, withSupplier.id)).id, 'approve');
    await fx.h.waitForStatus(token.engineer!, withSupplier.id, 'approved');
    const today = new Date().toISOString().slice(0, 10);
    const search = async (query: string, who = 'auditor') => (await fx.api.request('GET', `/processes?${query}`, { token: token[who]! })).body.items as { workflowId: string; number: string; requesterName: string; status: string }[];
    expect((await search(`number=${submitted.number}`)).map((p) => p.workflowId)).toEqual([submitted.workflowId]);
    expect((await search(`supplierId=${suppliers[1]!.id}`)).map((p) => p.number)).toEqual([submitted.number]);
    expect((await search(`userId=${id.manager}&status=approved`)).map((p) => p.number)).toContain(submitted.number);
    expect((await search(`userId=${id.engineer}`)).every((p) => p.requesterName === 'Erik Engel' || p.status)).toBe(true);
    expect((await search(`from=${today}&to=${today}`)).length).toBeGreaterThanOrEqual(2);
    expect(await search('from=2020-01-01&to=2020-01-31')).toEqual([]);
    // Another requester does not find it; an auditor does.
    expect(await search(`number=${submitted.number}`, 'requester')).toEqual([]);
    // Each date is a date; together they break a rule the schema cannot state.
    expect((await fx.api.request('GET', `/processes?from=${today}&to=2020-01-01`, { token: token.auditor! })).status).toBe(422);
    expect((await fx.api.request('GET', '/processes?from=yesterday', { token: token.auditor! })).status).toBe(400);

    // The requisition reads approved a moment before its process has completed (it starts the order's first): wait for the end.
    const timeline = await fx.h.eventually(
      async () => (await fx.api.request('GET', `/processes/${submitted.workflowId}/history`, { token: token.auditor! })).body.items as Item[],
      (items) => items.some((item) => item.type === 'process.completed'),
      'the process completed in its history',
    );
    const json = await fx.api.request('GET', `/processes/${submitted.workflowId}/history?format=json`, { token: token.auditor! });
    expect(json.headers.get('content-disposition')).toMatch(/attachment; filename=".*-history\.json"/);
    expect(json.body.verification).toMatchObject({ ok: true });
    expect(json.body.items).toEqual(timeline);
    const csv = await fx.api.app.request(`/api/v1/processes/${submitted.workflowId}/history?format=csv`, { headers: { authorization: `Bearer ${token.auditor}` } });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe('exported_at,chain_verified,at,source,type,actor,on_behalf_of,detail');
    expect(lines).toHaveLength(timeline.length + 1);
    expect(lines.some((line) => line.includes('requisition.approved') && line.includes('Marco Meyer'))).toBe(true);
    expect(lines.slice(1).every((line) => line.split(',')[1] === 'true')).toBe(true);
    const searchCsv = await fx.api.app.request(`/api/v1/processes?format=csv&number=${submitted.number}`, { headers: { authorization: `Bearer ${token.auditor}` } });
    expect((await searchCsv.text()).trim().split('\r\n')).toHaveLength(2);
    // Auditors read everything and change nothing.
    expect((await fx.api.request('POST', '/requisitions', { token: token.auditor!, body: { title: 'x', purpose: 'daily_operations', lines: [fx.h.line('1.00')] } })).status).toBe(403);
  });
});
