import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, mailOutbox, tasks } from '../../db/schema/index.ts';
import { createTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { processHelpers } from '../support/process.ts';
import { createTestEngine, type TestEngine } from '../support/worker.ts';
import '../fixtures/gadget-process/forms.ts';
import { createGadgetTable, gadgetRow, gadgetSubject, insertGadget } from '../fixtures/gadget-process/subject.ts';

/**
 * A second process type, defined in test code only (test/fixtures/gadget-process:
 * its task kinds, a form, a workflow on the shared human-task helper and a
 * subject adapter), driven through the real API, inbox and e-mail link. It
 * proves a new process needs no change to the task service, the inbox or the
 * mail code: nothing under api/, activities/ or workflows/ names it.
 */
describe('a new process type on the human-task building block', () => {
  let database: TestDatabase;
  let engine: TestEngine;
  let api: TestApi;
  let h: ReturnType<typeof processHelpers>;
  const token: Record<string, string> = {};
  const id: Record<string, string> = {};

  beforeAll(async () => {
    database = await createTestDatabase();
    await createGadgetTable(database.db);
    engine = await createTestEngine(database.db, {
      process: { workflowsPath: fileURLToPath(new URL('../fixtures/gadget-process/workflows.ts', import.meta.url)), extend: { subjects: { Gadget: gadgetSubject() } } },
    });
    api = await createTestApi({ TEMPORAL_TASK_QUEUE: engine.taskQueue }, { database });
    h = processHelpers(api);
    for (const who of ['requester', 'buyer', 'manager'] as const) {
      token[who] = await api.login(who);
      id[who] = await api.userId(who);
    }
    engine.start();
  }, 180_000);
  afterAll(async () => {
    await engine?.close();
    await api?.close();
    await database?.drop();
  });

  async function startGadget(title: string) {
    const gadgetId = randomUUID();
    await insertGadget(database.db, { id: gadgetId, number: `GAD-${gadgetId.slice(0, 6)}`, title });
    const handle = await engine.client.workflow.start('gadgetWorkflow', { taskQueue: engine.taskQueue, workflowId: `gadget-${gadgetId}`, args: [{ gadgetId, requesterId: id.requester }] });
    return { gadgetId, handle };
  }

  const taskOf = (who: string, gadgetId: string, kind: string) => h.taskFor(token[who]!, gadgetId, kind);

  it('lists its kinds in the registry the API serves, with the form as JSON Schema', async () => {
    const kinds = await api.request('GET', '/tasks/kinds', { token: token.buyer });
    const pricing = (kinds.body.items as { kind: string; actions: { name: string; form: boolean; formSchema: { required?: string[] } | null }[] }[]).find((k) => k.kind === 'gadget_pricing');
    expect(pricing?.actions[0]).toMatchObject({ name: 'set_price', form: true });
    expect(pricing?.actions[0]?.formSchema?.required).toEqual(['unitPrice', 'deliveryDate']);
  });

  it('runs end to end: form data validated by the kind, segregation of duties, inbox, mail link with a required comment', async () => {
    const { gadgetId, handle } = await startGadget('Flux capacitor');
    const pricing = await taskOf('buyer', gadgetId, 'gadget_pricing');
    expect(pricing).toMatchObject({ kind: 'gadget_pricing', assigneeId: id.buyer, actions: ['set_price'] });

    // Data that does not fit the kind's form (a rule beyond the body's schema): 422 naming the field, nothing changed.
    const bad = await api.request('POST', `/tasks/${pricing.id}/complete`, { token: token.buyer, body: { action: 'set_price', data: { unitPrice: '12.345', deliveryDate: '2027-01-15' } } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([expect.objectContaining({ path: 'data.unitPrice' })]);
    const missing = await api.request('POST', `/tasks/${pricing.id}/complete`, { token: token.buyer, body: { action: 'set_price' } });
    expect(missing.status).toBe(422);
    expect(missing.body.errors[0].path).toMatch(/^data/);
    // An action the kind does not have.
    const foreign = await api.request('POST', `/tasks/${pricing.id}/complete`, { token: token.buyer, body: { action: 'approve' } });
    expect(foreign.status).toBe(422);
    expect(foreign.body.errors[0].path).toBe('action');
    expect((await database.db.select().from(tasks).where(eq(tasks.id, pricing.id)))[0]!.status).toBe('open');

    const priced = await api.request('POST', `/tasks/${pricing.id}/complete`, { token: token.buyer, body: { action: 'set_price', data: { unitPrice: '1210.50', deliveryDate: '2027-01-15' } } });
    expect(priced.status, JSON.stringify(priced.body)).toBe(200);
    expect(priced.body.process.status).toBe('checking');
    const [pricedRow] = await database.db.select().from(tasks).where(eq(tasks.id, pricing.id));
    expect(pricedRow!.data).toMatchObject({ decision: { unitPrice: '1210.50', deliveryDate: '2027-01-15' } });

    // The check goes to the requester's line manager; its details carry the gadget's summary for the inbox.
    const check = await taskOf('manager', gadgetId, 'gadget_check');
    const listed = await api.request('GET', `/tasks/${check.id}`, { token: token.manager });
    expect(listed.body).toMatchObject({ kind: 'gadget_check', title: expect.stringMatching(/^Check GAD-\w+: Flux capacitor$/), details: { stepLabel: 'Check', price: '1210.50', subject: { typeLabel: 'Gadget', facts: [{ label: 'Price', amount: '1210.50' }] } } });
    expect((await gadgetRow(database.db, gadgetId))).toMatchObject({ status: 'checking', price: '1210.50' });

    // The task mail carries one link per action of the kind.
    const [assigned] = await database.db.select().from(mailOutbox).where(and(eq(mailOutbox.processId, `gadget-${gadgetId}`), like(mailOutbox.idempotencyKey, '%:check:assigned:%')));
    expect(assigned!.subject).toMatch(/^Check a gadget: GAD-/);
    const links = [...assigned!.text.matchAll(/http:\/\/localhost:3000\/action\/([\w-]+\.[\w-]+)/g)].map((m) => m[1]!);
    expect(links).toHaveLength(2);
    const views = await Promise.all(links.map(async (link) => ({ link, view: (await api.request('GET', `/action-links/${link}`)).body as { action: string; commentRequired: boolean; subject: { typeLabel: string } } })));
    const reject = views.find((v) => v.view.action === 'reject')!;
    expect(reject.view).toMatchObject({ commentRequired: true, subject: { typeLabel: 'Gadget' } });

    // Confirming a reject without its comment is refused and leaves the link unused; with the comment it acts once.
    const noComment = await api.request('POST', `/action-links/${reject.link}`, { body: {} });
    expect(noComment.status).toBe(422);
    expect(noComment.body.errors[0].path).toBe('comment');
    expect((await api.request('GET', `/action-links/${reject.link}`)).status).toBe(200);
    const rejected = await api.request('POST', `/action-links/${reject.link}`, { body: { comment: 'The flux is off by a gigawatt' } });
    expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);
    expect(rejected.body).toMatchObject({ task: { status: 'completed', outcome: 'reject', completedById: id.manager, comment: 'The flux is off by a gigawatt' }, process: { status: 'refused' } });
    expect((await api.request('POST', `/action-links/${reject.link}`, { body: { comment: 'again' } })).status).toBe(410);

    expect(await handle.result()).toEqual({ status: 'refused', price: '1210.50' });
    expect(await gadgetRow(database.db, gadgetId)).toMatchObject({ status: 'refused' });
    const audit = await database.db.select().from(auditLog).where(eq(auditLog.processId, `gadget-${gadgetId}`));
    expect(audit.map((entry) => entry.action).sort()).toEqual(['gadget.checking', 'gadget.refused', 'task.completed', 'task.completed', 'task.created', 'task.created']);
  });

  it('segregation of duties: whoever priced it cannot check it; the step goes up the line and says why', async () => {
    // The buyer reports to the procurement manager; here the buyer is made the requester's line manager too.
    const buyerIsManager = await api.request('PATCH', `/users/${id.requester}`, { token: await api.login('admin'), body: { managerId: id.buyer } });
    expect(buyerIsManager.status, JSON.stringify(buyerIsManager.body)).toBe(200);
    try {
      const { gadgetId, handle } = await startGadget('Hoverboard');
      const pricing = await taskOf('buyer', gadgetId, 'gadget_pricing');
      expect((await api.request('POST', `/tasks/${pricing.id}/complete`, { token: token.buyer, body: { action: 'set_price', data: { unitPrice: '99.00', deliveryDate: '2027-02-01' } } })).status).toBe(200);
      const procurement = await api.login('procurement_manager');
      const check = await h.taskFor(procurement, gadgetId, 'gadget_check');
      const [row] = await database.db.select().from(tasks).where(eq(tasks.id, check.id));
      expect(row!.data.note).toMatch(/Segregation of duties: .* priced it; rerouted up the management line to/);
      expect((await api.request('POST', `/tasks/${check.id}/complete`, { token: procurement, body: { action: 'approve' } })).status).toBe(200);
      expect(await handle.result()).toEqual({ status: 'accepted', price: '99.00' });
    } finally {
      await api.request('PATCH', `/users/${id.requester}`, { token: await api.login('admin'), body: { managerId: id.manager } });
    }
  });

  it('a task whose workflow is gone (terminated by hand) answers 409 at once and changes nothing', async () => {
    const { gadgetId, handle } = await startGadget('Time machine');
    const pricing = await taskOf('buyer', gadgetId, 'gadget_pricing');
    await handle.terminate('by hand, in a test');
    const started = Date.now();
    const answer = await api.request('POST', `/tasks/${pricing.id}/complete`, { token: token.buyer, body: { action: 'set_price', data: { unitPrice: '1.00', deliveryDate: '2027-03-01' } } });
    expect(answer.status).toBe(409);
    expect(answer.headers.get('content-type')).toMatch(/problem\+json/);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await database.db.select().from(tasks).where(eq(tasks.id, pricing.id)))[0]!.status).toBe('open');
  });

  it('a task of a kind no longer registered is refused with 409, not a 500', async () => {
    const { gadgetId, handle } = await startGadget('Teleporter');
    const pricing = await taskOf('buyer', gadgetId, 'gadget_pricing');
    await handle.terminate('retired process type');
    await database.db.update(tasks).set({ kind: 'retired_kind' }).where(eq(tasks.id, pricing.id));
    const answer = await api.request('POST', `/tasks/${pricing.id}/complete`, { token: token.buyer, body: { action: 'set_price', data: { unitPrice: '1.00', deliveryDate: '2027-03-01' } } });
    expect(answer.status).toBe(409);
    expect(answer.body.detail).toMatch(/retired_kind/);
  });
});
