import { Client, Connection } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import { describe, expect, inject, it, beforeAll } from 'vitest';
import { auditLog, goodsReceipts, purchaseOrders, requisitions, users } from '../../db/schema/index.ts';
import { ensureRetentionReviewSchedule, RETENTION_REVIEW_PENDING_NOTE, RETENTION_REVIEW_SCHEDULE_ID, RETENTION_REVIEW_WORKFLOW_TYPE } from '../../worker/schedules.ts';
import { orderFixtures } from '../support/orders.ts';
import { useProcessFixture } from '../support/process-fixture.ts';

interface ReviewRecord {
  recordClass: string;
  recordId: string;
  number: string;
  eventAt: string;
  retentionDate: string;
  ageDays: number;
}
interface Hold {
  id: string;
  scope: string;
  target: string;
  releasedAt: string | null;
}

const yearsAgo = (years: number) => new Date(Date.now() - years * 365.25 * 86_400_000);

/**
 * Retention foundations on the real dev server and database (SPEC 4.4, issue
 * #14): records made through their processes, then aged by writing old dates
 * into their rows; the policy, the holds and the dry-run selection over the
 * API; the Schedule as the worker's start makes it.
 */
describe('records retention: policies, legal holds, the review selection, the schedule', () => {
  const fx = useProcessFixture(['requester', 'manager', 'buyer', 'warehouse', 'records_manager', 'admin', 'auditor']);
  const { token } = fx;
  const seeded = {} as Record<'rejected' | 'running' | 'project' | 'cancelledOrder' | 'runningReceipt' | 'deactivatedUser' | 'supplier' | 'projectId', string>;

  const post = (who: string, path: string, body: unknown) => fx.api.request('POST', path, { token: token[who], body });
  const dryRun = async (who = 'records_manager') => {
    const response = await post(who, '/retention/reviews', { dryRun: true, limit: 1000 });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return (response.body as { records: ReviewRecord[] }).records;
  };
  const selects = (records: ReviewRecord[], recordClass: string, recordId: string) => records.some((record) => record.recordClass === recordClass && record.recordId === recordId);
  const rejectedRequisition = async (extra: Record<string, unknown> = {}) => {
    const created = await fx.h.createRequisition(token.requester!, '80.00', extra);
    await fx.h.submit(token.requester!, created.id);
    const task = await fx.h.taskFor(token.manager!, created.id);
    expect((await fx.h.decide(token.manager!, task.id, 'reject', 'Not this year')).status).toBe(200);
    await fx.h.waitForStatus(token.requester!, created.id, 'rejected');
    return created.id;
  };
  const ageRequisition = (id: string, years: number) => fx.database.db.update(requisitions).set({ updatedAt: yearsAgo(years) }).where(eq(requisitions.id, id));

  beforeAll(async () => {
    const orders = orderFixtures(fx.api, fx.h, { requester: token.requester!, manager: token.manager!, buyer: token.buyer!, warehouse: token.warehouse! });
    const supplier = await post('buyer', '/suppliers', { name: 'Retention Parts GmbH', email: 'orders@retention-parts.example', paymentTermsDays: 30 });
    expect(supplier.status).toBe(201);
    seeded.supplier = (supplier.body as { id: string }).id;
    const projects = await fx.api.request('GET', '/projects', { token: token.requester });
    seeded.projectId = (projects.body as { items: { id: string }[] }).items[0]!.id;

    // Ended 8 years ago: past the default 7 years.
    seeded.rejected = await rejectedRequisition();
    await ageRequisition(seeded.rejected, 8);
    seeded.project = await rejectedRequisition({ purpose: 'project', projectId: seeded.projectId });
    await ageRequisition(seeded.project, 8);
    // Still under review, however old its last change.
    const running = await fx.h.createRequisition(token.requester!, '90.00');
    await fx.h.submit(token.requester!, running.id);
    await fx.h.waitForStatus(token.requester!, running.id, 'under_review');
    seeded.running = running.id;
    await ageRequisition(seeded.running, 9);

    // An order cancelled (its process closed it) 8 years ago.
    const cancelled = await orders.issuedOrder({ supplierId: seeded.supplier, lines: [{ description: 'Bearing', quantity: '2', unitPrice: '10.00' }] });
    expect((await post('buyer', `/purchase-orders/${cancelled.id}/cancel`, { reason: 'Supplier out of stock' })).status).toBe(200);
    await fx.h.eventually(() => orders.order(cancelled.id), (o) => o.status === 'cancelled', 'the order cancelled');
    await fx.database.db.update(purchaseOrders).set({ closedAt: yearsAgo(8) }).where(eq(purchaseOrders.id, cancelled.id));
    seeded.cancelledOrder = cancelled.id;

    // A receipt received 8 years ago of an order still waiting for its invoice: its process runs.
    const received = await orders.issuedOrder({ supplierId: seeded.supplier, lines: [{ description: 'Gasket', quantity: '1', unitPrice: '5.00' }] });
    await orders.receive(received.id, ['1']);
    const [receipt] = await fx.database.db.select({ id: goodsReceipts.id }).from(goodsReceipts).where(eq(goodsReceipts.purchaseOrderId, received.id));
    await fx.database.db.update(goodsReceipts).set({ receivedAt: yearsAgo(8) }).where(eq(goodsReceipts.id, receipt!.id));
    seeded.runningReceipt = receipt!.id;

    // An account deactivated by an admin, 2 years ago.
    const user = await post('admin', '/users', { email: 'leaver@demo.local', name: 'Lea Leaver', password: 'a-long-password-1', roles: ['requester'] });
    expect(user.status).toBe(201);
    seeded.deactivatedUser = (user.body as { id: string }).id;
    const deactivated = await fx.api.request('PATCH', `/users/${seeded.deactivatedUser}`, { token: token.admin, body: { active: false } });
    expect(deactivated.status, JSON.stringify(deactivated.body)).toBe(200);
    const [row] = await fx.database.db.select({ deactivatedAt: users.deactivatedAt }).from(users).where(eq(users.id, seeded.deactivatedUser));
    expect(row!.deactivatedAt, 'deactivating stamps the date retention counts from').toBeInstanceOf(Date);
    await fx.database.db.update(users).set({ deactivatedAt: yearsAgo(2) }).where(eq(users.id, seeded.deactivatedUser));
  }, 120_000);

  it('the policy: every class with its period, event and legal minimum; records managers and auditors read it, requesters do not', async () => {
    for (const who of ['records_manager', 'auditor', 'admin']) {
      const response = await fx.api.request('GET', '/policies/retention', { token: token[who] });
      expect(response.status, who).toBe(200);
      const classes = (response.body as { classes: { recordClass: string; period: string; countsFrom: string; legalMinimum: string }[] }).classes;
      expect(classes.map((c) => [c.recordClass, c.period, c.countsFrom])).toEqual([
        ['requisition', 'P7Y', 'closing'],
        ['purchase_order', 'P7Y', 'closing'],
        ['goods_receipt', 'P7Y', 'closing'],
        ['invoice', 'P7Y', 'closing'],
        ['supplier_contact', 'P3Y', 'last_activity'],
        ['user_account', 'P1Y', 'deactivation'],
        ['audit_log', 'P7Y', 'creation'],
      ]);
    }
    expect((await fx.api.request('GET', '/policies/retention', { token: token.requester })).status).toBe(403);
  });

  it('the dry run lists the records past their date and skips those whose process still runs', async () => {
    const records = await dryRun();
    expect(selects(records, 'requisition', seeded.rejected), 'rejected 8 years ago').toBe(true);
    expect(selects(records, 'requisition', seeded.project)).toBe(true);
    expect(selects(records, 'purchase_order', seeded.cancelledOrder), 'cancelled 8 years ago').toBe(true);
    expect(selects(records, 'user_account', seeded.deactivatedUser), 'deactivated 2 years ago').toBe(true);
    expect(selects(records, 'requisition', seeded.running), 'a requisition under review').toBe(false);
    expect(selects(records, 'goods_receipt', seeded.runningReceipt), 'a receipt of an order not closed').toBe(false);
    // The supplier dealt with today is not past its 3 years.
    expect(selects(records, 'supplier_contact', seeded.supplier)).toBe(false);
    const rejected = records.find((record) => record.recordId === seeded.rejected)!;
    expect(rejected.ageDays).toBeGreaterThanOrEqual(8 * 365);
    expect(new Date(rejected.retentionDate).getTime()).toBeLessThan(Date.now());
    expect(rejected.number).toMatch(/^REQ-/);
    // Admins may ask too; auditors and requesters may not.
    expect((await dryRun('admin')).length).toBe(records.length);
    expect((await post('auditor', '/retention/reviews', { dryRun: true })).status).toBe(403);
    expect((await post('requester', '/retention/reviews', { dryRun: true })).status).toBe(403);
  });

  it('starting a review needs the records manager or admin role; a malformed body is a 400 naming the field', async () => {
    expect((await post('auditor', '/retention/reviews', {})).status).toBe(403);
    expect((await post('requester', '/retention/reviews', { dryRun: false })).status).toBe(403);
    const malformed = await post('records_manager', '/retention/reviews', { dryRun: 'yes' });
    expect(malformed.status).toBe(400);
    expect(JSON.stringify(malformed.body)).toContain('dryRun');
  });

  it('a period below the legal minimum is refused naming the field; a change is audited and re-dates the records at once', async () => {
    const below = await fx.api.request('PUT', '/policies/retention', { token: token.admin, body: { periods: { invoice: 'P6Y11M' } } });
    expect(below.status).toBe(422);
    expect((below.body as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['periods.invoice']);
    expect((await fx.api.request('PUT', '/policies/retention', { token: token.records_manager, body: { periods: { requisition: 'P10Y' } } })).status).toBe(403);
    expect((await fx.api.request('PUT', '/policies/retention', { token: token.admin, body: { periods: { requisition: 'ten years' } } })).status).toBe(400);

    const longer = await fx.api.request('PUT', '/policies/retention', { token: token.admin, body: { periods: { requisition: 'P10Y' } } });
    expect(longer.status, JSON.stringify(longer.body)).toBe(200);
    let records = await dryRun();
    expect(selects(records, 'requisition', seeded.rejected), 'within 10 years').toBe(false);
    expect(selects(records, 'purchase_order', seeded.cancelledOrder), 'other classes keep their period').toBe(true);
    const [entry] = await fx.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'policy.updated'), eq(auditLog.subjectId, 'retention')));
    expect(entry).toMatchObject({ subjectType: 'Policy', actorId: fx.id.admin, before: expect.objectContaining({ requisition: 'P7Y' }), after: expect.objectContaining({ requisition: 'P10Y', invoice: 'P7Y' }) });

    expect((await fx.api.request('PUT', '/policies/retention', { token: token.admin, body: { periods: { requisition: 'P7Y' } } })).status).toBe(200);
    records = await dryRun();
    expect(selects(records, 'requisition', seeded.rejected)).toBe(true);
  });

  it('legal holds on a record, a supplier and a project keep their records out of the selection until released; each is audited', async () => {
    const place = async (body: Record<string, unknown>) => {
      const response = await post('records_manager', '/retention/holds', body);
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      return response.body as Hold;
    };
    const onRecord = await place({ recordClass: 'requisition', recordId: seeded.rejected, reason: 'Litigation 2026-17' });
    expect(onRecord.target).toMatch(/^Requisition REQ-/);
    const onSupplier = await place({ supplierId: seeded.supplier, reason: 'Tax audit of Retention Parts' });
    const onProject = await place({ projectId: seeded.projectId, reason: 'Project dispute' });

    let records = await dryRun();
    expect(selects(records, 'requisition', seeded.rejected), 'held record').toBe(false);
    expect(selects(records, 'purchase_order', seeded.cancelledOrder), "held supplier's order").toBe(false);
    expect(selects(records, 'requisition', seeded.project), "held project's requisition").toBe(false);
    expect(selects(records, 'user_account', seeded.deactivatedUser), 'not held').toBe(true);

    const placed = await fx.database.db.select().from(auditLog).where(eq(auditLog.action, 'legal_hold.placed'));
    expect(placed.map((entry) => entry.subjectId).sort()).toEqual([onRecord.id, onSupplier.id, onProject.id].sort());
    expect(placed.every((entry) => entry.actorId === fx.id.records_manager)).toBe(true);

    const list = await fx.api.request('GET', '/retention/holds?status=active&limit=2', { token: token.auditor });
    expect(list.status).toBe(200);
    const firstPage = list.body as { items: Hold[]; nextCursor: string | null };
    expect(firstPage.items).toHaveLength(2);
    const second = await fx.api.request('GET', `/retention/holds?status=active&limit=2&cursor=${firstPage.nextCursor}`, { token: token.auditor });
    expect([...firstPage.items, ...(second.body as { items: Hold[] }).items].map((hold) => hold.id).sort()).toEqual([onRecord.id, onSupplier.id, onProject.id].sort());

    for (const hold of [onRecord, onSupplier, onProject]) {
      const released = await post('admin', `/retention/holds/${hold.id}/release`, { reason: 'Matter settled' });
      expect(released.status, JSON.stringify(released.body)).toBe(200);
      expect((released.body as Hold).releasedAt).not.toBeNull();
    }
    expect((await post('records_manager', `/retention/holds/${onRecord.id}/release`, { reason: 'again' })).status).toBe(409);
    const releasedEntries = await fx.database.db.select().from(auditLog).where(eq(auditLog.action, 'legal_hold.released'));
    expect(releasedEntries).toHaveLength(3);
    records = await dryRun();
    expect(selects(records, 'requisition', seeded.rejected)).toBe(true);
    expect(selects(records, 'purchase_order', seeded.cancelledOrder)).toBe(true);
    expect(selects(records, 'requisition', seeded.project)).toBe(true);
  });

  it('holds are refused to people without the role, and on records that do not exist', async () => {
    expect((await post('requester', '/retention/holds', { recordClass: 'requisition', recordId: seeded.rejected, reason: 'x' })).status).toBe(403);
    expect((await post('auditor', '/retention/holds', { supplierId: seeded.supplier, reason: 'x' })).status).toBe(403);
    const missing = await post('records_manager', '/retention/holds', { recordClass: 'invoice', recordId: '00000000-0000-4000-8000-000000000000', reason: 'x' });
    expect(missing.status).toBe(422);
    expect((missing.body as { errors: { path: string }[] }).errors[0]!.path).toBe('recordId');
    expect((await post('records_manager', '/retention/holds', { projectId: '00000000-0000-4000-8000-000000000000', reason: 'x' })).status).toBe(422);
  });

  it('the Schedule: created at the first start, the same one after a second start, running; a trigger starts a review', async () => {
    const address = inject('temporalAddress');
    const namespace = inject('temporalNamespace');
    const start = async (timeZone: string) => {
      const connection = await Connection.connect({ address });
      try {
        return await ensureRetentionReviewSchedule(connection, namespace, { taskQueue: fx.engine.taskQueue, timeZone });
      } finally {
        await connection.close();
      }
    };
    const connection = await Connection.connect({ address });
    const client = new Client({ connection, namespace });
    const handle = client.schedule.getHandle(RETENTION_REVIEW_SCHEDULE_ID);
    try {
      await handle.delete().catch(() => undefined);
      expect(await start('UTC')).toBe('created');
      // An operator's pause survives a restart.
      await handle.pause('maintenance');
      expect(await start('Europe/Berlin')).toBe('updated');
      expect((await handle.describe()).state).toMatchObject({ paused: true, note: 'maintenance' });
      // The pause kept while the review workflow did not exist is lifted.
      await handle.pause(RETENTION_REVIEW_PENDING_NOTE);
      expect(await start('Europe/Berlin')).toBe('updated');
      const described = await handle.describe();
      expect(described.state.paused).toBe(false);
      expect(described.spec.timezone).toBe('Europe/Berlin');
      expect(described.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 2, end: 2, step: 1 }], minute: [{ start: 0, end: 0, step: 1 }] });
      expect(described.policies.overlap).toBe('SKIP');
      expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: RETENTION_REVIEW_WORKFLOW_TYPE, taskQueue: fx.engine.taskQueue });
      const ids = await fx.h.eventually(
        async () => {
          const found: string[] = [];
          for await (const schedule of client.schedule.list()) if (schedule.scheduleId === RETENTION_REVIEW_SCHEDULE_ID) found.push(schedule.scheduleId);
          return found;
        },
        (found) => found.length > 0,
        'the schedule listed',
      );
      expect(ids).toEqual([RETENTION_REVIEW_SCHEDULE_ID]);

      // What 02:00 does, now: the Schedule starts the review workflow, which takes up the records past their date.
      await handle.trigger();
      const reviews = await fx.h.eventually(
        () => fx.api.request('GET', '/retention/reviews', { token: token.records_manager }),
        (r) => ((r.body as { items?: { trigger: string }[] }).items ?? []).some((review) => review.trigger === 'schedule'),
        'a review started by the Schedule',
      );
      const scheduled = (reviews.body as { items: { id: string; trigger: string; workflowId: string }[] }).items.find((review) => review.trigger === 'schedule')!;
      expect(scheduled.workflowId).toMatch(/^retention-review-/);
      const task = await fx.h.eventually(
        () => fx.api.request('GET', `/tasks?status=open&subjectId=${scheduled.id}`, { token: token.records_manager }),
        (r) => ((r.body as { items?: unknown[] }).items ?? []).length === 1,
        'the review task',
      );
      const records = (task.body as { items: { details: { records: ReviewRecord[] } }[] }).items[0]!.details.records;
      expect(selects(records, 'requisition', seeded.rejected)).toBe(true);
      expect(selects(records, 'requisition', seeded.running)).toBe(false);
    } finally {
      // A running Schedule must not outlive the test's worker.
      await handle.delete().catch(() => undefined);
      await connection.close();
    }
  });
});
