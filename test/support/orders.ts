import { expect } from 'vitest';
import type { TestApi } from './api.ts';
import type { processHelpers } from './process.ts';

export interface FixtureOrderLine {
  id: string;
  lineNo: number;
  description: string;
  quantity: string;
  unitPrice: string;
  acceptedQuantity: string;
  invoicedQuantity: string;
}

export interface FixtureOrder {
  id: string;
  number: string;
  status: string;
  supplierId: string;
  requisitionId: string;
  total: string;
  workflowId: string;
  lines: FixtureOrderLine[];
}

/**
 * Issued (and received) purchase orders made the way people make them: a
 * requisition submitted and approved by the manager, the draft prepared by
 * the buyer at the requisition's prices, goods received by the warehouse.
 * Totals stay under the procurement manager's threshold, so one approval does.
 */
export function orderFixtures(api: TestApi, h: ReturnType<typeof processHelpers>, tokens: { requester: string; manager: string; buyer: string; warehouse: string }) {
  const get = async <T>(path: string, token = tokens.buyer) => {
    const response = await api.request('GET', path, { token });
    expect(response.status, `${path}: ${JSON.stringify(response.body)}`).toBe(200);
    return response.body as T;
  };
  const order = (id: string) => get<FixtureOrder>(`/purchase-orders/${id}`);

  /** `approvers`: the requisition chain's people in order (the manager; above 1,000.00 a procurement manager too). */
  async function issuedOrder(params: { supplierId: string; title?: string; approvers?: string[]; projectId?: string; lines: { description: string; quantity: string; unitPrice: string; taxRate?: string; glCode?: string }[] }): Promise<FixtureOrder> {
    const purpose = params.projectId ? { purpose: 'project', projectId: params.projectId } : { purpose: 'daily_operations' };
    const created = await api.request('POST', '/requisitions', {
      token: tokens.requester,
      body: { title: params.title ?? 'Parts for the invoice tests', ...purpose, lines: params.lines.map((line) => ({ description: line.description, quantity: line.quantity, unit: 'each', unitPrice: line.unitPrice, supplierId: params.supplierId, ...(line.glCode ? { glCode: line.glCode } : {}) })) },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const requisitionId = (created.body as { id: string }).id;
    await h.submit(tokens.requester, requisitionId);
    for (const approver of params.approvers ?? [tokens.manager]) {
      const approval = await h.taskFor(approver, requisitionId);
      if (!approval.assigneeId) expect((await api.request('POST', `/tasks/${approval.id}/claim`, { token: approver })).status).toBe(200);
      expect((await h.decide(approver, approval.id, 'approve')).status).toBe(200);
    }
    const page = await h.eventually(() => get<{ items: { id: string }[] }>(`/purchase-orders?requisitionId=${requisitionId}`), (p) => p.items.length === 1, 'the draft order');
    const draft = await order(page.items[0]!.id);
    const inbox = await h.eventually(
      () => get<{ items: { id: string; kind: string; subjectId: string; assigneeId: string | null }[] }>('/tasks?status=open&kind=po_prepare&limit=200'),
      (p) => p.items.some((task) => task.subjectId === draft.id),
      'the prepare task',
    );
    const task = inbox.items.find((candidate) => candidate.subjectId === draft.id)!;
    if (!task.assigneeId) expect((await api.request('POST', `/tasks/${task.id}/claim`, { token: tokens.buyer })).status).toBe(200);
    const prepared = await api.request('POST', `/tasks/${task.id}/complete`, {
      token: tokens.buyer,
      body: { action: 'prepare', data: { deliveryDate: '2027-03-01', deliveryAddress: 'Dock 2, Springfield', lines: draft.lines.map((line, index) => ({ lineId: line.id, unitPrice: params.lines[index]!.unitPrice, taxRate: params.lines[index]!.taxRate ?? '5' })) } },
    });
    expect(prepared.status, JSON.stringify(prepared.body)).toBe(200);
    return h.eventually(() => order(draft.id), (o) => o.status === 'issued', 'the order issued');
  }

  /** A receipt of the given quantities (by line index; 0 or missing: nothing of that line). */
  async function receive(orderId: string, quantities: readonly string[]): Promise<FixtureOrder> {
    const current = await order(orderId);
    const lines = current.lines.map((line, index) => ({ purchaseOrderLineId: line.id, quantityReceived: quantities[index] ?? '0' })).filter((line) => line.quantityReceived !== '0');
    const response = await api.request('POST', '/receipts', { token: tokens.warehouse, body: { purchaseOrderId: orderId, lines } });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return order(orderId);
  }

  return { issuedOrder, receive, order };
}
