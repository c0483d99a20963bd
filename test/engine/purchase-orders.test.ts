import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailTransport } from '../../activities/mail/transport.ts';
import { auditLog, inventoryBalances, inventoryTransactions, mailOutbox, purchaseOrders, suppliers } from '../../db/schema/index.ts';
import { writePolicy } from '../../db/queries/requisitions.ts';
import { createTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { mimeAttachments, pdfText } from '../support/mime.ts';
import { processHelpers } from '../support/process.ts';
import { decodeQuotedPrintable, startSmtpServer } from '../support/smtp.ts';
import { createTestEngine, type TestEngine } from '../support/worker.ts';

interface Task {
  id: string;
  kind: string;
  subjectId: string;
  assigneeId: string | null;
  candidateRole: string | null;
  details: Record<string, unknown>;
}
interface OrderLine {
  id: string;
  lineNo: number;
  description: string;
  quantity: string;
  cancelledQuantity: string;
  receivedQuantity: string;
  rejectedQuantity: string;
  returnedQuantity: string;
  acceptedQuantity: string;
  openQuantity: string;
  unitPrice: string;
  requisitionLineId: string | null;
}
interface Order {
  id: string;
  number: string | null;
  status: string;
  revision: number;
  supplierId: string;
  total: string;
  deliveryDate: string | null;
  acknowledgement: string | null;
  workflowId: string;
  lines: OrderLine[];
  revisions: { revision: number; total: string; pdfUrl: string }[];
  receipts: { id: string; number: string; lines: { id: string; purchaseOrderLineId: string; quantityReceived: string }[]; returns: { number: string }[] }[];
}

/**
 * Purchase orders end to end on the real dev server (SPEC 4.2): an approved
 * requisition with lines for two suppliers becomes two orders; preparation,
 * approval under segregation of duties, issue with the PDF mailed over real
 * SMTP and read back with pdftotext, the supplier's link, a change order,
 * partial receipts with a return between, cancelling the rest.
 */
describe('purchase orders and goods receipt', () => {
  let database: TestDatabase;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let engine: TestEngine;
  let api: TestApi;
  let h: ReturnType<typeof processHelpers>;
  const token: Record<string, string> = {};
  const id: Record<string, string> = {};
  const supplier: Record<'acme' | 'nordic', { id: string; email: string }> = {} as never;

  beforeAll(async () => {
    database = await createTestDatabase();
    smtp = await startSmtpServer();
    engine = await createTestEngine(database.db, { transport: createMailTransport(`smtp://127.0.0.1:${smtp.port}`)! });
    api = await createTestApi({ TEMPORAL_TASK_QUEUE: engine.taskQueue }, { database });
    h = processHelpers(api);
    for (const key of ['requester', 'manager', 'procurement_manager', 'buyer', 'warehouse', 'admin', 'auditor'] as const) {
      token[key] = await api.login(key);
      id[key] = await api.userId(key);
    }
    // A second buyer who is also a procurement manager: segregation of duties must keep them off their own order's approval.
    const dual = await api.request('POST', '/users', { token: token.admin!, body: { email: 'dana.dual@demo.local', name: 'Dana Dual', password: 'correct horse battery staple', roles: ['buyer', 'procurement_manager'], managerId: id.procurement_manager } });
    expect(dual.status, JSON.stringify(dual.body)).toBe(201);
    id.dual = (dual.body as { id: string }).id;
    token.dual = await api.login('dana.dual@demo.local', 'correct horse battery staple');
    for (const row of await database.db.select().from(suppliers)) {
      if (row.name.startsWith('Acme')) supplier.acme = { id: row.id, email: row.email };
      if (row.name.startsWith('Nordic')) supplier.nordic = { id: row.id, email: row.email };
    }
    engine.start();
  }, 60_000);
  afterAll(async () => {
    await engine?.close();
    await api?.close();
    await smtp?.close();
    await database?.drop();
  });

  const get = async <T>(who: string, path: string) => {
    const response = await api.request('GET', path, { token: token[who] });
    expect(response.status, `${path}: ${JSON.stringify(response.body)}`).toBe(200);
    return response.body as T;
  };
  const order = (who: string, orderId: string) => get<Order>(who, `/purchase-orders/${orderId}`);
  const waitForOrder = (orderId: string, accept: (o: Order) => boolean, what: string) => h.eventually(() => order('buyer', orderId), accept, what);
  const openTasks = async (who: string, kind: string) => ((await get<{ items: Task[] }>(who, `/tasks?status=open&kind=${kind}`)).items ?? []).filter((task) => task.kind === kind);
  const taskOn = (who: string, kind: string, subjectId: string) =>
    h.eventually(
      () => openTasks(who, kind),
      (items) => items.some((task) => task.subjectId === subjectId),
      `${kind} task on ${subjectId} for ${who}`,
    ).then((items) => items.find((task) => task.subjectId === subjectId)!);
  const complete = (who: string, taskId: string, body: Record<string, unknown>) => api.request('POST', `/tasks/${taskId}/complete`, { token: token[who], body });
  const mailTo = (address: string, text: string) =>
    h.eventually(
      () => Promise.resolve(smtp.received.filter((mail) => mail.to.includes(address) && decodeQuotedPrintable(mail.raw).includes(text))),
      (found) => found.length > 0,
      `a mail to ${address} with "${text}"`,
    );
  const supplierLink = (raw: string, action: string) => {
    const match = new RegExp(`http://localhost:3000/supplier/([\\w-]+\\.[\\w-]+)\\?action=${action}`).exec(decodeQuotedPrintable(raw));
    expect(match, `a ${action} link in the supplier mail`).not.toBeNull();
    return match![1]!;
  };

  let requisitionId = '';
  let poA: Order;
  let poB: Order;

  it('an approved requisition with lines for two suppliers becomes two draft orders, each its own process', async () => {
    const created = await api.request('POST', '/requisitions', {
      token: token.requester,
      body: {
        title: 'Bearings and fasteners for line 4',
        purpose: 'daily_operations',
        lines: [
          { description: 'Spindle bearing 6204-2RS', quantity: '40', unit: 'each', unitPrice: '95.00', supplierId: supplier.acme.id },
          { description: 'Bearing grease 400 g', quantity: '10', unit: 'tube', unitPrice: '12.50', supplierId: supplier.acme.id },
          { description: 'Hex bolt M8x40 (box of 100)', quantity: '20', unit: 'box', unitPrice: '18.00', supplierId: supplier.nordic.id },
        ],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    requisitionId = (created.body as { id: string }).id;
    await h.submit(token.requester!, requisitionId);
    for (const who of ['manager', 'procurement_manager'] as const) {
      const task = await h.taskFor(token[who]!, requisitionId);
      // Two procurement managers now: that step is a pool to claim from.
      if (!task.assigneeId) expect((await api.request('POST', `/tasks/${task.id}/claim`, { token: token[who] })).status).toBe(200);
      expect((await h.decide(token[who]!, task.id, 'approve')).status).toBe(200);
    }
    await h.waitForStatus(token.requester!, requisitionId, 'approved');
    const page = await h.eventually(
      () => get<{ items: { id: string; supplierId: string; status: string; workflowId: string }[] }>('buyer', `/purchase-orders?requisitionId=${requisitionId}`),
      (p) => p.items.length === 2,
      'two draft orders',
    );
    expect(page.items.map((o) => o.status)).toEqual(['draft', 'draft']);
    poA = await order('buyer', page.items.find((o) => o.supplierId === supplier.acme.id)!.id);
    poB = await order('buyer', page.items.find((o) => o.supplierId === supplier.nordic.id)!.id);
    expect(poA.lines.map((line) => line.description)).toEqual(['Spindle bearing 6204-2RS', 'Bearing grease 400 g']);
    expect(poB.lines).toHaveLength(1);
    expect(poA.workflowId).toBe(`po-${poA.id}`);
    // Linked both ways: the order's run is a child of the requisition's.
    const description = await engine.client.workflow.getHandle(poA.workflowId).describe();
    expect(description.parentExecution?.workflowId).toBe(`requisition-${requisitionId}`);
    // The requester reads the orders of their own requisition; the warehouse reads every order.
    expect((await api.request('GET', `/purchase-orders/${poA.id}`, { token: token.requester })).status).toBe(200);
    expect((await api.request('GET', `/purchase-orders/${poA.id}`, { token: token.manager })).status).toBe(404);
  });

  it('a buyer prepares the order above 10,000; a procurement manager other than the preparer approves it; it is issued and mailed once with its PDF', async () => {
    // Two buyers now: the prepare step is offered to the pool and claimed.
    const prepare = await taskOn('dual', 'po_prepare', poA.id);
    expect(prepare.candidateRole).toBe('buyer');
    expect((await api.request('POST', `/tasks/${prepare.id}/claim`, { token: token.dual })).status).toBe(200);
    const [bearing, grease] = poA.lines;
    const incomplete = await complete('dual', prepare.id, { action: 'prepare', data: { deliveryDate: '2027-01-15', deliveryAddress: 'Dock 2, Springfield', lines: [{ lineId: bearing!.id, unitPrice: '260.00' }] } });
    expect(incomplete.status).toBe(422);
    expect(JSON.stringify(incomplete.body)).toContain('data.lines');
    const prepared = await complete('dual', prepare.id, {
      action: 'prepare',
      data: { deliveryDate: '2027-01-15', deliveryAddress: 'Dock 2, Springfield', lines: [{ lineId: bearing!.id, unitPrice: '260.00' }, { lineId: grease!.id, unitPrice: '12.50', taxRate: '19' }] },
    });
    expect(prepared.status, JSON.stringify(prepared.body)).toBe(200);
    // 40 x 260.00 = 10,400.00 at 5% (520.00) + 125.00 at 19% (23.75) = 11,068.75: above 10,000.
    const pending = await waitForOrder(poA.id, (o) => o.status === 'pending_approval', 'the order awaiting approval');
    expect(pending.total).toBe('11068.75');
    expect(pending.number).toMatch(/^PO-\d{4}-00001$/);
    const approval = await taskOn('procurement_manager', 'po_approval', poA.id);
    expect(approval.assigneeId).toBe(id.procurement_manager);
    // The preparer, a procurement manager too, was not offered their own order and cannot approve it.
    expect((await openTasks('dual', 'po_approval')).some((task) => task.subjectId === poA.id)).toBe(false);
    expect((await complete('dual', approval.id, { action: 'approve' })).status).toBe(404);
    expect((await complete('procurement_manager', approval.id, { action: 'approve' })).status).toBe(200);
    poA = await waitForOrder(poA.id, (o) => o.status === 'issued', 'order A issued');
    expect(poA.acknowledgement).toBe('awaiting');
    expect(poA.revisions.map((r) => r.revision)).toEqual([0]);

    const [mail] = await mailTo(supplier.acme.email, poA.number!);
    const [pdf] = mimeAttachments(mail!.raw);
    expect(pdf).toMatchObject({ filename: `${poA.number}.pdf`, contentType: 'application/pdf' });
    const text = pdfText(pdf!.content);
    expect(text).toContain(poA.number!);
    expect(text).toContain('Spindle bearing 6204-2RS');
    expect(text).toContain('Bearing grease 400 g');
    expect(text).toMatch(/11,068\.75/);
    // The API serves the same bytes.
    const served = await api.app.request(`/api/v1/purchase-orders/${poA.id}/pdf`, { headers: { authorization: `Bearer ${token.requester}` } });
    expect(served.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await served.arrayBuffer()).equals(pdf!.content)).toBe(true);
    // Once: one outbox row for the issue, one message received.
    expect(await database.db.select().from(mailOutbox).where(eq(mailOutbox.idempotencyKey, `${poA.workflowId}:issue:r0`))).toHaveLength(1);
    expect(smtp.received.filter((m) => m.to.includes(supplier.acme.email) && decodeQuotedPrintable(m.raw).includes('purchase order'))).toHaveLength(1);
  });

  it('an order up to 10,000 is issued without approval; the requisition is ordered once all its lines are on issued orders', async () => {
    const prepare = await taskOn('buyer', 'po_prepare', poB.id);
    expect((await api.request('POST', `/tasks/${prepare.id}/claim`, { token: token.buyer })).status).toBe(200);
    const done = await complete('buyer', prepare.id, { action: 'prepare', data: { deliveryDate: '2027-01-20', deliveryAddress: 'Dock 2, Springfield', lines: [{ lineId: poB.lines[0]!.id, unitPrice: '18.00' }] } });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    poB = await waitForOrder(poB.id, (o) => o.status === 'issued', 'order B issued');
    expect(poB.number).toMatch(/^PO-\d{4}-00002$/);
    expect(poB.total).toBe('378.00');
    await h.waitForStatus(token.requester!, requisitionId, 'ordered');
  });

  it('the supplier confirms one order and proposes another date on the other through their links, without an account', async () => {
    const [mailA] = await mailTo(supplier.acme.email, poA.number!);
    const confirmToken = supplierLink(mailA!.raw, 'confirm');
    const view = await api.request('GET', `/supplier-links/${confirmToken}`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ state: 'open', purchaseOrder: { number: poA.number, total: '11068.75' } });
    // Looking changed nothing.
    expect((await order('buyer', poA.id)).acknowledgement).toBe('awaiting');
    const confirmed = await api.request('POST', `/supplier-links/${confirmToken}`, { body: { action: 'confirm' } });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect((await order('buyer', poA.id)).acknowledgement).toBe('confirmed');
    expect((await api.request('POST', `/supplier-links/${confirmToken}`, { body: { action: 'confirm' } })).status).toBe(409);

    const [mailB] = await mailTo(supplier.nordic.email, poB.number!);
    const proposeToken = supplierLink(mailB!.raw, 'propose_date');
    const noDate = await api.request('POST', `/supplier-links/${proposeToken}`, { body: { action: 'propose_date' } });
    expect(noDate.status).toBe(422);
    const proposed = await api.request('POST', `/supplier-links/${proposeToken}`, { body: { action: 'propose_date', deliveryDate: '2027-02-03', comment: 'Bolts arrive from the mill on 1 Feb' } });
    expect(proposed.status, JSON.stringify(proposed.body)).toBe(200);
    const decision = await taskOn('buyer', 'po_delivery_date', poB.id);
    expect(decision.details.proposedDate).toBe('2027-02-03');
    expect((await complete('buyer', decision.id, { action: 'accept' })).status).toBe(200);
    poB = await waitForOrder(poB.id, (o) => o.deliveryDate === '2027-02-03', 'the accepted date on order B');
    expect(poB.acknowledgement).toBe('date_accepted');
    await mailTo(supplier.nordic.email, 'accepted');
  });

  it('a change order re-issues the order as revision 1 with the same number and the PDF marked as a revision', async () => {
    const lineB = poB.lines[0]!;
    const revised = await api.request('POST', `/purchase-orders/${poB.id}/revisions`, { token: token.buyer, body: { reason: 'Two more boxes for the spare kit', lines: [{ id: lineB.id, quantity: '22' }] } });
    expect(revised.status, JSON.stringify(revised.body)).toBe(200);
    expect(revised.body).toMatchObject({ awaitingApproval: false });
    poB = await waitForOrder(poB.id, (o) => o.revision === 1, 'revision 1');
    expect(poB.number).toMatch(/-00002$/);
    expect(poB.total).toBe('415.80');
    expect(poB.revisions.map((r) => [r.revision, r.total])).toEqual([
      [0, '378.00'],
      [1, '415.80'],
    ]);
    const mails = await mailTo(supplier.nordic.email, 'revision 1');
    const pdf = mimeAttachments(mails[0]!.raw)[0]!;
    expect(pdf.filename).toBe(`${poB.number}-rev1.pdf`);
    expect(pdfText(pdf.content)).toMatch(/Revision 1/);
    // Revision 0 stays readable as it was sent.
    const first = await api.app.request(`/api/v1/purchase-orders/${poB.id}/pdf?revision=0`, { headers: { authorization: `Bearer ${token.buyer}` } });
    expect(pdfText(Buffer.from(await first.arrayBuffer()))).not.toMatch(/Revision 1/);
  });

  it('order A arrives in two partial deliveries with a return in between; over-receipt is refused; stock follows', async () => {
    const [bearing, grease] = poA.lines;
    const receipt = (body: Record<string, unknown>, key?: string) => api.request('POST', '/receipts', { token: token.warehouse, body: { purchaseOrderId: poA.id, ...body }, ...(key ? { headers: { 'idempotency-key': key } } : {}) });
    const over = await receipt({ lines: [{ purchaseOrderLineId: bearing!.id, quantityReceived: '40.0001' }] });
    expect(over.status).toBe(422);
    expect((over.body as { errors: { path: string; message: string }[] }).errors[0]).toMatchObject({ path: 'lines.0.quantityReceived' });
    expect((over.body as { errors: { message: string }[] }).errors[0]!.message).toMatch(/over-receipt/);

    const first = await receipt({ location: 'A-01', lines: [{ purchaseOrderLineId: bearing!.id, quantityReceived: '25', quantityRejected: '1' }, { purchaseOrderLineId: grease!.id, quantityReceived: '10' }] }, 'gr-first');
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const gr1 = first.body as { id: string; number: string; lines: { id: string; purchaseOrderLineId: string }[] };
    expect(gr1.number).toMatch(/^GR-\d{4}-00001$/);
    // The same request again (same Idempotency-Key) is the same receipt.
    const again = await receipt({ location: 'A-01', lines: [{ purchaseOrderLineId: bearing!.id, quantityReceived: '25', quantityRejected: '1' }, { purchaseOrderLineId: grease!.id, quantityReceived: '10' }] }, 'gr-first');
    expect((again.body as { id: string }).id).toBe(gr1.id);
    poA = await waitForOrder(poA.id, (o) => o.status === 'partially_received', 'order A partly received');
    expect(poA.lines[0]).toMatchObject({ receivedQuantity: '25.0000', rejectedQuantity: '1.0000', acceptedQuantity: '24.0000', openQuantity: '16.0000' });
    await mailTo('requester@demo.local', gr1.number);

    const bearingLine = gr1.lines.find((line) => line.purchaseOrderLineId === bearing!.id)!;
    const tooMany = await api.request('POST', `/receipts/${gr1.id}/returns`, { token: token.warehouse, body: { reason: 'Corroded', lines: [{ receiptLineId: bearingLine.id, quantity: '25' }] } });
    expect(tooMany.status).toBe(422);
    const returned = await api.request('POST', `/receipts/${gr1.id}/returns`, { token: token.warehouse, body: { reason: 'Four bearings corroded in the seal', lines: [{ receiptLineId: bearingLine.id, quantity: '4' }] } });
    expect(returned.status, JSON.stringify(returned.body)).toBe(201);
    expect((returned.body as { returns: { number: string }[] }).returns[0]!.number).toMatch(/^RTV-\d{4}-00001$/);
    await mailTo(supplier.acme.email, 'RTV-');
    poA = await order('buyer', poA.id);
    expect(poA.lines[0]).toMatchObject({ acceptedQuantity: '20.0000', returnedQuantity: '4.0000', openQuantity: '20.0000' });

    const second = await receipt({ location: 'A-01', lines: [{ purchaseOrderLineId: bearing!.id, quantityReceived: '20' }] });
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    expect((second.body as { number: string }).number).toMatch(/-00002$/);
    poA = await waitForOrder(poA.id, (o) => o.status === 'received', 'order A received');
    const [stock] = await database.db.select().from(inventoryBalances).where(and(eq(inventoryBalances.location, 'A-01'), eq(inventoryBalances.item, 'Spindle bearing 6204-2RS')));
    expect(stock!.quantity).toBe('40.0000');
    const moves = await database.db.select().from(inventoryTransactions).where(eq(inventoryTransactions.item, 'Spindle bearing 6204-2RS'));
    expect(moves.map((move) => move.quantity).sort()).toEqual(['-4.0000', '20.0000', '24.0000']);
    expect((await api.request('POST', '/receipts', { token: token.warehouse, body: { purchaseOrderId: poA.id, lines: [{ purchaseOrderLineId: bearing!.id, quantityReceived: '1' }] } })).status).toBe(409);
  });

  it('the rest of order B is cancelled after a partial delivery: it closes at what arrived and frees its requisition line', async () => {
    const line = poB.lines[0]!;
    const early = await api.request('POST', `/purchase-orders/${poB.id}/cancel-remaining`, { token: token.buyer, body: { reason: 'Rest no longer needed' } });
    expect(early.status).toBe(409);
    const receipt = await api.request('POST', '/receipts', { token: token.warehouse, body: { purchaseOrderId: poB.id, location: 'B-02', lines: [{ purchaseOrderLineId: line.id, quantityReceived: '12' }] } });
    expect(receipt.status, JSON.stringify(receipt.body)).toBe(201);
    await waitForOrder(poB.id, (o) => o.status === 'partially_received', 'order B partly received');
    expect((await api.request('POST', `/purchase-orders/${poB.id}/cancel`, { token: token.buyer, body: { reason: 'x' } })).status).toBe(409);
    expect((await api.request('POST', `/purchase-orders/${poB.id}/cancel-remaining`, { token: token.warehouse, body: { reason: 'x' } })).status).toBe(403);
    const cancelled = await api.request('POST', `/purchase-orders/${poB.id}/cancel-remaining`, { token: token.buyer, body: { reason: 'The rest is no longer needed' } });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    poB = await waitForOrder(poB.id, (o) => o.status === 'received', 'order B closed at what arrived');
    expect(poB.lines[0]).toMatchObject({ quantity: '22.0000', cancelledQuantity: '10.0000', openQuantity: '0.0000' });
    expect(poB.total).toBe('226.80');
    await mailTo(supplier.nordic.email, 'cancel');
    // Ten boxes are no longer on any order: the requisition is back to approved (lines to order).
    await h.waitForStatus(token.requester!, requisitionId, 'approved');
  });

  it('numbers are gapless, and every step is in the audit log', async () => {
    const numbers = (await database.db.select({ number: purchaseOrders.number }).from(purchaseOrders)).map((row) => row.number!.slice(-5)).sort();
    expect(numbers).toEqual(['00001', '00002']);
    const actions = (await database.db.select({ action: auditLog.action }).from(auditLog).where(like(auditLog.action, 'purchase_order.%'))).map((row) => row.action);
    for (const action of ['purchase_order.drafted', 'purchase_order.prepared', 'purchase_order.pending_approval', 'purchase_order.issued', 'purchase_order.acknowledged', 'purchase_order.date_proposed', 'purchase_order.delivery_date_accepted', 'purchase_order.revised', 'purchase_order.partially_received', 'purchase_order.received']) {
      expect(actions, action).toContain(action);
    }
    const verify = await api.request('GET', '/audit/verify', { token: token.auditor });
    expect(verify.body).toMatchObject({ ok: true });
  });

  it('lines without a supplier go to a buyer first; once assigned, their draft order starts like the others', async () => {
    const created = await api.request('POST', '/requisitions', { token: token.requester, body: { title: 'Safety gloves', purpose: 'daily_operations', lines: [{ description: 'Cut-resistant gloves, size 9', quantity: '30', unit: 'pair', unitPrice: '7.40' }] } });
    expect(created.status).toBe(201);
    const reqId = (created.body as { id: string }).id;
    await h.submit(token.requester!, reqId);
    const approval = await h.taskFor(token.manager!, reqId);
    expect((await h.decide(token.manager!, approval.id, 'approve')).status).toBe(200);
    // The requisition's own run ends at approval, as before; the assignment is a process of its own.
    await h.eventually(() => engine.client.workflow.getHandle(`requisition-${reqId}`).describe().then((d) => d.status.name), (status) => status === 'COMPLETED', 'the requisition run to complete');
    const task = await taskOn('buyer', 'po_assign_supplier', reqId);
    expect(task.candidateRole).toBe('buyer');
    expect(task.details.lines).toHaveLength(1);
    const lineId = (task.details.lines as { lineId: string }[])[0]!.lineId;
    expect((await api.request('POST', `/tasks/${task.id}/claim`, { token: token.buyer })).status).toBe(200);
    const unknown = await complete('buyer', task.id, { action: 'assign', data: { lines: [{ lineId: '00000000-0000-4000-8000-000000000000', supplierId: supplier.acme.id }] } });
    expect(unknown.status).toBe(422);
    expect((await complete('buyer', task.id, { action: 'assign', data: { lines: [{ lineId, supplierId: supplier.acme.id }] } })).status).toBe(200);
    const page = await h.eventually(
      () => get<{ items: { id: string; supplierId: string; status: string }[] }>('buyer', `/purchase-orders?requisitionId=${reqId}`),
      (p) => p.items.length === 1,
      'a draft order for the assigned line',
    );
    expect(page.items[0]).toMatchObject({ supplierId: supplier.acme.id, status: 'draft' });
    await taskOn('buyer', 'po_prepare', page.items[0]!.id);
  });

  it('a change order that raises the total by more than the policy percent waits for a procurement manager; rejected, it changes nothing; a whole order is cancelled with a reason', async () => {
    const [draft] = (await get<{ items: { id: string; requisitionId: string }[] }>('buyer', '/purchase-orders?status=draft')).items.filter((o) => o.requisitionId !== requisitionId);
    const prepare = await taskOn('buyer', 'po_prepare', draft!.id);
    if (!prepare.assigneeId) expect((await api.request('POST', `/tasks/${prepare.id}/claim`, { token: token.buyer })).status).toBe(200);
    const lines = (prepare.details.lines as { lineId: string }[]).map((line) => ({ lineId: line.lineId, unitPrice: '7.40' }));
    expect((await complete('buyer', prepare.id, { action: 'prepare', data: { deliveryDate: '2027-03-01', deliveryAddress: 'Dock 2', lines } })).status).toBe(200);
    let gloves = await waitForOrder(draft!.id, (o) => o.status === 'issued', 'the gloves order issued');
    expect(gloves.total).toBe('233.10');

    const lineId = gloves.lines[0]!.id;
    const below = await api.request('POST', `/purchase-orders/${gloves.id}/revisions`, { token: token.buyer, body: { reason: 'x', lines: [{ id: '00000000-0000-4000-8000-000000000000', quantity: '1' }] } });
    expect(below.status).toBe(422);
    const big = await api.request('POST', `/purchase-orders/${gloves.id}/revisions`, { token: token.buyer, body: { reason: 'The whole plant needs them', lines: [{ id: lineId, quantity: '300' }] } });
    expect(big.status, JSON.stringify(big.body)).toBe(200);
    expect(big.body).toMatchObject({ awaitingApproval: true, revision: 0 });
    // One change order at a time.
    expect((await api.request('POST', `/purchase-orders/${gloves.id}/revisions`, { token: token.buyer, body: { reason: 'again', deliveryDate: '2027-03-02' } })).status).toBe(409);
    const approval = await taskOn('procurement_manager', 'po_approval', gloves.id);
    if (!approval.assigneeId) expect((await api.request('POST', `/tasks/${approval.id}/claim`, { token: token.procurement_manager })).status).toBe(200);
    expect((await complete('procurement_manager', approval.id, { action: 'reject', comment: 'Order per hall, not for the plant' })).status).toBe(200);
    await mailTo('buyer@demo.local', 'Change order 1 rejected');
    gloves = await order('buyer', gloves.id);
    expect([gloves.revision, gloves.total, gloves.lines[0]!.quantity]).toEqual([0, '233.10', '30.0000']);

    const cancelled = await api.request('POST', `/purchase-orders/${gloves.id}/cancel`, { token: token.buyer, body: { reason: 'Bought with the hall budget instead' } });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    gloves = await waitForOrder(gloves.id, (o) => o.status === 'cancelled', 'the gloves order cancelled');
    expect(gloves.lines[0]!.cancelledQuantity).toBe('30.0000');
    await mailTo(supplier.acme.email, 'Bought with the hall budget instead');
    expect((await api.request('POST', '/receipts', { token: token.warehouse, body: { purchaseOrderId: gloves.id, lines: [{ purchaseOrderLineId: lineId, quantityReceived: '1' }] } })).status).toBe(409);
    // The process ended.
    await h.eventually(() => engine.client.workflow.getHandle(gloves.workflowId).describe().then((d) => d.status.name), (status) => status === 'COMPLETED', 'the order process to end');
  });

  it('lines move between drafts to the same supplier, across requisitions; the emptied draft is cancelled', async () => {
    const approvedWith = async (description: string) => {
      const created = await api.request('POST', '/requisitions', { token: token.requester, body: { title: description, purpose: 'daily_operations', lines: [{ description, quantity: '5', unit: 'each', unitPrice: '20.00', supplierId: supplier.nordic.id }] } });
      const reqId = (created.body as { id: string }).id;
      await h.submit(token.requester!, reqId);
      expect((await h.decide(token.manager!, (await h.taskFor(token.manager!, reqId)).id, 'approve')).status).toBe(200);
      const page = await h.eventually(() => get<{ items: { id: string }[] }>('buyer', `/purchase-orders?requisitionId=${reqId}`), (p) => p.items.length === 1, `the draft of ${description}`);
      await taskOn('buyer', 'po_prepare', page.items[0]!.id);
      return order('buyer', page.items[0]!.id);
    };
    const first = await approvedWith('Washer M8, box of 200');
    const second = await approvedWith('Split pin 4x40, box of 100');
    const moved = await api.request('POST', `/purchase-orders/${first.id}/move-lines`, { token: token.buyer, body: { lineIds: [first.lines[0]!.id], toPurchaseOrderId: second.id } });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect((moved.body as Order).lines.map((line) => line.description)).toEqual(['Split pin 4x40, box of 100', 'Washer M8, box of 200']);
    await waitForOrder(first.id, (o) => o.status === 'cancelled', 'the emptied draft cancelled');
    const task = await taskOn('buyer', 'po_prepare', second.id);
    expect((task.details.lines as unknown[]).length).toBe(2);
    expect((await api.request('POST', `/purchase-orders/${second.id}/move-lines`, { token: token.buyer, body: { lineIds: [second.lines[0]!.id], toPurchaseOrderId: poA.id } })).status).toBe(409);
  });

  it('a tampered supplier link shows nothing and changes nothing', async () => {
    const [mail] = await mailTo(supplier.acme.email, poA.number!);
    const link = supplierLink(mail!.raw, 'confirm');
    const tampered = `${link.slice(0, -2)}${link.endsWith('A') ? 'B' : 'A'}A`;
    expect((await api.request('GET', `/supplier-links/${tampered}`)).body).toMatchObject({ state: 'invalid', purchaseOrder: null });
    expect((await api.request('POST', `/supplier-links/${tampered}`, { body: { action: 'confirm' } })).status).toBe(404);
  });

  it('the auditor follows requisition -> orders and back in the merged timelines', async () => {
    const timeline = async (workflowId: string) => (await get<{ items: { source: string; type: string; detail: string; data?: { workflowId?: string } }[] }>('auditor', `/processes/${workflowId}/history`)).items;
    const requisitionItems = await timeline(`requisition-${requisitionId}`);
    const related = requisitionItems.filter((item) => item.type === 'process.related').map((item) => item.data?.workflowId);
    expect(related.sort()).toEqual([poA.workflowId, poB.workflowId].sort());
    expect(requisitionItems.some((item) => item.type === 'child.started' && item.detail.includes(poA.workflowId))).toBe(true);
    const orderItems = await timeline(poA.workflowId);
    expect(orderItems.find((item) => item.type === 'process.related')?.data?.workflowId).toBe(`requisition-${requisitionId}`);
    const words = orderItems.filter((item) => item.source === 'audit').map((item) => item.detail);
    for (const expected of ['Purchase order prepared and numbered', 'Purchase order issued and sent to the supplier', 'Supplier confirmed the order', 'Goods received', 'Goods returned to the supplier', 'Received']) {
      expect(words.some((detail) => detail.startsWith(expected)), expected).toBe(true);
    }
    expect(orderItems.some((item) => item.source === 'engine')).toBe(true);
    // A requester who may not read an order gets no timeline of it.
    expect((await api.request('GET', `/processes/${poA.workflowId}/history`, { token: token.manager })).status).toBe(404);
  });

  it('a supplier who does not acknowledge: the buyer is reminded once per revision when the policy period has passed', async () => {
    // The policy's period is business days; a running order keeps the policy it started with, so an order started under a zero-day policy (written straight to the table: the API allows 1 to 60) reminds at once.
    const admin = await get<Record<string, unknown>>('admin', '/policies/purchasing');
    await writePolicy(database.db, { name: 'purchasing', value: { ...admin, acknowledgementDays: 0 }, updatedBy: id.admin!, now: new Date() });
    const created = await api.request('POST', '/requisitions', { token: token.requester, body: { title: 'Label printer ribbons', purpose: 'daily_operations', lines: [{ description: 'Thermal ribbon 110 mm', quantity: '12', unit: 'roll', unitPrice: '9.50', supplierId: supplier.nordic.id }] } });
    const reqId = (created.body as { id: string }).id;
    await h.submit(token.requester!, reqId);
    expect((await h.decide(token.manager!, (await h.taskFor(token.manager!, reqId)).id, 'approve')).status).toBe(200);
    await writePolicy(database.db, { name: 'purchasing', value: admin, updatedBy: id.admin!, now: new Date() });
    const page = await h.eventually(() => get<{ items: { id: string }[] }>('buyer', `/purchase-orders?requisitionId=${reqId}`), (p) => p.items.length === 1, 'the ribbons draft');
    const prepare = await taskOn('buyer', 'po_prepare', page.items[0]!.id);
    if (!prepare.assigneeId) expect((await api.request('POST', `/tasks/${prepare.id}/claim`, { token: token.buyer })).status).toBe(200);
    const lines = (prepare.details.lines as { lineId: string }[]).map((line) => ({ lineId: line.lineId, unitPrice: '9.50' }));
    expect((await complete('buyer', prepare.id, { action: 'prepare', data: { deliveryDate: '2027-03-10', deliveryAddress: 'Dock 2', lines } })).status).toBe(200);
    const ribbons = await waitForOrder(page.items[0]!.id, (o) => o.status === 'issued', 'the ribbons order issued');
    await mailTo('buyer@demo.local', `Not confirmed yet: ${ribbons.number}`);
    const rows = await h.eventually(() => database.db.select().from(mailOutbox).where(eq(mailOutbox.idempotencyKey, `${ribbons.workflowId}:ack-reminder:r0`)), (r) => r.length === 1, 'the reminder in the outbox');
    expect(rows[0]!.template).toBe('acknowledgement-reminder');
    const audit = await database.db.select().from(auditLog).where(and(eq(auditLog.subjectId, ribbons.id), eq(auditLog.action, 'purchase_order.acknowledgement_reminder')));
    expect(audit).toHaveLength(1);
    // Once per revision: still one a moment later.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await database.db.select().from(mailOutbox).where(like(mailOutbox.idempotencyKey, `${ribbons.workflowId}:ack-reminder:%`))).toHaveLength(1);
  });
});
