import { describe, expect, it } from 'vitest';
import { useProcessFixture } from '../support/process-fixture.ts';

/**
 * Auditors read everything and change nothing: every write operation of the
 * OpenAPI document, called by an auditor with a valid body, is refused. The
 * list must name every write operation, so a new endpoint cannot slip past.
 */
describe('the auditor changes nothing', () => {
  const fx = useProcessFixture(['requester', 'manager', 'auditor', 'admin']);
  const { token, id } = fx;

  /** Writes on the auditor's own account (sign-in, tokens, out-of-office) and public links are theirs to make. */
  const ownAccount = new Set(['POST /api/v1/auth/login', 'POST /api/v1/auth/logout', 'POST /api/v1/auth/tokens', 'DELETE /api/v1/auth/tokens/{id}', 'PUT /api/v1/me/out-of-office', 'DELETE /api/v1/me/out-of-office', 'POST /api/v1/action-links/{token}', 'POST /api/v1/supplier-links/{token}']);

  it('every business write answers 403 (or 404 where the record is hidden), and nothing changes', async () => {
    const draft = await fx.h.createRequisition(token.requester!, '120.00');
    const submittedReq = await fx.h.createRequisition(token.requester!, '130.00');
    await fx.h.submit(token.requester!, submittedReq.id);
    const task = await fx.h.taskFor(token.manager!, submittedReq.id);
    await fx.h.waitForStatus(token.requester!, submittedReq.id, 'under_review');
    // An approved requisition with a supplier line: its draft purchase order is there to be refused.
    const suppliers = (await fx.api.request('GET', '/suppliers', { token: token.auditor! })).body as { items: { id: string }[] };
    const ordered = await fx.h.createRequisition(token.requester!, '140.00', { lines: [{ ...fx.h.line('140.00'), supplierId: suppliers.items[0]!.id }] });
    await fx.h.submit(token.requester!, ordered.id);
    expect((await fx.h.decide(token.manager!, (await fx.h.taskFor(token.manager!, ordered.id)).id, 'approve')).status).toBe(200);
    const orders = await fx.h.eventually(
      () => fx.api.request('GET', `/purchase-orders?requisitionId=${ordered.id}`, { token: token.auditor! }),
      (r) => (r.body as { items: unknown[] }).items.length === 1,
      'the draft purchase order',
    );
    const po = (orders.body as { items: { id: string }[] }).items[0]!;
    const supplier = { name: 'Audit Ltd', email: 'a@example.com', paymentTermsDays: 30 };
    const requisition = { title: 'Changed', purpose: 'daily_operations', lines: [fx.h.line('1.00')] };
    const writes: Record<string, () => Promise<{ status: number; body: unknown }>> = {
      'POST /api/v1/users': () => fx.api.request('POST', '/users', { token: token.auditor!, body: { email: 'x@example.com', name: 'X', password: 'a-long-password-1', roles: ['requester'] } }),
      'PATCH /api/v1/users/{id}': () => fx.api.request('PATCH', `/users/${id.requester}`, { token: token.auditor!, body: { name: 'Changed' } }),
      'PUT /api/v1/users/{id}/out-of-office': () => fx.api.request('PUT', `/users/${id.requester}/out-of-office`, { token: token.auditor!, body: { from: '2026-12-01T00:00:00Z', until: '2026-12-05T00:00:00Z', delegateId: id.manager } }),
      'POST /api/v1/suppliers': () => fx.api.request('POST', '/suppliers', { token: token.auditor!, body: supplier }),
      'POST /api/v1/requisitions': () => fx.api.request('POST', '/requisitions', { token: token.auditor!, body: requisition }),
      'PUT /api/v1/requisitions/{id}': () => fx.api.request('PUT', `/requisitions/${draft.id}`, { token: token.auditor!, body: requisition }),
      'POST /api/v1/requisitions/{id}/submit': () => fx.api.request('POST', `/requisitions/${draft.id}/submit`, { token: token.auditor! }),
      'POST /api/v1/requisitions/{id}/withdraw': () => fx.api.request('POST', `/requisitions/${submittedReq.id}/withdraw`, { token: token.auditor!, body: {} }),
      'POST /api/v1/tasks/{id}/complete': () => fx.api.request('POST', `/tasks/${task.id}/complete`, { token: token.auditor!, body: { action: 'approve' } }),
      'POST /api/v1/tasks/{id}/claim': () => fx.api.request('POST', `/tasks/${task.id}/claim`, { token: token.auditor! }),
      'POST /api/v1/tasks/bulk-complete': async () => {
        const response = await fx.api.request('POST', '/tasks/bulk-complete', { token: token.auditor!, body: { taskIds: [task.id], action: 'approve' } });
        // One answer for many tasks: each result carries its own refusal.
        return { status: (response.body as { results: { status: number }[] }).results[0]!.status, body: response.body };
      },
      'POST /api/v1/purchase-orders/{id}/revisions': () => fx.api.request('POST', `/purchase-orders/${po.id}/revisions`, { token: token.auditor!, body: { reason: 'x', deliveryDate: '2027-01-01' } }),
      'POST /api/v1/purchase-orders/{id}/cancel': () => fx.api.request('POST', `/purchase-orders/${po.id}/cancel`, { token: token.auditor!, body: { reason: 'x' } }),
      'POST /api/v1/purchase-orders/{id}/cancel-remaining': () => fx.api.request('POST', `/purchase-orders/${po.id}/cancel-remaining`, { token: token.auditor!, body: { reason: 'x' } }),
      'POST /api/v1/purchase-orders/{id}/move-lines': () => fx.api.request('POST', `/purchase-orders/${po.id}/move-lines`, { token: token.auditor!, body: { lineIds: [po.id], toPurchaseOrderId: id.requester } }),
      'POST /api/v1/receipts': () => fx.api.request('POST', '/receipts', { token: token.auditor!, body: { purchaseOrderId: po.id, lines: [{ purchaseOrderLineId: po.id, quantityReceived: '1' }] } }),
      'POST /api/v1/receipts/{id}/returns': () => fx.api.request('POST', `/receipts/${po.id}/returns`, { token: token.auditor!, body: { reason: 'x', lines: [{ receiptLineId: po.id, quantity: '1' }] } }),
      'PUT /api/v1/policies/purchasing': () => fx.api.request('PUT', '/policies/purchasing', { token: token.auditor!, body: { approvalAbove: '10000.00', reapprovalIncreasePercent: '10', receiptTolerancePercent: '0', defaultTaxRate: '5', acknowledgementDays: 3, supplierLinkDays: 14, deliveryAddress: 'Dock 2' } }),
      'PUT /api/v1/policies/approval': () => fx.api.request('PUT', '/policies/approval', { token: token.auditor!, body: { procurementManagerAbove: '1.00', financeDirectorAbove: '2.00', stepSla: 'P1D' } }),
      'POST /api/v1/invoices': () => fx.api.request('POST', '/invoices', { token: token.auditor!, body: { supplierId: suppliers.items[0]!.id, invoiceNumber: 'AUD-1', invoiceDate: '2026-12-01', purchaseOrderId: po.id, lines: [{ purchaseOrderLineId: po.id, quantity: '1', unitPrice: '1.00' }], taxAmount: '0.05', total: '1.05' } }),
      'POST /api/v1/invoices/{id}/payment': () => fx.api.request('POST', `/invoices/${po.id}/payment`, { token: token.auditor!, body: { reference: 'X', paidOn: '2026-12-01', amount: '1.00' } }),
      'POST /api/v1/payment-runs': () => fx.api.request('POST', '/payment-runs', { token: token.auditor!, body: { dueBy: '2026-12-31', invoiceIds: [po.id], paidOn: '2026-12-01', reference: 'X' } }),
      'POST /api/v1/accounting-exports': () => fx.api.request('POST', '/accounting-exports', { token: token.auditor!, body: {} }),
      'PUT /api/v1/policies/matching': () => fx.api.request('PUT', '/policies/matching', { token: token.auditor!, body: { quantityPercent: '0', priceUpper: { percent: '2', amount: '50' }, priceLower: { percent: '2', amount: '50' }, header: '1.00', autoApproveLimit: '5000.00', goodsWaitDays: 14, creditNoteWaitDays: 14, duplicateWindowDays: 3, futureDateDays: 0 } }),
      'PUT /api/v1/policies/matching/suppliers/{supplierId}': () => fx.api.request('PUT', `/policies/matching/suppliers/${suppliers.items[0]!.id}`, { token: token.auditor!, body: { header: '2.00' } }),
      'DELETE /api/v1/policies/matching/suppliers/{supplierId}': () => fx.api.request('DELETE', `/policies/matching/suppliers/${suppliers.items[0]!.id}`, { token: token.auditor! }),
      'PUT /api/v1/policies/retention': () => fx.api.request('PUT', '/policies/retention', { token: token.auditor!, body: { periods: { requisition: 'P10Y' } } }),
      'POST /api/v1/retention/holds': () => fx.api.request('POST', '/retention/holds', { token: token.auditor!, body: { recordClass: 'requisition', recordId: draft.id, reason: 'x' } }),
      'POST /api/v1/retention/holds/{id}/release': () => fx.api.request('POST', `/retention/holds/${po.id}/release`, { token: token.auditor!, body: { reason: 'x' } }),
      // A dry run changes nothing, but taking records up for review is the records manager's (and the admin's).
      'POST /api/v1/retention/reviews': () => fx.api.request('POST', '/retention/reviews', { token: token.auditor!, body: { dryRun: true } }),
      'PUT /api/v1/suppliers/{id}/contact': () => fx.api.request('PUT', `/suppliers/${suppliers.items[0]!.id}/contact`, { token: token.auditor!, body: { contactName: 'X' } }),
      'POST /api/v1/personal-data/erasure-requests': () => fx.api.request('POST', '/personal-data/erasure-requests', { token: token.auditor!, body: { personKind: 'user', personId: id.requester, reason: 'x' } }),
      'PUT /api/v1/budgets': () => fx.api.request('PUT', '/budgets', { token: token.auditor!, body: { glCode: '6100', period: '2027', amount: '1.00' } }),
      'DELETE /api/v1/budgets/{id}': () => fx.api.request('DELETE', `/budgets/${po.id}`, { token: token.auditor! }),
    };

    const doc = (await fx.api.request('GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.keys(operations).filter((method) => ['post', 'put', 'patch', 'delete'].includes(method)).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.filter((operation) => !ownAccount.has(operation) && !(operation in writes))).toEqual([]);

    const before = await Promise.all([fx.h.requisition(token.requester!, draft.id), fx.h.requisition(token.requester!, submittedReq.id)]);
    for (const [operation, call] of Object.entries(writes)) {
      const { status } = await call();
      expect({ operation, status }).toEqual({ operation, status: operation.includes('/users/{id}') ? status : 403 });
      expect([403, 404]).toContain(status);
    }
    expect(await Promise.all([fx.h.requisition(token.requester!, draft.id), fx.h.requisition(token.requester!, submittedReq.id)])).toEqual(before);
    // Reading is allowed: everything, including the history.
    expect((await fx.api.request('GET', `/requisitions/${submittedReq.id}`, { token: token.auditor! })).status).toBe(200);
    expect((await fx.api.request('GET', `/processes/requisition-${submittedReq.id}/history`, { token: token.auditor! })).status).toBe(200);
  });
});
