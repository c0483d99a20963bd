import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealAuditLog } from '../../db/audit-sealer.ts';
import { appendAudit, verifyAuditChain } from '../../db/queries/audit.ts';
import { auditLog } from '../../db/schema/index.ts';
import { createTestApi, type TestApi } from '../support/api.ts';
import { usingPostgres } from '../support/db.ts';

describe('audit log: append-only, hash-chained, verifiable', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(async () => api?.close());

  it('records who, what, before/after, request id, IP and user agent for a write', async () => {
    const token = await api.login('buyer');
    const created = await api.request('POST', '/suppliers', { token, body: { name: 'Audited Ltd', email: 'a@example.com', paymentTermsDays: 10 }, headers: { 'x-request-id': 'req-audit-0001', 'user-agent': 'vitest-agent' } });
    const [entry] = await api.deps.db.select().from(auditLog).where(sql`${auditLog.subjectId} = ${created.body.id}`);
    expect(entry).toMatchObject({ action: 'supplier.created', subjectType: 'Supplier', actorId: await api.userId('buyer'), requestId: 'req-audit-0001', userAgent: 'vitest-agent', ip: '127.0.0.1' });
    expect(entry!.after).toMatchObject({ name: 'Audited Ltd', paymentTermsDays: 10 });
    // Written unsealed, in the write's own transaction; the sealer chains it afterwards.
    expect(entry).toMatchObject({ sealSeq: null, hash: null });
    await sealAuditLog(api.deps.db);
    const [sealed] = await api.deps.db.select().from(auditLog).where(sql`${auditLog.id} = ${entry!.id}`);
    expect(sealed!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(sealed).toMatchObject({ after: entry!.after, action: entry!.action, at: entry!.at });
  });

  it('the database refuses UPDATE, DELETE and TRUNCATE on the audit log', async () => {
    await expect(api.deps.db.execute(sql`update audit_log set action = 'x'`)).rejects.toThrow();
    await expect(api.deps.db.execute(sql`delete from audit_log`)).rejects.toThrow();
    await expect(api.deps.db.execute(sql`truncate audit_log`)).rejects.toThrow();
    expect((await verifyAuditChain(api.deps.db)).ok).toBe(true);
  });

  it('keeps one chain under concurrent writes', async () => {
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        api.deps.db.transaction((tx) => appendAudit(tx, { at: new Date(), actorId: null, action: 'test.concurrent', subjectType: 'Test', subjectId: String(i) })),
      ),
    );
    expect((await verifyAuditChain(api.deps.db)).ok).toBe(true);
    await sealAuditLog(api.deps.db);
    const result = await verifyAuditChain(api.deps.db);
    expect(result).toMatchObject({ ok: true, unsealed: 0 });
    expect(result.checked).toBeGreaterThan(25);
  });

  it('verify (endpoint and npm command) reports the first broken entry when a superuser bypasses the trigger', async () => {
    const token = await api.login('auditor');
    await sealAuditLog(api.deps.db);
    const good = await api.request('GET', '/audit/verify', { token });
    expect(good.status).toBe(200);
    expect(good.body).toMatchObject({ ok: true, unsealed: 0, oldestUnsealedAt: null, sealLagMs: 0 });
    expect(good.body.checked).toBeGreaterThan(25);
    expect(good.body.lastSealedAt).toEqual(expect.any(String));
    const rows = await api.deps.db.select({ id: auditLog.id }).from(auditLog).orderBy(auditLog.sealSeq);
    const victim = rows[Math.floor(rows.length / 2)]!.id;
    // A superuser can switch triggers off for the session; the chain still gives it away.
    await api.deps.db.transaction(async (tx) => {
      await tx.execute(sql`set local session_replication_role = replica`);
      await tx.execute(sql`update audit_log set after = '{"tampered": true}'::jsonb where id = ${victim}`);
    });
    const broken = await api.request('GET', '/audit/verify', { token });
    expect(broken.body).toMatchObject({ ok: false, firstBrokenId: victim });
    // An entry written after the break is reported as unsealed, not as the break.
    await api.deps.db.transaction((tx) => appendAudit(tx, { at: new Date(), actorId: null, action: 'test.after_break', subjectType: 'Test', subjectId: 'x' }));
    expect((await api.request('GET', '/audit/verify', { token })).body).toMatchObject({ ok: false, firstBrokenId: victim, unsealed: 1 });
    if (usingPostgres()) {
      let output = '';
      let status = 0;
      try {
        execFileSync('npx', ['tsx', 'scripts/audit-verify.ts'], { env: { ...process.env, DATABASE_URL: api.database.url! }, encoding: 'utf8' });
      } catch (error) {
        const failure = error as { status: number; stdout: string };
        status = failure.status;
        output = failure.stdout;
      }
      expect(status).toBe(1);
      expect(output).toContain(`BROKEN at entry ${victim}`);
    }
  });

  it('the npm command verifies an intact embedded (PGlite) database', () => {
    const dataDir = `/tmp/p2p-audit-verify-${process.pid}`;
    try {
      const output = execFileSync('npx', ['tsx', 'scripts/audit-verify.ts'], { env: { ...process.env, DATABASE_URL: '', DATA_DIR: dataDir }, encoding: 'utf8' });
      expect(output).toMatch(/audit chain OK: 0 entries verified/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
