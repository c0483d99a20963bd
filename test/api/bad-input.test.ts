import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, suppliers, users } from '../../db/schema/index.ts';
import { createTestApi, type TestApi } from '../support/api.ts';

/** Malformed, oversized or hostile input: a 4xx problem+json naming the field, and nothing changes. */
describe('bad input', () => {
  let api: TestApi;
  let admin: string;
  beforeAll(async () => {
    api = await createTestApi({ BODY_LIMIT_BYTES: '4096' });
    admin = await api.login('admin');
  });
  afterAll(async () => api?.close());

  const snapshot = async () => {
    const [[s], [u], [a]] = await Promise.all([
      api.deps.db.select({ n: count() }).from(suppliers),
      api.deps.db.select({ n: count() }).from(users),
      api.deps.db.select({ n: count() }).from(auditLog),
    ]);
    return { suppliers: s!.n, users: u!.n, audit: a!.n };
  };

  const valid = { name: 'Good Supplier', email: 'good@example.com', paymentTermsDays: 30 };
  const cases: [string, () => Promise<{ status: number; headers: Headers; body: { errors?: { path: string }[]; status?: number } }>, number, string?][] = [
    ['malformed JSON', () => api.request('POST', '/suppliers', { token: admin, rawBody: '{"name": ', headers: { 'content-type': 'application/json' } }), 400],
    ['wrong type', () => api.request('POST', '/suppliers', { token: admin, body: { ...valid, paymentTermsDays: '30' } }), 400, 'paymentTermsDays'],
    ['negative number', () => api.request('POST', '/suppliers', { token: admin, body: { ...valid, paymentTermsDays: -1 } }), 400, 'paymentTermsDays'],
    ['fractional days', () => api.request('POST', '/suppliers', { token: admin, body: { ...valid, paymentTermsDays: 1.5 } }), 400, 'paymentTermsDays'],
    ['unknown field', () => api.request('POST', '/suppliers', { token: admin, body: { ...valid, isAdmin: true } }), 400, 'isAdmin'],
    ['missing field', () => api.request('POST', '/suppliers', { token: admin, body: { name: 'x' } }), 400, 'email'],
    ['array instead of object', () => api.request('POST', '/suppliers', { token: admin, body: [valid] }), 400],
    ['null body', () => api.request('POST', '/suppliers', { token: admin, rawBody: 'null', headers: { 'content-type': 'application/json' } }), 400],
    ['prototype pollution', () => api.request('POST', '/suppliers', { token: admin, rawBody: JSON.stringify({ ...valid, __proto__: { admin: true } }).replace('}', ',"__proto__":{"admin":true}}'), headers: { 'content-type': 'application/json' } }), 400],
    ['very long string', () => api.request('POST', '/suppliers', { token: admin, body: { ...valid, name: 'x'.repeat(3000) } }), 400, 'name'],
    ['oversized body', () => api.request('POST', '/suppliers', { token: admin, body: { ...valid, address: 'x'.repeat(10_000) } }), 413],
    ['wrong content type', () => api.request('POST', '/suppliers', { token: admin, rawBody: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415],
    ['no content type', () => api.request('POST', '/suppliers', { token: admin, rawBody: JSON.stringify(valid) }), 415],
    ['invalid e-mail on a user', () => api.request('POST', '/users', { token: admin, body: { email: 'not-an-email', name: 'X', password: 'a-long-password-1', roles: ['requester'] } }), 400, 'email'],
    ['unknown role', () => api.request('POST', '/users', { token: admin, body: { email: 'a@example.com', name: 'X', password: 'a-long-password-1', roles: ['superuser'] } }), 400, 'roles.0'],
    ['short password', () => api.request('POST', '/users', { token: admin, body: { email: 'a@example.com', name: 'X', password: 'short', roles: ['requester'] } }), 400, 'password'],
    ['malformed id in path', () => api.request('GET', '/users/not-a-uuid', { token: admin }), 400, 'param.id'],
    ['unknown id', () => api.request('GET', '/suppliers/00000000-0000-4000-8000-000000000000', { token: admin }), 404],
    ['limit out of range', () => api.request('GET', '/suppliers?limit=100000', { token: admin }), 400, 'query.limit'],
    ['limit not a number', () => api.request('GET', '/suppliers?limit=abc', { token: admin }), 400, 'query.limit'],
    ['forged cursor', () => api.request('GET', '/suppliers?cursor=eyJoYWNrIjoxfQ', { token: admin }), 400, 'query.cursor'],
    ['bad Idempotency-Key', () => api.request('POST', '/suppliers', { token: admin, body: valid, headers: { 'idempotency-key': 'has spaces and /slashes' } }), 400, 'Idempotency-Key'],
    ['unknown route', () => api.request('GET', '/does-not-exist', { token: admin }), 404],
    ['missing auth', () => api.request('POST', '/suppliers', { body: valid }), 401],
    ['bad token', () => api.request('POST', '/suppliers', { token: 'ps_forgedforgedforged', body: valid }), 401],
    ['login with wrong types', () => api.request('POST', '/auth/login', { body: { email: ['a'], password: 1 } }), 400, 'email'],
  ];

  it.each(cases)('%s: problem+json with the right 4xx, nothing changed', async (_name, call, status, field) => {
    const before = await snapshot();
    const response = await call();
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.headers.get('x-request-id')).toBeTruthy();
    expect(response.body.status).toBe(status);
    if (field) expect(response.body.errors?.map((e) => e.path)).toContain(field);
    expect(await snapshot()).toEqual(before);
  });

  it('carries x-request-id on every response and honours a well-formed one from the caller', async () => {
    const mine = await api.request('GET', '/health', { headers: { 'x-request-id': 'client-req-12345' } });
    expect(mine.headers.get('x-request-id')).toBe('client-req-12345');
    const hostile = await api.request('GET', '/health', { headers: { 'x-request-id': '<script>' } });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends security headers and no CORS headers', async () => {
    const response = await api.request('GET', '/health', { headers: { origin: 'https://evil.example' } });
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('Idempotency-Key: a retried POST is applied once and answered the same; another body with that key is refused', async () => {
    const headers = { 'idempotency-key': 'create-supplier-42' };
    const first = await api.request('POST', '/suppliers', { token: admin, body: { ...valid, name: 'Once Only Ltd' }, headers });
    const before = await snapshot();
    const retry = await api.request('POST', '/suppliers', { token: admin, body: { ...valid, name: 'Once Only Ltd' }, headers });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await snapshot()).toEqual(before);
    const other = await api.request('POST', '/suppliers', { token: admin, body: { ...valid, name: 'Different Ltd' }, headers });
    expect(other.status).toBe(422);
    expect(await snapshot()).toEqual(before);
  });

  it('rate limits per IP and per user with 429 and Retry-After', async () => {
    const limited = await createTestApi({ RATE_LIMIT_PER_MINUTE: '5', LOGIN_RATE_LIMIT_PER_MINUTE: '3' }, { database: api.database });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i += 1) statuses.push((await limited.request('GET', '/health')).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    const refused = await limited.request('GET', '/health');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('content-type')).toMatch(/problem\+json/);
    await limited.close();
  });

  it('serves a complete OpenAPI 3.1 document and the browsable reference', async () => {
    const doc = await api.request('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    const paths = Object.keys(doc.body.paths as object);
    for (const path of ['/auth/login', '/auth/tokens', '/me', '/users', '/suppliers', '/audit/verify', '/health', '/health/ready']) expect(paths).toContain(`/api/v1${path}`);
    const login = doc.body.paths['/api/v1/auth/login'].post;
    expect(login.requestBody.content['application/json'].schema.properties).toHaveProperty('email');
    expect(login.responses['401'].content).toHaveProperty('application/problem+json');
    const docs = await api.app.request('/api/v1/docs');
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger-ui-bundle.js');
    expect((await api.app.request('/api/v1/docs/assets/swagger-ui-bundle.js')).status).toBe(200);
  });
});
