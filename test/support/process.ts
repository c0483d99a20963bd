import { expect } from 'vitest';
import type { TestApi } from './api.ts';

/** Small steps the process tests repeat: create and submit, find my task, decide, wait for a state. */
export function processHelpers(api: TestApi) {
  const line = (unitPrice: string, quantity = '1', description = 'Part') => ({ description, quantity, unit: 'each', unitPrice });

  async function createRequisition(token: string, total: string, extra: Record<string, unknown> = {}) {
    const response = await api.request('POST', '/requisitions', { token, body: { title: `Parts for ${total}`, purpose: 'daily_operations', lines: [line(total)], ...extra } });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body as { id: string; total: string; status: string };
  }

  async function submit(token: string, id: string) {
    const response = await api.request('POST', `/requisitions/${id}/submit`, { token });
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    return response.body as { id: string; number: string; status: string; workflowId: string };
  }

  async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: T;
    for (;;) {
      last = await probe();
      if (accept(last)) return last;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The open task of a requisition in someone's inbox, once the process has created it. */
  async function taskFor(token: string, requisitionId: string, kind = 'requisition_approval') {
    const inbox = await eventually(
      () => api.request('GET', `/tasks?status=open&subjectId=${requisitionId}`, { token }),
      (r) => (r.body.items as { subjectId: string; kind: string }[] | undefined)?.some((t) => t.subjectId === requisitionId && t.kind === kind) ?? false,
      `a ${kind} task for ${requisitionId}`,
    );
    return (inbox.body.items as { id: string; subjectId: string; kind: string; assigneeId: string | null; access: string; actions: string[] }[]).find((t) => t.subjectId === requisitionId && t.kind === kind)!;
  }

  async function decide(token: string, taskId: string, action: string, comment?: string) {
    return api.request('POST', `/tasks/${taskId}/complete`, { token, body: { action, ...(comment ? { comment } : {}) } });
  }

  async function requisition(token: string, id: string) {
    return (await api.request('GET', `/requisitions/${id}`, { token })).body as {
      status: string;
      total: string;
      number: string;
      steps: { level: number; role: string; status: string; assigneeId: string | null; decidedBy: string | null; onBehalfOf: string | null; comment: string | null; note: string | null; dueAt: string | null }[];
    };
  }

  async function waitForStatus(token: string, id: string, status: string) {
    return eventually(() => requisition(token, id), (r) => r.status === status, `requisition ${id} to be ${status}`);
  }

  return { line, createRequisition, submit, taskFor, decide, requisition, waitForStatus, eventually };
}
