import { connect } from 'node:net';
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type HttpServer } from '../../api/server.ts';
import { apiTokens, auditLog, idempotencyKeys, policies, requisitionLines, requisitions, suppliers, tasks, users } from '../../db/schema/index.ts';
import { createTestApi, type TestApi, type TestResponse } from '../support/api.ts';

/**
 * What a fuzzer does not send by itself: deep nesting, megabyte strings,
 * bytes that are not UTF-8, SQL in every text filter, path traversal in ids,
 * a Content-Type that lies, duplicate keys, U+0000. Each is answered with a
 * 4xx problem+json naming the field where there is one, and changes nothing.
 * Runs on PostgreSQL (DATABASE_URL) and on PGlite alike.
 */
describe('hostile input', () => {
  let api: TestApi;
  let admin: string;
  let requester: string;
  let auditor: string;
  let draftId: string;

  beforeAll(async () => {
    api = await createTestApi();
    [admin, requester, auditor] = await Promise.all([api.login('admin'), api.login('requester'), api.login('auditor')]);
    const draft = await api.request('POST', '/requisitions', { token: requester, body: { title: 'Printer paper', purpose: 'daily_operations', lines: [{ description: 'A4, 80 g', quantity: '10', unitPrice: '4.50' }] } });
    expect(draft.status).toBe(201);
    draftId = draft.body.id as string;
  });
  afterAll(async () => api?.close());

  /** Every table a request could write to, and the approval policy itself. */
  const snapshot = async () => {
    const counts = await Promise.all([users, suppliers, requisitions, requisitionLines, tasks, auditLog, idempotencyKeys, apiTokens].map(async (table) => (await api.deps.db.select({ n: count() }).from(table))[0]!.n));
    return { counts, policies: await api.deps.db.select().from(policies) };
  };

  const json = (body: string, contentType = 'application/json') => ({ rawBody: body, headers: { 'content-type': contentType } });
  const validSupplier = { name: 'Good Supplier', email: 'good@example.com', paymentTermsDays: 30 };
  const validRequisition = { title: 'Paper', purpose: 'daily_operations', lines: [{ description: 'A4', quantity: '1', unitPrice: '1' }] };
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

  type Case = [name: string, call: () => Promise<TestResponse>, status: number, field?: string];
  const cases: Case[] = [
    // Deep nesting: refused before any parser or schema walks it.
    ['10,000 nested arrays as the body', () => api.request('POST', '/suppliers', { token: admin, ...json(nested(10_000)) }), 400, '0'],
    ['nesting beyond 32 levels inside a field', () => api.request('POST', '/suppliers', { token: admin, ...json(JSON.stringify({ ...validSupplier, name: 'x' }).replace('"x"', nested(40))) }), 400, 'name'],
    ['deep object as task form data', () => api.request('POST', `/tasks/00000000-0000-4000-8000-000000000000/complete`, { token: admin, ...json(`{"action":"approve","data":${'{"a":'.repeat(50)}1${'}'.repeat(50)}}`) }), 400, 'data.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a'],
    // Megabyte strings: within the body limit they reach validation, beyond it they are a 413.
    ['a 1 MB title', () => api.request('POST', '/requisitions', { token: requester, body: { ...validRequisition, title: 'x'.repeat(1_000_000) } }), 400, 'title'],
    ['a 1 MB comment', () => api.request('POST', `/requisitions/${draftId}/withdraw`, { token: requester, body: { reason: 'x'.repeat(1_000_000) } }), 400, 'reason'],
    ['a body over 1 MiB', () => api.request('POST', '/suppliers', { token: admin, body: { ...validSupplier, address: 'x'.repeat(1_100_000) } }), 413],
    ['a 100,000-character search', () => api.request('GET', `/requisitions?q=${'x'.repeat(100_000)}`, { token: requester }), 400, 'query.q'],
    // Bytes that are not UTF-8.
    ['invalid UTF-8 in the body', () => api.request('POST', '/suppliers', { token: admin, rawBody: Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('","email":"a@example.com","paymentTermsDays":1}')]), headers: { 'content-type': 'application/json' } }), 400, '(body)'],
    ['a lone surrogate escaped in JSON', () => api.request('POST', '/suppliers', { token: admin, ...json('{"name":"\\ud800","email":"a@example.com","paymentTermsDays":1}') }), 400, 'name'],
    ['invalid percent-encoding in a filter', () => api.request('GET', '/requisitions?q=%FF%FE%C3', { token: requester }), 400, 'query.q'],
    ['invalid percent-encoding in an id', () => api.request('GET', '/requisitions/%FF%FE', { token: requester }), 400, 'param.id'],
    // U+0000, which PostgreSQL text cannot hold: the second 500 the fuzzer found.
    ['U+0000 in a search filter', () => api.request('GET', '/processes?q=a%00b', { token: auditor }), 400, 'query.q'],
    ['U+0000 in a body field', () => api.request('POST', '/suppliers', { token: admin, body: { ...validSupplier, name: 'Evil\u0000Corp' } }), 400, 'name'],
    ['U+0000 in a line description', () => api.request('POST', '/requisitions', { token: requester, body: { ...validRequisition, lines: [{ ...validRequisition.lines[0], description: 'a\u0000' }] } }), 400, 'lines.0.description'],
    ['U+0000 in form data', () => api.request('POST', `/tasks/00000000-0000-4000-8000-000000000000/complete`, { token: admin, body: { action: 'approve', data: { note: '\u0000' } } }), 400, 'data.note'],
    // The policy body that threw a RangeError (a refinement compared decimals that were not decimals): the first 500.
    ['empty strings as policy thresholds', () => api.request('PUT', '/policies/approval', { token: admin, body: { procurementManagerAbove: '', financeDirectorAbove: '', stepSla: '' } }), 400, 'procurementManagerAbove'],
    // Dates ISO 8601 allows and the database cannot store (year 0000; an offset past 9999).
    ['year 0000 as needed-by', () => api.request('POST', '/requisitions', { token: requester, body: { ...validRequisition, neededBy: '0000-02-29' } }), 400, 'neededBy'],
    ['an out-of-office end past year 9999 in UTC', () => api.request('PUT', '/me/out-of-office', { token: requester, body: { from: '2026-12-01T08:00:00Z', until: '9999-12-31T23:00:00-05:00', delegateId: draftId } }), 400, 'until'],
    ['year 0000 as a search date', () => api.request('GET', '/processes?from=0000-01-01', { token: auditor }), 400, 'query.from'],
    // Path traversal in ids and file names.
    ['../ in a requisition id', () => api.request('GET', '/requisitions/..%2F..%2Fusers', { token: requester }), 400, 'param.id'],
    ['../ in a workflow id', () => api.request('GET', '/processes/..%2F..%2Fetc%2Fpasswd/history', { token: auditor }), 400, 'param.workflowId'],
    ['.. as a workflow id', () => api.request('GET', '/processes/%2E%2E/history', { token: auditor }), 404],
    ['../ in an action-link token', () => api.request('GET', '/action-links/..%2F..%2F..%2Fapi%2Fv1%2Fusers.x'), 400, 'param.token'],
    ['../ in a docs asset name', () => api.request('GET', '/docs/assets/..%2F..%2Fpackage.json'), 404],
    // A Content-Type that lies.
    ['form data sent as JSON', () => api.request('POST', '/suppliers', { token: admin, ...json('name=x&email=a%40example.com') }), 400],
    ['JSON sent as text/plain', () => api.request('POST', '/suppliers', { token: admin, ...json(JSON.stringify(validSupplier), 'text/plain') }), 415],
    ['JSON sent as multipart', () => api.request('POST', '/suppliers', { token: admin, ...json(JSON.stringify(validSupplier), 'multipart/form-data; boundary=x') }), 415],
    ['JSON sent as XML', () => api.request('POST', '/suppliers', { token: admin, ...json(JSON.stringify(validSupplier), 'application/xml') }), 415],
    ['a JSON string instead of an object', () => api.request('POST', '/suppliers', { token: admin, ...json('"Good Supplier"') }), 400, '(body)'],
    ['a missing body on a PATCH', () => api.request('PATCH', `/users/${draftId}`, { token: admin }), 400, '(body)'],
    // Duplicate keys: parsers disagree on which one counts, so none does.
    ['a duplicate key', () => api.request('POST', '/suppliers', { token: admin, ...json('{"name":"Good","name":"Evil","email":"a@example.com","paymentTermsDays":1}') }), 400, 'name'],
    ['a duplicate key spelt with an escape', () => api.request('POST', '/suppliers', { token: admin, ...json('{"name":"Good","n\\u0061me":"Evil","email":"a@example.com","paymentTermsDays":1}') }), 400, 'name'],
    ['a duplicate key inside a line', () => api.request('POST', '/requisitions', { token: requester, ...json('{"title":"T","purpose":"daily_operations","lines":[{"description":"d","quantity":"1","unitPrice":"1"},{"description":"d","quantity":"1","quantity":"1000000","unitPrice":"1"}]}') }), 400, 'lines.1.quantity'],
    // Numbers a JSON parser turns into something else.
    ['a number beyond double precision', () => api.request('POST', '/suppliers', { token: admin, ...json('{"name":"A","email":"a@example.com","paymentTermsDays":1e400}') }), 400, 'paymentTermsDays'],
    ['a limit of 1e400', () => api.request('GET', '/suppliers?limit=1e400', { token: admin }), 400, 'query.limit'],
    ['keys that pollute prototypes', () => api.request('POST', '/suppliers', { token: admin, ...json('{"name":"A","email":"a@example.com","paymentTermsDays":1,"constructor":{"prototype":{"admin":true}}}') }), 400, 'constructor'],
  ];

  it.each(cases)('%s: a 4xx problem+json naming the field, nothing changed', async (_name, call, status, field) => {
    const before = await snapshot();
    const response = await call();
    expect(response.status, JSON.stringify(response.body)).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body.status).toBe(status);
    // Nested paths are named down to where the rule broke (name.0.0...), so a field is a prefix.
    if (field) expect(response.body.errors?.map((error: { path: string }) => error.path).some((path: string) => path === field || path.startsWith(`${field}.`)), JSON.stringify(response.body.errors)).toBe(true);
    expect(await snapshot()).toEqual(before);
  });

  const injections = ["' OR '1'='1", "'; DROP TABLE requisitions; --", "%' OR 1=1 --", '\\', '%', '_', "') UNION SELECT password_hash, email FROM users --", '$1', '{"$ne":null}'];
  /** Every text filter of the API, and who may use it. */
  const filters: [path: (value: string) => string, who: () => string][] = [
    [(value) => `/requisitions?q=${encodeURIComponent(value)}`, () => requester],
    [(value) => `/processes?q=${encodeURIComponent(value)}`, () => auditor],
    [(value) => `/processes?number=${encodeURIComponent(value)}`, () => auditor],
    [(value) => `/processes?q=${encodeURIComponent(value)}&format=csv`, () => auditor],
    [(value) => `/users/directory?q=${encodeURIComponent(value)}`, () => requester],
    [(value) => `/outbox?processId=${encodeURIComponent(value)}`, () => admin],
  ];

  it.each(injections)('SQL in every text filter is text to find: %s', async (injection) => {
    const before = await snapshot();
    const holds = (values: unknown[]) => values.some((value) => typeof value === 'string' && value.toLowerCase().includes(injection.toLowerCase()));
    for (const [path, who] of filters) {
      const response = await api.request('GET', path(injection), { token: who() });
      expect(response.status, `${path(injection)}: ${JSON.stringify(response.body)}`).toBe(200);
      // Whatever is found holds the text as typed (a wildcard or an injected OR would find everything).
      if (typeof response.body === 'string') {
        for (const line of response.body.trim().split('\r\n').slice(1)) expect(line.toLowerCase()).toContain(injection.toLowerCase());
      } else {
        for (const item of response.body.items as Record<string, unknown>[]) expect(holds(Object.values(item)), `${path(injection)}: ${JSON.stringify(item)}`).toBe(true);
      }
    }
    expect(await snapshot()).toEqual(before);
  });

  it('a text filter finds % and _ as typed, and only them', async () => {
    const created = await api.request('POST', '/requisitions', { token: requester, body: { ...validRequisition, title: 'Discount 50% on item_7' } });
    expect(created.status).toBe(201);
    const titles = async (q: string): Promise<string[]> => ((await api.request('GET', `/requisitions?mine=true&q=${encodeURIComponent(q)}`, { token: requester })).body.items as { title: string }[]).map((item) => item.title);
    expect(await titles('50%')).toEqual(['Discount 50% on item_7']);
    expect(await titles('item_7')).toEqual(['Discount 50% on item_7']);
    expect(await titles('%')).toEqual(['Discount 50% on item_7']);
    expect(await titles('Printer')).toEqual(['Printer paper']);
  });

  it('undeclared methods: 405 problem+json with Allow, also where the router would take another route', async () => {
    for (const [method, path, allow] of [
      ['DELETE', `/requisitions/${draftId}`, 'GET, HEAD, PUT'],
      ['PATCH', '/users/directory', 'GET, HEAD'],
      ['GET', '/tasks/bulk-complete', 'POST'],
      ['OPTIONS', '/health', 'GET, HEAD'],
    ] as const) {
      const response = await api.request(method, path, { token: admin });
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.headers.get('allow')).toBe(allow);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect((await api.request('DELETE', '/no-such-path', { token: admin })).status).toBe(404);
  });

  describe('through the HTTP server', () => {
    let http: HttpServer;
    let origin: string;
    beforeAll(async () => {
      http = await startHttpServer({ app: api.app, port: 0, host: '127.0.0.1' });
      origin = `http://127.0.0.1:${http.port}`;
    });
    afterAll(async () => http?.close());

    /** One raw HTTP/1.1 exchange: fetch refuses TRACE and never sends malformed requests. */
    const raw = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(http.port, '127.0.0.1', () => socket.end(request));
        let answer = '';
        socket.on('data', (chunk) => (answer += chunk.toString()));
        socket.on('end', () => resolve(answer));
        socket.on('error', reject);
      });
    const problemOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { status: number };

    it('a request line or a header beyond 16 KiB: 431 problem+json, before any route', async () => {
      for (const response of [await fetch(`${origin}/api/v1/requisitions?q=${'x'.repeat(20_000)}`), await fetch(`${origin}/api/v1/health`, { headers: { 'idempotency-key': 'x'.repeat(20_000) } })]) {
        expect(response.status).toBe(431);
        expect(response.headers.get('content-type')).toBe('application/problem+json');
        expect(response.headers.get('x-request-id')).toBeTruthy();
        expect(((await response.json()) as { status: number }).status).toBe(431);
      }
    });

    it('bytes that are not HTTP: 400 problem+json', async () => {
      const answer = await raw('HELLO THERE\r\n\r\n');
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toContain('Content-Type: application/problem+json');
      expect(problemOf(answer).status).toBe(400);
    });

    it('TRACE, which browsers cannot send: 405 with Allow, never an echo of the request', async () => {
      const answer = await raw(`TRACE /api/v1/requisitions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${admin}\r\nConnection: close\r\n\r\n`);
      expect(answer).toMatch(/^HTTP\/1\.1 405 /);
      expect(answer.toLowerCase()).toContain('allow: get, head, post');
      expect(answer).not.toContain(admin);
    });
  });
});
