import { and, count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotencyKeys, suppliers } from '../../db/schema/index.ts';
import { createTestApi, type TestApi } from '../support/api.ts';

/**
 * A request cut off by a crash of its API process leaves its Idempotency-Key
 * claimed and unanswered (the chaos run kills the API mid-request). A retry
 * is refused while the claim is fresh, takes it over once it is stale, and
 * is applied once; a creation stores its answer with its effect, so a request
 * that committed is replayed, never run twice.
 */
describe('Idempotency-Key after a crash mid-request', () => {
  let api: TestApi;
  let admin: string;
  let adminId: string;
  beforeAll(async () => {
    api = await createTestApi();
    admin = await api.login('admin');
    adminId = ((await api.request('GET', '/me', { token: admin })).body as { user: { id: string } }).user.id;
  });
  afterAll(async () => api?.close());

  const supplier = (name: string) => ({ name, email: 'orders@example.com', paymentTermsDays: 30 });
  const supplierCount = async (name: string) => (await api.deps.db.select({ n: count() }).from(suppliers).where(eq(suppliers.name, name)))[0]!.n;

  /** The claim a crashed request leaves behind: same request hash as a POST of `name`, no answer, made `ageSeconds` ago. */
  async function abandonedClaim(key: string, name: string, ageSeconds: number) {
    const probe = `probe-${key}`;
    expect((await api.request('POST', '/suppliers', { token: admin, body: supplier(name), headers: { 'idempotency-key': probe } })).status).toBe(201);
    const [done] = await api.deps.db.select().from(idempotencyKeys).where(and(eq(idempotencyKeys.principal, adminId), eq(idempotencyKeys.key, probe)));
    await api.deps.db.insert(idempotencyKeys).values({ principal: adminId, key, method: done!.method, path: done!.path, requestHash: done!.requestHash, createdAt: sql`date_trunc('milliseconds', now()) - make_interval(secs => ${ageSeconds})` });
  }

  it('a fresh unanswered claim is still in progress: 409, nothing runs', async () => {
    await abandonedClaim('fresh-claim', 'Fresh Claim Ltd', 0);
    const retry = await api.request('POST', '/suppliers', { token: admin, body: supplier('Fresh Claim Ltd'), headers: { 'idempotency-key': 'fresh-claim' } });
    expect(retry.status).toBe(409);
    expect(await supplierCount('Fresh Claim Ltd')).toBe(1);
  });

  it('a stale unanswered claim is taken over: the retry runs once, later retries replay it', async () => {
    await abandonedClaim('stale-claim', 'Stale Claim Ltd', 31);
    const retry = await api.request('POST', '/suppliers', { token: admin, body: supplier('Stale Claim Ltd'), headers: { 'idempotency-key': 'stale-claim' } });
    expect(retry.status, JSON.stringify(retry.body)).toBe(201);
    const again = await api.request('POST', '/suppliers', { token: admin, body: supplier('Stale Claim Ltd'), headers: { 'idempotency-key': 'stale-claim' } });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(retry.body);
    // The probe plus the one taken-over run.
    expect(await supplierCount('Stale Claim Ltd')).toBe(2);
  });
});
