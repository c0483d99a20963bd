import { describe, expect, it } from 'vitest';
import type { TestResponse } from '../support/api.ts';
import { useProcessFixture } from '../support/process-fixture.ts';

type Link = { operationId: string; parameters: Record<string, string> };
type Operation = { operationId: string; parameters?: { name: string; in: string }[]; responses: Record<string, { links?: Record<string, Link> }> };

/**
 * The document's links carry a client from one step of a requisition's life
 * to the next with nothing but what the previous answer said: create it,
 * submit it, find its approval task, decide it, and withdraw another. This is
 * the walk a stateful fuzzer takes, done here on the real engine with the
 * people who may take each step.
 */
describe('OpenAPI links lead a client through a requisition', () => {
  const fx = useProcessFixture(['requester', 'manager']);

  const documentOperations = async () => {
    const doc = (await fx.api.request('GET', '/openapi.json')).body as { paths: Record<string, Record<string, Operation>> };
    const byId = new Map<string, { method: string; path: string; operation: Operation }>();
    for (const [path, item] of Object.entries(doc.paths)) for (const [method, operation] of Object.entries(item)) byId.set(operation.operationId, { method: method.toUpperCase(), path, operation });
    return byId;
  };

  /** Resolves `$response.body#/json/pointer` against an answer, as OpenAPI runtime expressions read. */
  const resolve = (expression: string, response: TestResponse): string => {
    const pointer = /^\$response\.body#(\/.*)$/.exec(expression)?.[1];
    if (!pointer) throw new Error(`unsupported expression ${expression}`);
    const value = pointer.split('/').slice(1).reduce<unknown>((node, key) => (node as Record<string, unknown>)[key.replaceAll('~1', '/').replaceAll('~0', '~')], response.body);
    expect(typeof value, expression).toBe('string');
    return value as string;
  };

  it('create, submit, find the task, decide it; withdraw another: each step from the links of the step before', async () => {
    const operations = await documentOperations();
    const follow = async (from: string, status: number, name: string, response: TestResponse, token: string, body?: unknown) => {
      const link = operations.get(from)!.operation.responses[String(status)]!.links![name]!;
      const target = operations.get(link.operationId)!;
      let path = target.path.replace('/api/v1', '');
      const query = new URLSearchParams();
      for (const [parameter, expression] of Object.entries(link.parameters)) {
        const value = resolve(expression, response);
        const where = target.operation.parameters!.find((candidate) => candidate.name === parameter)!.in;
        if (where === 'path') path = path.replace(`{${parameter}}`, encodeURIComponent(value));
        else query.set(parameter, value);
      }
      return fx.api.request(target.method, `${path}${query.size ? `?${query.toString()}` : ''}`, { token, ...(body === undefined ? {} : { body }) });
    };
    const create = () => fx.api.request('POST', '/requisitions', { token: fx.token.requester!, body: { title: 'Linked toner', purpose: 'daily_operations', lines: [{ description: 'Toner', quantity: '2', unitPrice: '40.00' }] } });

    const created = await create();
    expect(created.status).toBe(201);
    const submitted = await follow('createRequisition', 201, 'submit', created, fx.token.requester!);
    expect(submitted.status).toBe(202);
    // The approval step is the manager's: the same link, followed by the person it is for.
    const tasks = await fx.h.eventually(() => follow('submitRequisition', 202, 'tasks', submitted, fx.token.manager!), (answer) => answer.body.items.length > 0, 'the approval task');
    const decided = await follow('listTasks', 200, 'complete', tasks, fx.token.manager!, { action: 'approve' });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    expect(decided.body.task.status).toBe('completed');

    const another = await create();
    const withdrawn = await follow('createRequisition', 201, 'withdraw', another, fx.token.requester!, { reason: 'Bought elsewhere' });
    expect(withdrawn.body).toMatchObject({ id: another.body.id, status: 'withdrawn' });
  });
});
