import { and, asc, eq } from 'drizzle-orm';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { installTemporalRuntime } from '../../worker/runtime.ts';
import { defaultMatchingPolicy } from '@p2p/domain';
import { createMailTransport } from '../../activities/mail/transport.ts';
import { writePolicy } from '../../db/queries/requisitions.ts';
import { auditLog, invoiceMatches, invoicePayments, invoices, mailOutbox, purchaseOrders } from '../../db/schema/index.ts';
import { createTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { orderFixtures, type FixtureOrder } from '../support/orders.ts';
import { processHelpers } from '../support/process.ts';
import { decodeQuotedPrintable, startSmtpServer } from '../support/smtp.ts';
import { createTestEngine, type TestEngine } from '../support/worker.ts';

interface Hold {
  reason: string;
  lineNo: number | null;
  expected: string;
  actual: string;
  variance: string;
  release: string | null;
}
interface Invoice {
  id: string;
  number: string;
  status: string;
  total: string;
  openAmount: string;
  dueDate: string | null;
  discountDate: string | null;
  discountAmount: string | null;
  holds: Hold[];
  holdHistory: Hold[];
  holdReasons: string[];
  match: { round: number; matched: boolean; acceptedPriceVariance: string; lines: { quantity: string; invoicedBefore: string; accepted: string; priceVariance: string; holds: string[] }[] } | null;
  approval: { automatic: boolean; approvedById: string | null; varianceAcceptedById: string | null } | null;
  payment: { reference: string; amount: string; paymentRunId: string | null } | null;
  creditNotes: { id: string; status: string; total: string }[];
  waitingFor: string | null;
  workflowId: string;
}
interface Task {
  id: string;
  kind: string;
  subjectId: string;
  assigneeId: string | null;
  candidateRole: string | null;
  details: Record<string, unknown>;
}

const today = () => new Date().toISOString().slice(0, 10);
const plusDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/**
 * Three-way match end to end on the real dev server (SPEC 4.3): invoices
 * entered over the API against orders prepared and received through their
 * processes; exact and tolerated matches approved at once and scheduled by
 * the supplier's terms; exceptions resolved each way; waiting for goods;
 * cumulative matching; duplicates; payment on the due date, by the payment
 * task and by a payment run, each exactly once; the order closing after.
 */
describe('three-way match, exceptions and payment', () => {
  let database: TestDatabase;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let engine: TestEngine;
  let api: TestApi;
  let h: ReturnType<typeof processHelpers>;
  let orders: ReturnType<typeof orderFixtures>;
  const token: Record<string, string> = {};
  const id: Record<string, string> = {};
  const supplier: Record<'terms' | 'other' | 'net0', { id: string; email: string }> = {} as never;
  let invoiceCounter = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    smtp = await startSmtpServer();
    engine = await createTestEngine(database.db, { transport: createMailTransport(`smtp://127.0.0.1:${smtp.port}`)! });
    api = await createTestApi({ TEMPORAL_TASK_QUEUE: engine.taskQueue }, { database });
    h = processHelpers(api);
    for (const key of ['requester', 'manager', 'procurement_manager', 'buyer', 'warehouse', 'accountant', 'admin', 'auditor'] as const) {
      token[key] = await api.login(key);
      id[key] = await api.userId(key);
    }
    // The second demo accountant: the one who enters an invoice neither accepts its variance nor approves its payment.
    token.accountant2 = await api.login('payables');
    id.accountant2 = await api.userId('payables');
    const newSupplier = async (body: Record<string, unknown>) => {
      const response = await api.request('POST', '/suppliers', { token: token.buyer, body });
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      return response.body as { id: string; email: string };
    };
    supplier.terms = await newSupplier({ name: 'Termsworth Tools Ltd', email: 'ar@termsworth.example', paymentTermsDays: 30, discountPercent: '2', discountDays: 10 });
    supplier.other = await newSupplier({ name: 'Othershop GmbH', email: 'ar@othershop.example', paymentTermsDays: 45 });
    supplier.net0 = await newSupplier({ name: 'Cash Carry Co', email: 'ar@cashcarry.example', paymentTermsDays: 0 });
    // Above 2,000.00 an accountant approves a matched invoice for payment.
    const policy = await api.request('PUT', '/policies/matching', { token: token.admin, body: { ...defaultMatchingPolicy, autoApproveLimit: '2000.00' } });
    expect(policy.status, JSON.stringify(policy.body)).toBe(200);
    orders = orderFixtures(api, h, { requester: token.requester!, manager: token.manager!, buyer: token.buyer!, warehouse: token.warehouse! });
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
  const invoice = (invoiceId: string, who = 'accountant') => get<Invoice>(who, `/invoices/${invoiceId}`);
  // Generous: CI runs other test files beside this one on two cores.
  const waitForInvoice = (invoiceId: string, accept: (i: Invoice) => boolean, what: string, timeoutMs = 45_000) => h.eventually(() => invoice(invoiceId), accept, what, timeoutMs);
  const openTasks = async (who: string, kind: string) => (await get<{ items: Task[] }>(who, `/tasks?status=open&kind=${kind}&limit=200`)).items.filter((task) => task.kind === kind);
  const taskOn = (who: string, kind: string, subjectId: string, timeoutMs?: number) =>
    h.eventually(() => openTasks(who, kind), (items) => items.some((task) => task.subjectId === subjectId), `${kind} task on ${subjectId} for ${who}`, timeoutMs).then((items) => items.find((task) => task.subjectId === subjectId)!);
  const complete = (who: string, taskId: string, body: Record<string, unknown>) => api.request('POST', `/tasks/${taskId}/complete`, { token: token[who], body });
  const mailTo = (address: string, text: string) =>
    h.eventually(() => Promise.resolve(smtp.received.filter((mail) => mail.to.includes(address) && decodeQuotedPrintable(mail.raw).includes(text))), (found) => found.length > 0, `a mail to ${address} with "${text}"`);

  /** Enters an invoice for an order: by default every line at its PO price and quantity accepted, tax at 5%. */
  async function enter(order: FixtureOrder, options: { lines?: { quantity: string; unitPrice: string }[]; invoiceNumber?: string; invoiceDate?: string; who?: string; tax?: string; total?: string; creditNoteFor?: string; supplierId?: string; key?: string } = {}) {
    const lines = order.lines.map((line, index) => ({ purchaseOrderLineId: line.id, ...(options.lines?.[index] ?? { quantity: line.quantity, unitPrice: line.unitPrice }) })).filter((line) => line.quantity !== '0');
    const cents = (value: string) => Math.round(Number(value) * 100);
    const subtotal = lines.reduce((sum, line) => sum + Math.round(Number(line.quantity) * Number(line.unitPrice) * 100), 0);
    const tax = options.tax ?? (lines.reduce((sum, line) => sum + Math.round(Number(line.quantity) * Number(line.unitPrice) * 5), 0) / 100).toFixed(2);
    const total = options.total ?? ((subtotal + cents(tax)) / 100).toFixed(2);
    return api.request('POST', '/invoices', {
      token: token[options.who ?? 'accountant'],
      headers: options.key ? { 'idempotency-key': options.key } : {},
      body: { supplierId: options.supplierId ?? order.supplierId, invoiceNumber: options.invoiceNumber ?? `T-${++invoiceCounter}`, invoiceDate: options.invoiceDate ?? today(), purchaseOrderId: order.id, lines, taxAmount: tax, total, ...(options.creditNoteFor ? { creditNoteFor: options.creditNoteFor } : {}) },
    });
  }
  async function entered(order: FixtureOrder, options: Parameters<typeof enter>[1] = {}) {
    const response = await enter(order, options);
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body as Invoice;
  }

  let exact: Invoice;
  let tolerated: Invoice;

  it('an exact match is approved at once and scheduled by the supplier’s terms (2/10 net 30); its number is refused a second time', async () => {
    const order = await orders.issuedOrder({ supplierId: supplier.terms.id, lines: [{ description: 'Torque wrench', quantity: '10', unitPrice: '20.00' }, { description: 'Socket set', quantity: '4', unitPrice: '50.00' }] });
    await orders.receive(order.id, ['10', '4']);
    const created = await entered(order, { invoiceNumber: 'TW-1001' });
    expect(created.number).toMatch(/^INV-\d{4}-00001$/);
    expect(created.total).toBe('420.00');
    exact = await waitForInvoice(created.id, (i) => i.status === 'approved', 'the exact match approved');
    expect(exact.holds).toEqual([]);
    expect(exact.match).toMatchObject({ round: 0, matched: true, acceptedPriceVariance: '0.00' });
    expect(exact.approval).toMatchObject({ automatic: true, approvedById: null });
    expect(exact.dueDate).toBe(plusDays(30));
    expect(exact.discountDate).toBe(plusDays(10));
    expect(exact.discountAmount).toBe('8.40');
    expect(exact.waitingFor).toBe(`payment, due ${plusDays(30)}`);
    // The PO lines now say what was invoiced.
    expect((await orders.order(order.id)).lines.map((line) => line.invoicedQuantity)).toEqual(['10.0000', '4.0000']);
    const duplicate = await enter(order, { invoiceNumber: 'TW-1001' });
    expect(duplicate.status).toBe(409);
    expect(JSON.stringify(duplicate.body)).toContain(exact.number);
    const audits = await database.db.select().from(auditLog).where(eq(auditLog.subjectId, exact.id));
    expect(audits.map((entry) => entry.action)).toEqual(expect.arrayContaining(['invoice.entered', 'invoice.matched', 'invoice.approved']));
  });

  it('a price variance inside tolerance is approved with the variance recorded', async () => {
    const order = await orders.issuedOrder({ supplierId: supplier.terms.id, lines: [{ description: 'Drill bits', quantity: '10', unitPrice: '100.00' }] });
    await orders.receive(order.id, ['10']);
    // 101.50 is 1.5% over: inside 2%.
    const created = await entered(order, { lines: [{ quantity: '10', unitPrice: '101.50' }] });
    tolerated = await waitForInvoice(created.id, (i) => i.status === 'approved', 'the tolerated variance approved');
    expect(tolerated.match).toMatchObject({ matched: true, acceptedPriceVariance: '15.00' });
    expect(tolerated.match!.lines[0]).toMatchObject({ priceVariance: '15.00', holds: [] });
    const [matched] = await database.db.select().from(auditLog).where(and(eq(auditLog.subjectId, created.id), eq(auditLog.action, 'invoice.matched')));
    expect(matched!.after).toMatchObject({ acceptedPriceVariance: '15.00' });
  });

  it('outside tolerance is an exception for another accountant, who accepts the variance (under twice the tolerance: no second approval)', async () => {
    const order = await orders.issuedOrder({ supplierId: supplier.terms.id, lines: [{ description: 'Hammer', quantity: '10', unitPrice: '100.00' }] });
    await orders.receive(order.id, ['10']);
    const created = await entered(order, { lines: [{ quantity: '10', unitPrice: '103.00' }] });
    const held = await waitForInvoice(created.id, (i) => i.status === 'on_hold' && i.waitingFor !== null && i.waitingFor.startsWith('an accountant’s decision'), 'the exception');
    expect(held.holds.map((hold) => [hold.reason, hold.lineNo, hold.expected, hold.actual, hold.variance])).toEqual([
      ['price_over', 1, '100.0000', '103.0000', '3.0000'],
      ['total_mismatch', null, '1050.00', '1081.50', '31.50'],
    ]);
    // Segregation of duties: the accountant who entered it is not offered the exception, and may not decide it.
    const task = await taskOn('accountant2', 'invoice_exception', created.id);
    expect(task.assigneeId).toBe(id.accountant2);
    expect(task.details).toMatchObject({ needsSecondApproval: false, supplierName: 'Termsworth Tools Ltd' });
    expect((await complete('accountant', task.id, { action: 'accept_variance', comment: 'fine' })).status).toBe(404);
    expect((await complete('accountant2', task.id, { action: 'accept_variance' })).status).toBe(422);
    expect((await complete('accountant2', task.id, { action: 'accept_variance', comment: 'Freight surcharge agreed by phone' })).status).toBe(200);
    const approved = await waitForInvoice(created.id, (i) => i.status === 'approved', 'approved after acceptance');
    expect(approved.holds).toEqual([]);
    expect(approved.holdHistory.map((hold) => hold.release)).toEqual(['accepted', 'accepted']);
    expect(approved.approval).toMatchObject({ automatic: true, varianceAcceptedById: id.accountant2 });
    expect((await complete('accountant2', task.id, { action: 'reject', comment: 'changed my mind' })).status).toBe(409);
  });

  it('a variance above twice the tolerance also needs a procurement manager', async () => {
    const order = await orders.issuedOrder({ supplierId: supplier.terms.id, lines: [{ description: 'Pliers', quantity: '10', unitPrice: '100.00' }] });
    await orders.receive(order.id, ['10']);
    const created = await entered(order, { lines: [{ quantity: '10', unitPrice: '110.00' }] });
    const task = await taskOn('accountant2', 'invoice_exception', created.id);
    expect(task.details.needsSecondApproval).toBe(true);
    expect((await complete('accountant2', task.id, { action: 'accept_variance', comment: 'Price rise announced in October' })).status).toBe(200);
    const confirm = await taskOn('procurement_manager', 'invoice_variance_approval', created.id);
    expect((await invoice(created.id)).status).toBe('on_hold');
    expect((await complete('procurement_manager', confirm.id, { action: 'approve', comment: 'Agreed' })).status).toBe(200);
    const approved = await waitForInvoice(created.id, (i) => i.status === 'approved', 'approved after both');
    expect(approved.holdHistory.every((hold) => hold.release === 'accepted')).toBe(true);
    const [accepted] = await database.db.select().from(auditLog).where(and(eq(auditLog.subjectId, created.id), eq(auditLog.action, 'invoice.variance_accepted')));
    expect(accepted!.after).toMatchObject({ acceptedById: id.accountant2, confirmedById: id.procurement_manager });
  });

  it('a credit note is requested from the supplier by mail; when it comes the invoice matches with it; one larger than the invoice is refused', async () => {
    const order = await orders.issuedOrder({ supplierId: supplier.terms.id, lines: [{ description: 'Chisel', quantity: '10', unitPrice: '100.00' }] });
    await orders.receive(order.id, ['10']);
    const created = await entered(order, { invoiceNumber: 'TW-CN-BASE', lines: [{ quantity: '10', unitPrice: '105.00' }] });
    const task = await taskOn('accountant2', 'invoice_exception', created.id);
    expect((await complete('accountant2', task.id, { action: 'request_credit_note', comment: 'Please credit 5.00 per chisel: the PO price is 100.00' })).status).toBe(200);
    const [mail] = await mailTo(supplier.terms.email, 'TW-CN-BASE');
    expect(decodeQuotedPrintable(mail!.raw)).toContain('Please credit 5.00 per chisel');
    await waitForInvoice(created.id, (i) => i.waitingFor === 'goods to be received or a credit note', 'waiting for the credit note');
    const tooLarge = await enter(order, { creditNoteFor: created.id, invoiceNumber: 'TW-CN-1', lines: [{ quantity: '10', unitPrice: '-200.00' }], tax: '-100.00', total: '-2100.00' });
    expect(tooLarge.status).toBe(422);
    expect(JSON.stringify(tooLarge.body)).toContain('larger than its invoice');
    const credit = await entered(order, { creditNoteFor: created.id, invoiceNumber: 'TW-CN-1', lines: [{ quantity: '10', unitPrice: '-5.00' }], tax: '-2.50', total: '-52.50' });
    expect(credit.number).toMatch(/^CN-\d{4}-00001$/);
    const approved = await waitForInvoice(created.id, (i) => i.status === 'approved', 'matched with the credit note');
    expect(approved.match).toMatchObject({ matched: true });
    expect(approved.openAmount).toBe('1050.00');
    expect(approved.creditNotes).toEqual([expect.objectContaining({ id: credit.id, status: 'approved', total: '-52.50' })]);
    expect(approved.holdHistory.map((hold) => hold.release)).toEqual(['matched', 'matched']);
  });

  it('a rejected invoice is mailed back to the supplier with the reasons and cannot be paid', async () => {
    const order = await orders.issuedOrder({ supplierId: supplier.terms.id, lines: [{ description: 'Saw', quantity: '10', unitPrice: '100.00' }] });
    await orders.receive(order.id, ['10']);
    const created = await entered(order, { invoiceNumber: 'TW-REJ', lines: [{ quantity: '10', unitPrice: '150.00' }] });
    const task = await taskOn('accountant2', 'invoice_exception', created.id);
    expect((await complete('accountant2', task.id, { action: 'reject', comment: 'Price not agreed: 100.00 per saw' })).status).toBe(200);
    const rejected = await waitForInvoice(created.id, (i) => i.status === 'rejected', 'rejected');
    expect(rejected.holdHistory.every((hold) => hold.release === 'rejected')).toBe(true);
    await mailTo(supplier.terms.email, 'Price not agreed');
    const pay = await api.request('POST', `/invoices/${created.id}/payment`, { token: token.accountant, body: { reference: 'X', paidOn: today(), amount: '1575.00' } });
    expect(pay.status).toBe(409);
    // A rejected invoice no longer counts as invoiced on its order.
    expect((await orders.order(order.id)).lines[0]!.invoicedQuantity).toBe('0.0000');
  });

  it('an invoice before the goods waits, tells the buyer, and matches when the receipt arrives', async () => {
    const order = await orders.issuedOrder({ supplierId: supplier.terms.id, lines: [{ description: 'Level', quantity: '5', unitPrice: '40.00' }] });
    const created = await entered(order, { invoiceNumber: 'TW-EARLY' });
    const waiting = await waitForInvoice(created.id, (i) => i.status === 'on_hold', 'held for goods');
    expect(waiting.holdReasons).toEqual(['not_received']);
    expect(waiting.waitingFor).toBe('goods to be received or a credit note');
    expect(await openTasks('accountant2', 'invoice_exception').then((tasks) => tasks.filter((task) => task.subjectId === created.id))).toEqual([]);
    await orders.receive(order.id, ['5']);
    const approved = await waitForInvoice(created.id, (i) => i.status === 'approved', 'matched after the receipt');
    expect(approved.holdHistory).toEqual([expect.objectContaining({ reason: 'not_received', release: 'matched' })]);
    const rounds = await database.db.select().from(invoiceMatches).where(eq(invoiceMatches.invoiceId, created.id)).orderBy(asc(invoiceMatches.round));
    expect(rounds.map((round) => [round.round, round.matched, round.trigger.split(':')[0]])).toEqual([
      [0, false, 'entered'],
      [1, true, 'receipt'],
    ]);
  });

  it('two invoices against one order are matched cumulatively: the second is held for quantity', async () => {
    const order = await orders.issuedOrder({ supplierId: supplier.terms.id, lines: [{ description: 'Clamp', quantity: '10', unitPrice: '30.00' }] });
    await orders.receive(order.id, ['8']);
    const first = await entered(order, { lines: [{ quantity: '6', unitPrice: '30.00' }] });
    await waitForInvoice(first.id, (i) => i.status === 'approved', 'the first approved');
    const second = await entered(order, { lines: [{ quantity: '4', unitPrice: '30.00' }] });
    const held = await waitForInvoice(second.id, (i) => i.status === 'on_hold', 'the second held');
    expect(held.holds).toEqual([expect.objectContaining({ reason: 'quantity_over_received', expected: '2.0000', actual: '4.0000', variance: '2.0000' })]);
    expect(held.match!.lines[0]).toMatchObject({ invoicedBefore: '6.0000', accepted: '8.0000', quantity: '4.0000' });
    // The last two arrive: the waiting invoice matches.
    await orders.receive(order.id, ['2']);
    await waitForInvoice(second.id, (i) => i.status === 'approved', 'the second approved after the receipt');
  });

  it('the same amount from the same supplier under another number a day apart is held as a possible duplicate', async () => {
    const order = await orders.issuedOrder({ supplierId: supplier.terms.id, lines: [{ description: 'Vice', quantity: '4', unitPrice: '25.00' }] });
    await orders.receive(order.id, ['4']);
    const first = await entered(order, { invoiceNumber: 'TW-DUP-A', lines: [{ quantity: '2', unitPrice: '25.00' }], invoiceDate: plusDays(-1) });
    await waitForInvoice(first.id, (i) => i.status === 'approved', 'the first approved');
    const second = await entered(order, { invoiceNumber: 'TW-DUP-B', lines: [{ quantity: '2', unitPrice: '25.00' }] });
    const held = await waitForInvoice(second.id, (i) => i.status === 'on_hold', 'held as a possible duplicate');
    expect(held.holds).toEqual([expect.objectContaining({ reason: 'possible_duplicate', actual: 'TW-DUP-A' })]);
    await taskOn('accountant2', 'invoice_exception', second.id);
  });

  it('waiting for goods past the policy’s days becomes an exception (a policy of seconds, written to the table)', async () => {
    const admin = id.admin!;
    await writePolicy(database.db, { name: 'matching', value: { ...defaultMatchingPolicy, autoApproveLimit: '2000.00', goodsWaitDays: 3 / 86_400 }, updatedBy: admin, now: new Date() });
    try {
      const order = await orders.issuedOrder({ supplierId: supplier.terms.id, lines: [{ description: 'Anvil', quantity: '1', unitPrice: '300.00' }] });
      const created = await entered(order);
      await waitForInvoice(created.id, (i) => i.status === 'on_hold', 'held for goods');
      const task = await taskOn('accountant2', 'invoice_exception', created.id, 30_000);
      expect(task.details.stepLabel).toMatch(/No goods arrived within/);
      expect(task.details.escalated).toBe(true);
    } finally {
      await writePolicy(database.db, { name: 'matching', value: { ...defaultMatchingPolicy, autoApproveLimit: '2000.00' }, updatedBy: admin, now: new Date() });
    }
  });

  it('above the auto-approve limit an accountant other than the one who entered it approves; a second approval is refused', async () => {
    const order = await orders.issuedOrder({ supplierId: supplier.net0.id, approvers: [token.manager!, token.procurement_manager!], lines: [{ description: 'Compressor', quantity: '3', unitPrice: '900.00' }] });
    await orders.receive(order.id, ['3']);
    const created = await entered(order);
    const task = await taskOn('accountant2', 'invoice_approval', created.id);
    expect((await openTasks('accountant', 'invoice_approval')).some((candidate) => candidate.subjectId === created.id)).toBe(false);
    expect((await complete('accountant2', task.id, { action: 'approve' })).status).toBe(200);
    expect((await complete('accountant2', task.id, { action: 'approve' })).status).toBe(200);
    expect((await complete('accountant2', task.id, { action: 'reject', comment: 'second thoughts' })).status).toBe(409);
    const approved = await waitForInvoice(created.id, (i) => i.status === 'approved', 'approved by the second accountant');
    expect(approved.approval).toMatchObject({ automatic: false, approvedById: id.accountant2 });
  });

  it('payment falls due on its date: a payment task, marked paid once; the order closes and its requisition follows', async () => {
    const order = await orders.issuedOrder({ supplierId: supplier.net0.id, lines: [{ description: 'Broom', quantity: '2', unitPrice: '15.00' }] });
    await orders.receive(order.id, ['2']);
    const created = await entered(order);
    // Net 0 from today: due today, so the task appears at once.
    const task = await taskOn('accountant', 'invoice_payment', created.id);
    expect(task.details).toMatchObject({ amount: '31.50', dueDate: today() });
    // The 2/10 net 30 invoice is not due yet: no task for it.
    expect((await openTasks('accountant', 'invoice_payment')).some((candidate) => candidate.subjectId === exact.id)).toBe(false);
    if (!task.assigneeId) expect((await api.request('POST', `/tasks/${task.id}/claim`, { token: token.accountant })).status).toBe(200);
    const wrong = await complete('accountant', task.id, { action: 'mark_paid', data: { reference: 'BANK-1', paidOn: today(), amount: '30.00' } });
    expect(wrong.status).toBe(422);
    expect(JSON.stringify(wrong.body)).toContain('data.amount');
    expect((await complete('accountant', task.id, { action: 'mark_paid', data: { reference: 'BANK-1', paidOn: today(), amount: '31.50' } })).status).toBe(200);
    const paid = await waitForInvoice(created.id, (i) => i.status === 'paid', 'paid');
    expect(paid.payment).toMatchObject({ reference: 'BANK-1', amount: '31.50', paymentRunId: null });
    const again = await api.request('POST', `/invoices/${created.id}/payment`, { token: token.accountant, body: { reference: 'BANK-2', paidOn: today(), amount: '31.50' } });
    expect(again.status).toBe(409);
    expect(await database.db.select().from(invoicePayments).where(eq(invoicePayments.invoiceId, created.id))).toHaveLength(1);
    await h.eventually(() => orders.order(order.id), (o) => o.status === 'closed', 'the order closed');
    await h.waitForStatus(token.requester!, order.requisitionId, 'closed');
  });

  it('an order whose invoices are paid closes when its remaining quantity is cancelled', async () => {
    const order = await orders.issuedOrder({ supplierId: supplier.net0.id, lines: [{ description: 'Ladder', quantity: '10', unitPrice: '12.00' }] });
    await orders.receive(order.id, ['6']);
    const created = await entered(order, { lines: [{ quantity: '6', unitPrice: '12.00' }] });
    await waitForInvoice(created.id, (i) => i.status === 'approved', 'approved');
    const paid = await api.request('POST', `/invoices/${created.id}/payment`, { token: token.accountant, body: { reference: 'BANK-LADDER', paidOn: today(), amount: '75.60' } });
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    // The same payment sent again answers as the first did; another one is a second payment.
    expect((await api.request('POST', `/invoices/${created.id}/payment`, { token: token.accountant, body: { reference: 'BANK-LADDER', paidOn: today(), amount: '75.60' } })).status).toBe(200);
    expect((await api.request('POST', `/invoices/${created.id}/payment`, { token: token.accountant, body: { reference: 'BANK-OTHER', paidOn: today(), amount: '75.60' } })).status).toBe(409);
    expect((await orders.order(order.id)).status).toBe('partially_received');
    expect((await api.request('POST', `/purchase-orders/${order.id}/cancel-remaining`, { token: token.buyer, body: { reason: 'Four ladders are enough' } })).status).toBe(200);
    await h.eventually(() => orders.order(order.id), (o) => o.status === 'closed', 'the order closed after its rest was cancelled');
    // The requisition does not close: the four ladders cancelled are freed on it, to be ordered again.
    expect((await h.requisition(token.requester!, order.requisitionId)).status).toBe('approved');
  });

  it('a payment run lists what is due by supplier and pays two invoices once, however often it is sent', async () => {
    const proposal = await get<{ count: number; total: string; suppliers: { supplierName: string; count: number; total: string; discountAvailable: string; invoices: { id: string }[] }[] }>('accountant', `/payment-runs/proposal?dueBy=${plusDays(40)}`);
    const group = proposal.suppliers.find((candidate) => candidate.supplierName === 'Termsworth Tools Ltd')!;
    expect(group.invoices.map((row) => row.id)).toEqual(expect.arrayContaining([exact.id, tolerated.id]));
    const body = { dueBy: plusDays(40), invoiceIds: [exact.id, tolerated.id], paidOn: today(), reference: 'RUN-2026-12' };
    const first = await api.request('POST', '/payment-runs', { token: token.accountant, headers: { 'idempotency-key': 'run-1' }, body });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    // Within the discount period: 2% off the exact one (420.00 - 8.40), and the tolerated one (1,065.75 - 21.32).
    expect(first.body).toMatchObject({ count: 2, total: '1456.03', invoices: expect.arrayContaining([expect.objectContaining({ invoiceId: exact.id, amount: '411.60', status: 'paid' })]) });
    const again = await api.request('POST', '/payment-runs', { token: token.accountant, headers: { 'idempotency-key': 'run-1' }, body });
    expect(again.status).toBe(201);
    expect((again.body as { id: string }).id).toBe((first.body as { id: string }).id);
    const paidTwice = await api.request('POST', '/payment-runs', { token: token.accountant, body });
    expect(paidTwice.status).toBe(422);
    for (const invoiceId of [exact.id, tolerated.id]) {
      expect((await invoice(invoiceId)).status).toBe('paid');
      expect(await database.db.select().from(invoicePayments).where(eq(invoicePayments.invoiceId, invoiceId))).toHaveLength(1);
    }
  });

  it('kept on hold, and a credit note that never comes: each returns to accounting after its period, the latter escalated (periods of seconds, written to the table)', async () => {
    await writePolicy(database.db, { name: 'matching', value: { ...defaultMatchingPolicy, autoApproveLimit: '2000.00', goodsWaitDays: 2 / 86_400, creditNoteWaitDays: 2 / 86_400 }, updatedBy: id.admin!, now: new Date() });
    try {
      const order = await orders.issuedOrder({ supplierId: supplier.terms.id, lines: [{ description: 'Mallet', quantity: '2', unitPrice: '20.00' }] });
      await orders.receive(order.id, ['2']);
      const created = await entered(order, { lines: [{ quantity: '2', unitPrice: '30.00' }] });
      const first = await taskOn('accountant2', 'invoice_exception', created.id);
      expect((await complete('accountant2', first.id, { action: 'hold', comment: 'Waiting for the buyer to confirm the new price' })).status).toBe(200);
      const second = await h.eventually(() => openTasks('accountant2', 'invoice_exception'), (tasks) => tasks.some((task) => task.subjectId === created.id && task.id !== first.id), 'the exception again after the hold', 30_000).then((tasks) => tasks.find((task) => task.subjectId === created.id)!);
      expect(second.details.stepLabel).toMatch(/Kept on hold for/);
      expect((await complete('accountant2', second.id, { action: 'request_credit_note', comment: 'Please credit 10.00 per mallet' })).status).toBe(200);
      const third = await h.eventually(() => openTasks('accountant2', 'invoice_exception'), (tasks) => tasks.some((task) => task.subjectId === created.id && ![first.id, second.id].includes(task.id)), 'the escalated exception', 30_000).then((tasks) => tasks.find((task) => task.subjectId === created.id)!);
      expect(third.details).toMatchObject({ escalated: true, stepLabel: expect.stringMatching(/No credit note came within/) });
      const audits = await database.db.select().from(auditLog).where(eq(auditLog.subjectId, created.id));
      expect(audits.map((entry) => entry.action)).toEqual(expect.arrayContaining(['invoice.kept_on_hold', 'invoice.credit_note_requested', 'invoice.escalated']));
      expect((await complete('accountant2', third.id, { action: 'reject', comment: 'No credit note: rejected' })).status).toBe(200);
      await waitForInvoice(created.id, (i) => i.status === 'rejected', 'rejected at last');
    } finally {
      await writePolicy(database.db, { name: 'matching', value: { ...defaultMatchingPolicy, autoApproveLimit: '2000.00' }, updatedBy: id.admin!, now: new Date() });
    }
  });

  it('approved invoices go to accounting as bills once; naming them exports them again', async () => {
    const first = await api.request('POST', '/accounting-exports', { token: token.accountant, body: {} });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const batch = first.body as { id: string; number: string; count: number; invoiceIds: string[]; reexport: boolean };
    expect(batch.number).toMatch(/^EXP-\d{4}-00001$/);
    expect(batch.reexport).toBe(false);
    expect(batch.invoiceIds).toEqual(expect.arrayContaining([exact.id, tolerated.id]));
    const bills = await api.request('GET', `/accounting-exports/${batch.id}/bills?format=json`, { token: token.accountant });
    expect(bills.status).toBe(200);
    const bill = (bills.body as { DocNumber: string; VendorRef: { name: string }; TotalAmt: string; DueDate: string; TxnTaxDetail: { TotalTax: string }; Line: { Amount: string; AccountBasedExpenseLineDetail: { AccountRef: { value: string }; TaxAmount: string; Qty: string } }[] }[]).find((row) => row.DocNumber === 'TW-1001')!;
    expect(bill).toMatchObject({ VendorRef: { name: 'Termsworth Tools Ltd' }, TotalAmt: '420.00', DueDate: plusDays(30), TxnTaxDetail: { TotalTax: '20.00' } });
    expect(bill.Line.map((line) => [line.Amount, line.AccountBasedExpenseLineDetail.TaxAmount, line.AccountBasedExpenseLineDetail.Qty])).toEqual([
      ['200.00', '10.00', '10.0000'],
      ['200.00', '10.00', '4.0000'],
    ]);
    const csv = await api.app.request(`/api/v1/accounting-exports/${batch.id}/bills?format=csv`, { headers: { authorization: `Bearer ${token.accountant}` } });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const rows = (await csv.text()).trim().split('\r\n');
    expect(rows[0]).toBe('BillNo,VendorRef,VendorName,TxnDate,DueDate,Currency,LineNum,Description,AccountRef,ClassRef,Qty,UnitPrice,LineAmount,LineTax,TotalTax,TotalAmt,Memo');
    expect(rows.filter((row) => row.startsWith('TW-1001,'))).toHaveLength(2);
    // Nothing new: a second export repeats none of them.
    const second = await api.request('POST', '/accounting-exports', { token: token.accountant, body: {} });
    expect(second.status).toBe(409);
    const again = await api.request('POST', '/accounting-exports', { token: token.accountant, body: { invoiceIds: [exact.id] } });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ reexport: true, count: 1, invoiceIds: [exact.id] });
    expect((await api.request('POST', '/accounting-exports', { token: token.buyer, body: {} })).status).toBe(403);
  });

  it('refuses bad invoices with a problem naming the field, and writes nothing', async () => {
    const order = await orders.issuedOrder({ supplierId: supplier.terms.id, lines: [{ description: 'File', quantity: '2', unitPrice: '10.00' }] });
    const other = await orders.issuedOrder({ supplierId: supplier.other.id, lines: [{ description: 'Rasp', quantity: '2', unitPrice: '10.00' }] });
    const cancelled = await orders.issuedOrder({ supplierId: supplier.terms.id, lines: [{ description: 'Awl', quantity: '2', unitPrice: '10.00' }] });
    expect((await api.request('POST', `/purchase-orders/${cancelled.id}/cancel`, { token: token.buyer, body: { reason: 'not needed' } })).status).toBe(200);
    const before = (await get<{ items: unknown[] }>('accountant', '/invoices?limit=200')).items.length;
    const cases: [string, Promise<Awaited<ReturnType<typeof enter>>>][] = [
      ['purchaseOrderId', enter(cancelled)],
      ['supplierId', enter(order, { supplierId: supplier.other.id })],
      ['lines.0.purchaseOrderLineId', api.request('POST', '/invoices', { token: token.accountant, body: { supplierId: supplier.terms.id, invoiceNumber: 'BAD-LINE', invoiceDate: today(), purchaseOrderId: order.id, lines: [{ purchaseOrderLineId: other.lines[0]!.id, quantity: '1', unitPrice: '10.00' }], taxAmount: '0.50', total: '10.50' } })],
      ['lines.0.quantity', enter(order, { lines: [{ quantity: '-1', unitPrice: '10.00' }], tax: '-0.50', total: '-10.50' })],
      ['invoiceDate', enter(order, { invoiceDate: plusDays(5) })],
      ['total', enter(order, { total: '99.99' })],
    ];
    for (const [path, pending] of cases) {
      const response = await pending;
      expect(response.status, `${path}: ${JSON.stringify(response.body)}`).toBe(422);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect((response.body as { errors: { path: string }[] }).errors.map((error) => error.path)).toContain(path);
    }
    expect((await get<{ items: unknown[] }>('accountant', '/invoices?limit=200')).items.length).toBe(before);
    // Only accountants enter invoices.
    expect((await enter(order, { who: 'buyer' })).status).toBe(403);
  });

  it('the auditor reads an invoice’s timeline: entry, match rounds, holds and decisions, merged with the engine’s history', async () => {
    const page = await get<{ items: { id: string; workflowId: string; invoiceNumber: string }[] }>('auditor', '/invoices?limit=200');
    const early = page.items.find((row) => row.invoiceNumber === 'TW-EARLY')!;
    const timeline = await get<{ items: { source: string; type: string }[] }>('auditor', `/processes/${early.workflowId}/history`);
    const types = timeline.items.map((item) => item.type);
    expect(types).toEqual(expect.arrayContaining(['invoice.entered', 'invoice.held', 'invoice.matched', 'invoice.approved']));
    expect(timeline.items.some((item) => item.source === 'engine')).toBe(true);
    expect(await database.db.select().from(mailOutbox).where(eq(mailOutbox.idempotencyKey, `${early.workflowId}:waiting-for-goods`))).toHaveLength(1);
  });

  it('with several accountants the exception is a pool that the one who entered the invoice is never offered', async () => {
    const third = await api.request('POST', '/users', { token: token.admin, body: { email: 'cleo.credit@demo.local', name: 'Cleo Credit', password: 'correct horse battery staple', roles: ['accountant'], managerId: await api.userId('finance_director') } });
    expect(third.status, JSON.stringify(third.body)).toBe(201);
    const order = await orders.issuedOrder({ supplierId: supplier.terms.id, lines: [{ description: 'Crowbar', quantity: '2', unitPrice: '20.00' }] });
    await orders.receive(order.id, ['2']);
    const created = await entered(order, { lines: [{ quantity: '2', unitPrice: '20.60' }] });
    const pooled = await taskOn('accountant2', 'invoice_exception', created.id);
    expect(pooled).toMatchObject({ assigneeId: null, candidateRole: 'accountant' });
    // Not in the inbox of the accountant who entered it, and not theirs to claim.
    expect((await openTasks('accountant', 'invoice_exception')).some((task) => task.subjectId === created.id)).toBe(false);
    expect([403, 404]).toContain((await api.request('POST', `/tasks/${pooled.id}/claim`, { token: token.accountant })).status);
    expect((await api.request('POST', `/tasks/${pooled.id}/claim`, { token: token.accountant2 })).status).toBe(200);
    expect((await complete('accountant2', pooled.id, { action: 'accept_variance', comment: 'Agreed surcharge' })).status).toBe(200);
    await waitForInvoice(created.id, (i) => i.status === 'approved', 'approved');
  });

  it('every invoice and order run of this file replays deterministically on the current workflow code', async () => {
    installTemporalRuntime();
    const runs = [...new Set([...(await database.db.select({ workflowId: invoices.workflowId }).from(invoices)).map((row) => row.workflowId), ...(await database.db.select({ workflowId: purchaseOrders.workflowId }).from(purchaseOrders)).map((row) => row.workflowId)])];
    expect(runs.length).toBeGreaterThan(20);
    for (const workflowId of runs) {
      const history = await engine.client.workflow.getHandle(workflowId).fetchHistory();
      await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') }, replayName: workflowId }, history, workflowId);
    }
  }, 60_000);
});

