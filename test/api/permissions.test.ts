import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPeople } from '../../db/seed.ts';
import { createTestApi, type DemoKey, type TestApi } from '../support/api.ts';

/** Every demo role against every endpoint of this issue: the API enforces what the rules say. */
describe('permissions enforced by the API for every role', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(async () => api?.close());

  const keys = demoPeople.map((person) => person.key);
  let counter = 0;
  const endpoints: { name: string; allowed: DemoKey[]; call: (token: string) => Promise<number> }[] = [
    {
      name: 'POST /users',
      allowed: ['admin'],
      call: async (token) => (await api.request('POST', '/users', { token, body: { email: `new${(counter += 1)}@example.com`, name: 'New Person', password: 'a-long-password-1', roles: ['requester'] } })).status,
    },
    { name: 'GET /users', allowed: keys, call: async (token) => (await api.request('GET', '/users', { token })).status },
    {
      name: 'POST /suppliers',
      allowed: ['buyer', 'procurement_manager', 'admin'],
      call: async (token) => (await api.request('POST', '/suppliers', { token, body: { name: `Supplier ${(counter += 1)}`, email: 's@example.com', paymentTermsDays: 30 } })).status,
    },
    { name: 'GET /suppliers', allowed: keys, call: async (token) => (await api.request('GET', '/suppliers', { token })).status },
    { name: 'GET /projects', allowed: keys, call: async (token) => (await api.request('GET', '/projects', { token })).status },
    { name: 'GET /audit/verify', allowed: ['auditor', 'admin'], call: async (token) => (await api.request('GET', '/audit/verify', { token })).status },
    { name: 'GET /me', allowed: keys, call: async (token) => (await api.request('GET', '/me', { token })).status },
  ];

  it.each(endpoints.map((endpoint) => [endpoint.name, endpoint] as const))('%s', async (_name, endpoint) => {
    for (const key of keys) {
      const status = await endpoint.call(await api.login(key));
      expect({ key, status }).toEqual({ key, status: endpoint.allowed.includes(key) ? (status === 201 ? 201 : 200) : 403 });
    }
  });

  it('lists only whom the caller may see: everyone for admins and auditors, self and reports for a manager, self otherwise', async () => {
    const emails = async (key: DemoKey) => ((await api.request('GET', '/users?limit=200', { token: await api.login(key) })).body.items as { email: string }[]).map((u) => u.email).sort();
    expect((await emails('admin')).length).toBeGreaterThanOrEqual(demoPeople.length);
    expect((await emails('auditor')).length).toBeGreaterThanOrEqual(demoPeople.length);
    expect(await emails('requester')).toEqual(['requester@demo.local']);
    expect(await emails('manager')).toEqual(['engineer@demo.local', 'manager@demo.local', 'requester@demo.local', 'warehouse@demo.local']);
    // A hidden user is a 404, not a 403: no leak of existence.
    const adminId = await api.userId('admin');
    expect((await api.request('GET', `/users/${adminId}`, { token: await api.login('requester') })).status).toBe(404);
  });

  it('the auditor changes nothing: every write endpoint answers 403', async () => {
    const token = await api.login('auditor');
    const requesterId = await api.userId('requester');
    const writes = [
      api.request('POST', '/users', { token, body: { email: 'x@example.com', name: 'X', password: 'a-long-password-1', roles: ['requester'] } }),
      api.request('PATCH', `/users/${requesterId}`, { token, body: { name: 'Changed' } }),
      api.request('PUT', `/users/${requesterId}/out-of-office`, { token, body: { from: '2026-12-01T00:00:00Z', until: '2026-12-05T00:00:00Z', delegateId: requesterId } }),
      api.request('POST', '/suppliers', { token, body: { name: 'X', email: 'x@example.com', paymentTermsDays: 1 } }),
    ];
    for (const response of await Promise.all(writes)) expect([403, 404]).toContain(response.status);
  });

  it('admins manage users: create, change roles and manager, deactivate (who then cannot sign in); all audited', async () => {
    const token = await api.login('admin');
    const managerId = await api.userId('manager');
    const created = await api.request('POST', '/users', { token, body: { email: 'Nina.New@Example.com', name: 'Nina New', password: 'a-long-password-1', roles: ['requester'], managerId, department: 'Engineering' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email: 'nina.new@example.com', managerId, roles: ['requester'] });
    expect(created.body.passwordHash).toBeUndefined();
    const duplicate = await api.request('POST', '/users', { token, body: { email: 'nina.new@example.com', name: 'Nina Again', password: 'a-long-password-1', roles: ['requester'] } });
    expect(duplicate.status).toBe(409);
    const badManager = await api.request('POST', '/users', { token, body: { email: 'x2@example.com', name: 'X', password: 'a-long-password-1', roles: ['requester'], managerId: '00000000-0000-4000-8000-000000000000' } });
    // Well formed, names no usable manager: a rule beyond the schema.
    expect(badManager.status).toBe(422);
    expect(badManager.body.errors[0].path).toBe('managerId');
    const ninaToken = await api.login('nina.new@example.com', 'a-long-password-1');
    const updated = await api.request('PATCH', `/users/${created.body.id}`, { token, body: { roles: ['requester', 'manager'], active: false } });
    expect(updated.body).toMatchObject({ roles: ['requester', 'manager'], active: false });
    expect((await api.request('GET', '/me', { token: ninaToken })).status).toBe(401);
    expect((await api.request('POST', '/auth/login', { body: { email: 'nina.new@example.com', password: 'a-long-password-1' } })).status).toBe(401);
  });

  it('a user sets and clears their own out-of-office with a delegate; not someone else’s', async () => {
    const token = await api.login('manager');
    const delegateId = await api.userId('procurement_manager');
    const set = await api.request('PUT', '/me/out-of-office', { token, body: { from: '2026-12-01T08:00:00Z', until: '2026-12-12T18:00:00Z', delegateId } });
    expect(set.status).toBe(200);
    expect(set.body.outOfOffice).toEqual({ from: '2026-12-01T08:00:00.000Z', until: '2026-12-12T18:00:00.000Z', delegateId });
    const backwards = await api.request('PUT', '/me/out-of-office', { token, body: { from: '2026-12-12T08:00:00Z', until: '2026-12-01T18:00:00Z', delegateId } });
    // A cross-field rule JSON Schema cannot state.
    expect(backwards.status).toBe(422);
    expect(backwards.body.errors[0].path).toBe('until');
    const requesterId = await api.userId('requester');
    const foreign = await api.request('PUT', `/users/${requesterId}/out-of-office`, { token: await api.login('buyer'), body: { from: '2026-12-01T08:00:00Z', until: '2026-12-12T18:00:00Z', delegateId } });
    expect(foreign.status).toBe(404);
    expect((await api.request('DELETE', '/me/out-of-office', { token })).body.outOfOffice).toBeNull();
  });
});
