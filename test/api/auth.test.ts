import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokens, auditLog } from '../../db/schema/index.ts';
import { DEMO_PASSWORD } from '../../db/seed.ts';
import { createTestApi, TEST_PERSONAL_DATA_KEYS, type TestApi } from '../support/api.ts';

describe('auth: login, sessions, lockout, tokens, CSRF', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(async () => api?.close());

  const auditActions = async () => (await api.deps.db.select({ action: auditLog.action }).from(auditLog)).map((row) => row.action);

  it('signs in with e-mail and password: token, user and an httpOnly SameSite cookie', async () => {
    const response = await api.request('POST', '/auth/login', { body: { email: 'Requester@Demo.Local', password: DEMO_PASSWORD } });
    expect(response.status).toBe(200);
    expect(response.body.user).toMatchObject({ email: 'requester@demo.local', roles: ['requester'] });
    expect(response.body.token).toMatch(/^ps_/);
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^p2p_session=ps_/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const me = await api.request('GET', '/me', { headers: { cookie: cookie.split(';')[0]! } });
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe('requester@demo.local');
    expect(Array.isArray(me.body.rules)).toBe(true);
    expect(await auditActions()).toContain('user.login');
  });

  it('answers 401 for a wrong password or an unknown user, without saying which', async () => {
    const wrong = await api.request('POST', '/auth/login', { body: { email: 'buyer@demo.local', password: 'not-the-password' } });
    const unknown = await api.request('POST', '/auth/login', { body: { email: 'nobody@demo.local', password: 'not-the-password' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.detail).toBe(unknown.body.detail);
    expect(wrong.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });

  it('locks the account for 15 minutes after 5 failures, even against the right password, and audits it', async () => {
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      expect((await api.request('POST', '/auth/login', { body: { email: 'warehouse@demo.local', password: 'wrong-password' } })).status).toBe(401);
    }
    const fifth = await api.request('POST', '/auth/login', { body: { email: 'warehouse@demo.local', password: 'wrong-password' } });
    expect(fifth.status).toBe(423);
    const right = await api.request('POST', '/auth/login', { body: { email: 'warehouse@demo.local', password: DEMO_PASSWORD } });
    expect(right.status).toBe(423);
    const retryAfter = Number(right.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(await auditActions()).toContain('user.locked');
    // Once the lock has run out, the right password works and the counter resets.
    await api.deps.db.execute(sql`update users set locked_until = now() - interval '1 second' where email = 'warehouse@demo.local'`);
    expect((await api.request('POST', '/auth/login', { body: { email: 'warehouse@demo.local', password: DEMO_PASSWORD } })).status).toBe(200);
  });

  it('logs out: the session token stops working', async () => {
    const token = (await api.request('POST', '/auth/login', { body: { email: 'auditor@demo.local', password: DEMO_PASSWORD } })).body.token as string;
    expect((await api.request('GET', '/me', { token })).status).toBe(200);
    expect((await api.request('POST', '/auth/logout', { token })).status).toBe(204);
    const after = await api.request('GET', '/me', { token });
    expect(after.status).toBe(401);
  });

  it('refuses an expired session', async () => {
    const login = await api.request('POST', '/auth/login', { body: { email: 'accountant@demo.local', password: DEMO_PASSWORD } });
    await api.deps.db.execute(sql`update sessions set expires_at = now() - interval '1 minute' where user_id = ${login.body.user.id}`);
    const response = await api.request('GET', '/me', { headers: { cookie: `p2p_session=${login.body.token}` } });
    expect(response.status).toBe(401);
    expect(response.body.detail).toMatch(/expired/);
  });

  it('issues personal API tokens shown once, hashed at rest, usable as Bearer, and revocable', async () => {
    const session = await api.login('buyer');
    const created = await api.request('POST', '/auth/tokens', { token: session, body: { name: 'ERP sync' } });
    expect(created.status).toBe(201);
    const secret = created.body.token as string;
    expect(secret).toMatch(/^pat_/);
    const [stored] = await api.deps.db.select({ tokenHash: apiTokens.tokenHash }).from(apiTokens).where(eq(apiTokens.id, created.body.id as string));
    expect(stored!.tokenHash).not.toContain(secret.slice(4));
    expect(stored!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    const me = await api.request('GET', '/me', { token: secret });
    expect(me.body.user.email).toBe('buyer@demo.local');
    const listed = await api.request('GET', '/auth/tokens', { token: session });
    expect(listed.body.items).toHaveLength(1);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    // Someone else cannot revoke it (and does not learn it exists).
    expect((await api.request('DELETE', `/auth/tokens/${created.body.id}`, { token: await api.login('requester') })).status).toBe(404);
    expect((await api.request('DELETE', `/auth/tokens/${created.body.id}`, { token: session })).status).toBe(204);
    expect((await api.request('GET', '/me', { token: secret })).status).toBe(401);
    expect(await auditActions()).toEqual(expect.arrayContaining(['api_token.created', 'api_token.revoked']));
  });

  it('answers 401 to malformed or unknown bearer tokens and to anonymous calls', async () => {
    expect((await api.request('GET', '/me')).status).toBe(401);
    expect((await api.request('GET', '/me', { headers: { authorization: 'Basic abc' } })).status).toBe(401);
    expect((await api.request('GET', '/me', { token: 'pat_doesnotexistdoesnotexist' })).status).toBe(401);
    expect((await api.request('GET', '/health')).status).toBe(200);
  });

  it('refuses cookie-authenticated writes from another origin (CSRF) and accepts same-origin ones', async () => {
    const token = await api.login('procurement_manager');
    const cookie = `p2p_session=${token}`;
    const body = { name: 'Csrf Test Ltd', email: 'csrf@example.com', paymentTermsDays: 30 };
    const noOrigin = await api.request('POST', '/suppliers', { body, headers: { cookie } });
    expect(noOrigin.status).toBe(403);
    const evil = await api.request('POST', '/suppliers', { body, headers: { cookie, origin: 'https://evil.example' } });
    expect(evil.status).toBe(403);
    const same = await api.request('POST', '/suppliers', { body, headers: { cookie, origin: 'http://localhost:3000' } });
    expect(same.status).toBe(201);
    // Bearer calls are not exposed to CSRF.
    expect((await api.request('POST', '/suppliers', { body, token })).status).toBe(201);
  });

  it('refuses demo accounts (known passwords) outside dev mode', async () => {
    const production = await createTestApi({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40), PERSONAL_DATA_KEYS: TEST_PERSONAL_DATA_KEYS, DEMO_DATA: 'false' }, { database: api.database });
    const response = await production.request('POST', '/auth/login', { body: { email: 'admin@demo.local', password: DEMO_PASSWORD } });
    expect(response.status).toBe(401);
    await production.close();
  });
});
