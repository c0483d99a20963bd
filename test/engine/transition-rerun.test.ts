import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.ts';
import { hashPassword } from '../../api/services/credentials.ts';
import { seedDemoData } from '../../db/seed.ts';
import { auditLog, purchaseOrders, requisitionLines, requisitions, suppliers, users } from '../../db/schema/index.ts';
import { createActivityDeps } from '../../worker/activity-deps.ts';
import { TEST_SECRET, testPersonalDataKeys } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

/**
 * Temporal may lose a workflow task after its local activities committed
 * (the server dies in that moment) and run it again: each transition then
 * runs twice with the same request id. The record must end as it was, with
 * no status stepping back and no audit entry written twice (found by the
 * chaos run killing Temporal while orders were prepared and issued).
 */
describe('a transition run again', () => {
  let database: TestDatabase;
  let activities: ReturnType<typeof createActivities>;
  let orderId = '';
  let buyerId = '';
  const processId = 'po-rerun';

  beforeAll(async () => {
    database = await createTestDatabase();
    await seedDemoData(database.db, hashPassword);
    const [supplier] = await database.db.select().from(suppliers).limit(1);
    const [buyer] = await database.db.select().from(users).where(eq(users.email, 'buyer@demo.local'));
    buyerId = buyer!.id;
    const [requisition] = await database.db.insert(requisitions).values({ requesterId: buyerId, title: 'Rerun', purpose: 'daily_operations', total: '50.00', status: 'approved', number: 'REQ-2026-00001' }).returning();
    await database.db.insert(requisitionLines).values({ requisitionId: requisition!.id, lineNo: 1, description: 'Valve', quantity: '5', unit: 'each', unitPrice: '10', amount: '50.00', supplierId: supplier!.id });
    activities = createActivities(createActivityDeps({ db: database.db, mailFrom: 'Procurement <p@test.local>', secret: TEST_SECRET, publicUrl: 'http://localhost:3000', personalDataKeys: testPersonalDataKeys() }));
    orderId = (await activities.planPurchaseOrders({ processId: 'requisition-rerun', requisitionId: requisition!.id })).orders[0]!;
  });
  afterAll(async () => database?.drop());

  it('leaves the order as the later step left it: prepared and issued once, never back to draft', async () => {
    const { lines } = await activities.readPurchaseOrder({ purchaseOrderId: orderId });
    const subject = { type: 'PurchaseOrder', id: orderId };
    const prepare = { processId, requestId: 'task-1:prepare', subject, record: { status: 'draft', actorId: buyerId, onBehalfOfId: null, comment: null, facts: { prepare: { deliveryDate: '2027-01-01', deliveryAddress: 'Dock 2', lines: [{ lineId: lines[0]!.lineId, unitPrice: '11.00' }] } } } };
    const issue = { processId, requestId: `${processId}:settle`, subject, record: { status: 'issued', actorId: null, onBehalfOfId: null, comment: null, facts: { issue: { reason: null } } } };
    await activities.applyTaskTransition(prepare);
    await activities.applyTaskTransition(issue);
    // The lost workflow task runs again: both transitions, same request ids.
    await activities.applyTaskTransition(prepare);
    const [between] = await database.db.select().from(purchaseOrders).where(eq(purchaseOrders.id, orderId));
    expect(between!.status).toBe('issued');
    await activities.applyTaskTransition(issue);
    const [order] = await database.db.select().from(purchaseOrders).where(eq(purchaseOrders.id, orderId));
    expect([order!.status, order!.number, order!.total]).toEqual(['issued', 'PO-2026-00001', '57.75']);
    const entries = await database.db.select({ action: auditLog.action }).from(auditLog).where(and(eq(auditLog.subjectId, orderId), like(auditLog.action, 'purchase_order.%')));
    expect(entries.map((entry) => entry.action).sort()).toEqual(['purchase_order.drafted', 'purchase_order.issued', 'purchase_order.prepared']);
  });
});
