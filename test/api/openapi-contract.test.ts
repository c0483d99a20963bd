import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../support/api.ts';

type Operation = {
  operationId?: string;
  security?: unknown[];
  parameters?: { name: string; in: string; schema: { pattern?: string } }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { headers?: Record<string, unknown>; links?: Record<string, { operationId: string; parameters: Record<string, string> }> }>;
};

/**
 * The served document says what the middleware and the server make true of
 * every operation, and what a stateful client needs to follow an id from the
 * operation that creates it to the ones that use it. The fuzz run
 * (test/fuzz) checks it against the running API; this names the rules.
 */
describe('the OpenAPI document', () => {
  let api: TestApi;
  let operations: [string, Operation][];
  let doc: { paths: Record<string, Record<string, Operation>> };
  beforeAll(async () => {
    api = await createTestApi();
    doc = (await api.request('GET', '/openapi.json')).body;
    operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]): [string, Operation] => [`${method.toUpperCase()} ${path}`, operation]));
  });
  afterAll(async () => api?.close());

  const byId = (id: string) => operations.find(([, operation]) => operation.operationId === id)![1];

  it('names every operation once and lists every status it can answer', () => {
    const ids = operations.map(([, operation]) => operation.operationId);
    expect(ids.every(Boolean)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [label, operation] of operations) {
      const statuses = Object.keys(operation.responses);
      expect(statuses, label).toEqual(expect.arrayContaining(['400', '401', '429', '431', '503']));
      if (!label.startsWith('GET')) expect(statuses, label).toContain('403');
      if (label.includes('{')) expect(statuses, label).toContain('404');
      if (operation.requestBody) expect(statuses, label).toEqual(expect.arrayContaining(['413', '415', '422']));
      for (const [status, response] of Object.entries(operation.responses)) expect(response.headers, `${label} ${status}`).toHaveProperty('x-request-id');
    }
  });

  it('documents Idempotency-Key exactly where a retry is answered from the first answer', async () => {
    const withKey = operations.filter(([, operation]) => operation.parameters?.some((parameter) => parameter.in === 'header' && parameter.name === 'idempotency-key')).map(([, operation]) => operation.operationId);
    expect(withKey.sort()).toEqual(['createErasureRequest', 'createInvoice', 'createPaymentRun', 'createReceipt', 'createRequisition', 'createReturn', 'createSupplier', 'createUser', 'placeLegalHold', 'revisePurchaseOrder', 'submitRequisition']);
    // And nowhere else: a PUT with a reused key and another body is not refused as a mismatch.
    const admin = await api.login('admin');
    const headers = { 'idempotency-key': 'policy-edit-1' };
    const first = await api.request('PUT', '/policies/approval', { token: admin, headers, body: { procurementManagerAbove: '1000.00', financeDirectorAbove: '25000.00', stepSla: 'P2D' } });
    const second = await api.request('PUT', '/policies/approval', { token: admin, headers, body: { procurementManagerAbove: '1000.00', financeDirectorAbove: '25000.00', stepSla: 'P3D' } });
    expect([first.status, second.status, second.body.stepSla]).toEqual([200, 200, 'P3D']);
  });

  it('links a created requisition to submitting it, its approval tasks to deciding them, and to withdrawing it', () => {
    expect(byId('createRequisition').responses['201']!.links).toMatchObject({ submit: { operationId: 'submitRequisition', parameters: { id: '$response.body#/id' } }, withdraw: { operationId: 'withdrawRequisition' } });
    expect(byId('submitRequisition').responses['202']!.links).toMatchObject({ tasks: { operationId: 'listTasks', parameters: { subjectId: '$response.body#/id' } } });
    expect(byId('listTasks').responses['200']!.links).toMatchObject({ complete: { operationId: 'completeTask', parameters: { id: '$response.body#/items/0/id' } }, claim: { operationId: 'claimTask' } });
    for (const [, operation] of operations) for (const response of Object.values(operation.responses)) for (const link of Object.values(response.links ?? {})) expect(byId(link.operationId)).toBeDefined();
  });

  it('publishes the patterns of decimal money and ISO durations, and says public operations need no credential', () => {
    const body = JSON.stringify(doc.paths['/api/v1/requisitions']!.post!.requestBody);
    expect(body).toContain('"quantity":{"type":"string","pattern":"^([1-9][0-9]{0,6}');
    expect(JSON.stringify(doc.paths['/api/v1/policies/approval']!.put!.requestBody)).toMatch(/"stepSla":\{"type":"string","pattern":"\^P\(\?:/);
    for (const id of ['login', 'health', 'readiness', 'describeActionLink', 'performActionLink']) expect(byId(id).security, id).toEqual([]);
  });
});
