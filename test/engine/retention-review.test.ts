import { Client, Connection } from '@temporalio/client';
import { asc, eq, isNotNull, sql } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { sealAuditLog } from '../../db/audit-sealer.ts';
import { GENESIS_HASH, hashAuditEntry, verifyAuditChain } from '../../db/queries/audit.ts';
import { auditLog, auditLogDisposals, auditSealState, documents, legalHolds, purchaseOrders, requisitions, retentionExtensions, retentionTombstones, users } from '../../db/schema/index.ts';
import { orderFixtures } from '../support/orders.ts';
import { useProcessFixture } from '../support/process-fixture.ts';

interface BatchRecord {
  itemId: string;
  recordClass: string;
  recordId: string;
  number: string;
}
interface ReviewTask {
  id: string;
  kind: string;
  subjectId: string;
  assigneeId: string | null;
  details: { reviewId: string; batch: number; records: BatchRecord[] };
}
interface Review {
  id: string;
  number: string;
  status: string;
  trigger: string;
  workflowId: string;
  counts: Record<string, number>;
  items: { recordClass: string; recordId: string; status: string; decision: string | null; note: string | null; extendedUntil: string | null }[];
  tombstones: { recordClass: string; recordId: string; number: string; approvedByName: string; details: Record<string, unknown> }[];
}

const yearsAgo = (years: number) => new Date(Date.now() - years * 365.25 * 86_400_000);
const nextYear = () => `${new Date().getUTCFullYear() + 1}-06-30`;

/**
 * The retention review end to end on the real dev server and database
 * (SPEC 4.4, issue #14): records made through their processes and aged by
 * writing old dates into their rows; a review started over the API; the
 * records manager's decisions through the inbox task; the disposal, its
 * tombstone and audit entry; the audit log's own range with its second stage;
 * and a review of 1,000 records in batches across continue-as-new.
 */
describe('the retention review', () => {
  const fx = useProcessFixture(['requester', 'manager', 'buyer', 'warehouse', 'records_manager', 'admin', 'auditor']);
  const { token } = fx;
  const post = (who: string, path: string, body: unknown) => fx.api.request('POST', path, { token: token[who], body });
  const get = (who: string, path: string) => fx.api.request('GET', path, { token: token[who] });

  const rejectedRequisition = async (title: string) => {
    const created = await fx.h.createRequisition(token.requester!, '80.00', { title });
    await fx.h.submit(token.requester!, created.id);
    const task = await fx.h.taskFor(token.manager!, created.id);
    expect((await fx.h.decide(token.manager!, task.id, 'reject', 'Not this year')).status).toBe(200);
    await fx.h.waitForStatus(token.requester!, created.id, 'rejected');
    await fx.database.db.update(requisitions).set({ updatedAt: yearsAgo(8) }).where(eq(requisitions.id, created.id));
    return created.id;
  };

  const startReview = async () => {
    const started = await post('records_manager', '/retention/reviews', {});
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    return started.body as { id: string; workflowId: string };
  };
  const reviewTask = (reviewId: string, kind = 'retention_review', who = 'records_manager', batch?: number) =>
    fx.h
      .eventually(
        () => get(who, `/tasks?status=open&subjectId=${reviewId}`),
        (r) => ((r.body.items as ReviewTask[] | undefined) ?? []).some((t) => t.kind === kind && (batch === undefined || t.details.batch === batch)),
        `a ${kind} task of review ${reviewId}`,
        30_000,
      )
      .then((r) => (r.body.items as ReviewTask[]).find((t) => t.kind === kind && (batch === undefined || t.details.batch === batch))!);
  const review = async (id: string) => (await get('records_manager', `/retention/reviews/${id}`)).body as Review;
  const completed = (id: string, timeoutMs = 30_000) => fx.h.eventually(() => review(id), (r) => r.status === 'completed', `review ${id} completed`, timeoutMs);
  const complete = (taskId: string, data: unknown, who = 'records_manager') => post(who, `/tasks/${taskId}/complete`, { action: 'record_decisions', data });

  it('disposes an audit-log range only after an admin confirms it, and the rest of the chain still verifies from where it starts', async () => {
    await sealAuditLog(fx.database.db);
    const [{ sealed }] = (await fx.database.db.select({ sealed: sql<number>`count(*)::int` }).from(auditLog).where(isNotNull(auditLog.sealSeq))) as [{ sealed: number }];
    expect(sealed, 'the fixture’s sign-ins and set-up wrote entries').toBeGreaterThan(2);
    const aged = Math.min(20, sealed);
    // Age the first entries (up to 20) by 8 years (rehashing the chain, as a superuser could): the expired prefix.
    await fx.database.db.transaction(async (tx) => {
      await tx.select().from(auditSealState).for('update');
      await tx.execute(sql`alter table audit_log disable trigger audit_log_seal_once`);
      await tx.update(auditLog).set({ at: sql`${auditLog.at} - interval '8 years'` }).where(sql`${auditLog.sealSeq} <= ${aged}`);
      let prevHash = GENESIS_HASH;
      for (const row of await tx.select().from(auditLog).where(isNotNull(auditLog.sealSeq)).orderBy(asc(auditLog.sealSeq))) {
        const hash = hashAuditEntry({ ...row, prevHash });
        await tx.update(auditLog).set({ prevHash, hash }).where(eq(auditLog.id, row.id));
        prevHash = hash;
      }
      await tx.execute(sql`alter table audit_log enable trigger audit_log_seal_once`);
      await tx.execute(sql`alter table audit_seal_state disable trigger audit_seal_state_forward_only`);
      await tx.update(auditSealState).set({ lastHash: prevHash });
      await tx.execute(sql`alter table audit_seal_state enable trigger audit_seal_state_forward_only`);
    });
    expect(await verifyAuditChain(fx.database.db)).toMatchObject({ ok: true, startsAt: 1, disposed: null });
    // Outside a recorded disposal, the log refuses a delete.
    await expect(fx.database.db.delete(auditLog).where(eq(auditLog.sealSeq, 1))).rejects.toThrow();

    const { id: reviewId } = await startReview();
    const task = await reviewTask(reviewId);
    expect(task.details.records.map((r) => [r.recordClass, r.recordId])).toEqual([['audit_log', `1-${aged}`]]);
    expect((await complete(task.id, { all: { action: 'dispose' } })).status).toBe(200);

    // The second stage: an admin confirms; the records manager who decided may not.
    const confirmation = await reviewTask(reviewId, 'retention_disposal_confirmation', 'admin');
    expect(confirmation.assigneeId).toBe(fx.id.admin);
    expect((await review(reviewId)).items.map((i) => i.status)).toEqual(['awaiting_confirmation']);
    expect((await post('admin', `/tasks/${confirmation.id}/complete`, { action: 'approve' })).status).toBe(200);
    const result = await completed(reviewId);
    expect(result.counts).toEqual({ disposed: 1 });
    expect(result.tombstones[0]!.details).toMatchObject({ range: { firstSeq: 1, lastSeq: aged, entries: aged } });

    const [disposal] = await fx.database.db.select().from(auditLogDisposals);
    expect(disposal).toMatchObject({ firstSeq: 1, lastSeq: aged, entryCount: aged });
    const [{ n }] = (await fx.database.db.select({ n: sql<number>`count(*)::int` }).from(auditLog).where(sql`${auditLog.sealSeq} <= ${aged}`)) as [{ n: number }];
    expect(n).toBe(0);
    await sealAuditLog(fx.database.db);
    const verification = await verifyAuditChain(fx.database.db);
    expect(verification).toMatchObject({ ok: true, startsAt: aged + 1, disposed: { entries: aged, lastHash: disposal!.lastHash } });
    // The API says the same to an auditor.
    const verified = await get('auditor', '/audit/verify');
    expect(verified.body).toMatchObject({ ok: true, startsAt: aged + 1 });
    const tombstones = await fx.database.db.select().from(retentionTombstones).where(eq(retentionTombstones.recordClass, 'audit_log'));
    expect(tombstones).toHaveLength(1);
  }, 120_000);

  it('takes up the records past their date (the dry run’s selection), skips held and running ones, and carries out dispose, extend and legal hold', async () => {
    const disposeId = await rejectedRequisition('Laptop for Hanna Hansen');
    const extendId = await rejectedRequisition('Tools');
    const holdId = await rejectedRequisition('Parts under dispute');
    const heldBefore = await rejectedRequisition('Already held');
    expect((await post('records_manager', '/retention/holds', { recordClass: 'requisition', recordId: heldBefore, reason: 'Litigation 2026-17' })).status).toBe(201);
    const running = await fx.h.createRequisition(token.requester!, '90.00');
    await fx.h.submit(token.requester!, running.id);
    await fx.h.waitForStatus(token.requester!, running.id, 'under_review');
    await fx.database.db.update(requisitions).set({ updatedAt: yearsAgo(9) }).where(eq(requisitions.id, running.id));

    const dry = await post('records_manager', '/retention/reviews', { dryRun: true });
    expect(dry.status).toBe(200);
    const dryIds = (dry.body as { records: BatchRecord[] }).records.map((r) => `${r.recordClass}:${r.recordId}`).sort();

    expect((await post('requester', '/retention/reviews', {})).status).toBe(403);
    const { id: reviewId } = await startReview();
    const task = await reviewTask(reviewId);
    const ids = task.details.records.map((r) => `${r.recordClass}:${r.recordId}`).sort();
    expect(ids, 'the review takes up what the dry run listed').toEqual(dryIds);
    expect(ids).toEqual([disposeId, extendId, holdId].map((id) => `requisition:${id}`).sort());

    // Bad decisions change nothing: a missing decision, an extension into the past, a disposal of a record held meanwhile.
    const decisions = [
      { recordClass: 'requisition', recordId: disposeId, action: 'dispose' },
      { recordClass: 'requisition', recordId: extendId, action: 'extend', until: nextYear(), reason: 'Warranty claim open' },
      { recordClass: 'requisition', recordId: holdId, action: 'legal_hold', reason: 'Dispute with supplier' },
    ];
    const partial = await complete(task.id, { decisions: decisions.slice(0, 2) });
    expect(partial.status).toBe(422);
    expect((partial.body as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain('data.all');
    const past = await complete(task.id, { decisions: [decisions[0], { ...decisions[1], until: '2020-01-01' }, decisions[2]] });
    expect(past.status).toBe(422);
    expect((past.body as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['data.decisions.1.until']);
    const hold = await post('records_manager', '/retention/holds', { recordClass: 'requisition', recordId: disposeId, reason: 'Auditor asked' });
    const heldNow = await complete(task.id, { decisions });
    expect(heldNow.status).toBe(422);
    expect((heldNow.body as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['data.decisions.0.action']);
    expect((await post('records_manager', `/retention/holds/${(hold.body as { id: string }).id}/release`, { reason: 'Done' })).status).toBe(200);
    expect((await complete(task.id, { decisions }, 'requester')).status).toBeGreaterThanOrEqual(403);
    expect((await review(reviewId)).counts).toEqual({ pending: 3 });

    const done = await complete(task.id, { decisions });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    const result = await completed(reviewId);
    expect(result.counts).toEqual({ disposed: 1, extended: 1, held: 1 });

    // Disposed: anonymised in place (amounts and number kept), a tombstone, an audit entry.
    const [disposed] = await fx.database.db.select().from(requisitions).where(eq(requisitions.id, disposeId));
    expect(disposed!.title).toBe(`Requisition ${disposed!.number} (disposed)`);
    expect(disposed!.total).toBe('80.00');
    const tombstone = result.tombstones.find((t) => t.recordId === disposeId)!;
    expect(tombstone).toMatchObject({ recordClass: 'requisition', number: disposed!.number, approvedByName: 'Rosa Ruiz' });
    const entries = await fx.database.db.select().from(auditLog).where(eq(auditLog.subjectId, disposeId));
    expect(entries.filter((e) => e.action === 'retention.disposed')).toHaveLength(1);
    // Extended: kept until the new date, with the reason.
    const [extension] = await fx.database.db.select().from(retentionExtensions).where(eq(retentionExtensions.recordId, extendId));
    expect(extension).toMatchObject({ reason: 'Warranty claim open' });
    expect(extension!.until.toISOString().slice(0, 10)).toBe(nextYear());
    // Held: a legal hold in force, placed by the records manager.
    const holds = await fx.database.db.select().from(legalHolds).where(eq(legalHolds.recordId, holdId));
    expect(holds.map((h) => [h.reason, h.releasedAt])).toEqual([['Dispute with supplier', null]]);

    // None of the three comes up again; the running one and the held one never did.
    const after = await post('records_manager', '/retention/reviews', { dryRun: true });
    expect((after.body as { records: BatchRecord[] }).records.filter((r) => r.recordClass === 'requisition')).toEqual([]);
    await sealAuditLog(fx.database.db);
    expect(await verifyAuditChain(fx.database.db)).toMatchObject({ ok: true });
  }, 120_000);

  it('disposing a purchase order deletes its PDFs and clears its delivery address, and keeps its amounts and number', async () => {
    const orders = orderFixtures(fx.api, fx.h, { requester: token.requester!, manager: token.manager!, buyer: token.buyer!, warehouse: token.warehouse! });
    const supplier = await post('buyer', '/suppliers', { name: 'Disposal Parts Ltd', email: 'orders@disposal-parts.example', paymentTermsDays: 30 });
    expect(supplier.status).toBe(201);
    const order = await orders.issuedOrder({ supplierId: (supplier.body as { id: string }).id, lines: [{ description: 'Bearing', quantity: '2', unitPrice: '10.00' }] });
    expect((await post('buyer', `/purchase-orders/${order.id}/cancel`, { reason: 'Supplier out of stock' })).status).toBe(200);
    await fx.h.eventually(() => orders.order(order.id), (o) => o.status === 'cancelled', 'the order cancelled');
    await fx.h.eventually(() => fx.database.db.select().from(documents).where(eq(documents.subjectId, order.id)), (rows) => rows.length > 0, 'the order’s PDF');
    await fx.database.db.update(purchaseOrders).set({ closedAt: yearsAgo(8) }).where(eq(purchaseOrders.id, order.id));
    const [before] = await fx.database.db.select().from(purchaseOrders).where(eq(purchaseOrders.id, order.id));
    expect(before!.deliveryAddress).not.toBeNull();
    // Its requisition ended with it, today: this review is about the order alone.
    await fx.database.db.update(requisitions).set({ updatedAt: new Date() }).where(eq(requisitions.id, order.requisitionId));

    const { id: reviewId } = await startReview();
    const task = await reviewTask(reviewId);
    expect(task.details.records.map((r) => [r.recordClass, r.recordId])).toEqual([['purchase_order', order.id]]);
    expect((await complete(task.id, { all: { action: 'dispose' } })).status).toBe(200);
    const result = await completed(reviewId);
    expect(result.tombstones[0]!.details).toMatchObject({ documentsDeleted: [expect.stringMatching(/\.pdf$/)] });
    expect(await fx.database.db.select().from(documents).where(eq(documents.subjectId, order.id))).toEqual([]);
    const [row] = await fx.database.db.select().from(purchaseOrders).where(eq(purchaseOrders.id, order.id));
    expect(row).toMatchObject({ deliveryAddress: null, number: before!.number, subtotal: before!.subtotal, total: before!.total, closedAt: before!.closedAt, status: 'cancelled' });
  }, 120_000);

  it('a review of 1,000 records runs in batches of 100 across continued runs with a short history each', async () => {
    // 1,000 accounts deactivated two years ago (past the 1-year policy).
    const deactivatedAt = yearsAgo(2);
    await fx.database.db.insert(users).values(
      Array.from({ length: 1000 }, (_, i) => ({ email: `leaver-${i}@bulk.example`, name: `Leaver ${i}`, passwordHash: '!', roles: ['requester' as const], active: false, deactivatedAt })),
    );
    const { id: reviewId, workflowId } = await startReview();
    for (let batch = 1; batch <= 10; batch += 1) {
      const task = await reviewTask(reviewId, 'retention_review', 'records_manager', batch);
      expect(task.details.records).toHaveLength(100);
      const all = batch % 2 === 1 ? { action: 'dispose' } : { action: 'extend', until: nextYear(), reason: 'Pending HR audit' };
      const done = await complete(task.id, { all });
      expect(done.status, JSON.stringify(done.body)).toBe(200);
    }
    const result = await completed(reviewId, 60_000);
    expect(result.counts).toEqual({ disposed: 500, extended: 500 });
    const anonymised = await fx.database.db.select({ n: sql<number>`count(*)::int` }).from(users).where(sql`${users.email} like 'former-%@anonymised.invalid'`);
    expect(anonymised[0]!.n).toBe(500);

    // Continue-as-new: 10 batches, 5 a run, so at least two runs, each with a bounded history.
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const client = new Client({ connection, namespace: inject('temporalNamespace') });
      const runs: { events: number; continued: boolean }[] = [];
      let runId: string | undefined = (await client.workflow.getHandle(workflowId).describe()).runId;
      // Walk back from the last run to the first through each run's "continued from".
      while (runId) {
        const history: Awaited<ReturnType<ReturnType<typeof client.workflow.getHandle>['fetchHistory']>> = await client.workflow.getHandle(workflowId, runId).fetchHistory();
        const events = history.events ?? [];
        runs.unshift({ events: events.length, continued: events.some((event) => Boolean(event.workflowExecutionContinuedAsNewEventAttributes)) });
        runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
      }
      expect(runs.length).toBeGreaterThanOrEqual(2);
      expect(runs.slice(0, -1).every((run) => run.continued)).toBe(true);
      for (const run of runs) expect(run.events).toBeLessThan(400);
      console.log(`retention review of 1,000 records: ${runs.length} runs, history events per run ${runs.map((r) => r.events).join(', ')}`);
    } finally {
      await connection.close();
    }
  }, 240_000);
});
