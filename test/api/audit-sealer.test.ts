import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc, count, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealAuditBatch, sealAuditLog, startAuditSealer } from '../../db/audit-sealer.ts';
import { openDatabase, type Database, type DatabaseHandle } from '../../db/client.ts';
import { appendAudit, GENESIS_HASH, hashAuditEntry, verifyAuditChain, type AuditEntry } from '../../db/queries/audit.ts';
import { auditLog, auditSealState } from '../../db/schema/index.ts';
import { createTestDatabase, usingPostgres, type TestDatabase } from '../support/db.ts';

const entry = (subjectId: string, at = new Date()): AuditEntry => ({ at, actorId: null, action: 'test.sealing', subjectType: 'Test', subjectId, after: { subjectId } });
const append = (db: Database, subjectId: string) => db.transaction((tx) => appendAudit(tx, entry(subjectId)));

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Everything committed is sealed, once, at 1..n with no gap, and the chain verifies end to end. */
async function expectWholeChain(db: Database) {
  const [total] = await db.select({ n: count() }).from(auditLog);
  const sealed = await db.select({ seq: auditLog.sealSeq }).from(auditLog).where(isNotNull(auditLog.sealSeq)).orderBy(asc(auditLog.sealSeq));
  expect(sealed.map((row) => row.seq)).toEqual(Array.from({ length: total!.n }, (_, i) => i + 1));
  expect(await verifyAuditChain(db)).toMatchObject({ ok: true, checked: total!.n, unsealed: 0, oldestUnsealedAt: null, sealLagMs: 0 });
  const [head] = await db.select().from(auditSealState);
  expect(head!.lastSeq).toBe(total!.n);
}

describe('audit log without a global lock: lock-free appends, one sealer', () => {
  let database: TestDatabase;
  let db: Database;
  /** Further connections to the same database, for a second or third sealer (PostgreSQL; PGlite has one client). */
  const others: DatabaseHandle[] = [];
  const another = async (): Promise<Database> => {
    if (!usingPostgres()) return db;
    const handle = await openDatabase({ kind: 'postgres', url: database.url!, maxConnections: 2 });
    others.push(handle);
    return handle.db;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    db = database.db;
  });
  afterAll(async () => {
    for (const handle of others) await handle.close();
    await database?.drop();
  });

  it('many concurrent writers append unsealed; sealing then chains every entry once, gapless', async () => {
    await Promise.all(Array.from({ length: 40 }, (_, i) => db.transaction(async (tx) => {
      for (let k = 0; k < 3; k += 1) await appendAudit(tx, entry(`writer-${i}-${k}`));
    })));
    // Right after the writes nothing is broken, only not yet sealed.
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true, checked: 0, unsealed: 120 });
    expect(await sealAuditLog(db, 50)).toBe(120);
    await expectWholeChain(db);
  });

  it.skipIf(!usingPostgres())('a writer does not wait for another open transaction, and a late commit is sealed after later ids', async () => {
    let inserted!: () => void;
    const hasInserted = new Promise<void>((resolve) => (inserted = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const slow = db.transaction(async (tx) => {
      const row = await appendAudit(tx, entry('slow'));
      inserted();
      await released;
      return row;
    });
    await hasInserted;
    // Under the old advisory lock this append waited for `slow` to commit.
    const quick = await Promise.race([append(db, 'quick'), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('append waited for another transaction')), 5_000))]);
    expect(await sealAuditLog(db)).toBe(1);
    release();
    const slowRow = await slow;
    expect(slowRow.id).toBeLessThan(quick.id);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true, unsealed: 1 });
    expect(await sealAuditLog(db)).toBe(1);
    const [slowSealed, quickSealed] = await Promise.all([slowRow.id, quick.id].map(async (id) => (await db.select().from(auditLog).where(eq(auditLog.id, id)))[0]!));
    expect(slowSealed!.sealSeq).toBe(quickSealed!.sealSeq! + 1);
    expect(slowSealed!.prevHash).toBe(quickSealed!.hash);
    await expectWholeChain(db);
  });

  it('the entry of a rolled-back transaction never appears, sealed or not', async () => {
    await expect(db.transaction(async (tx) => {
      await appendAudit(tx, entry('rolled-back'));
      throw new Error('the change failed');
    })).rejects.toThrow('the change failed');
    await sealAuditLog(db);
    expect(await db.select().from(auditLog).where(eq(auditLog.subjectId, 'rolled-back'))).toEqual([]);
    await expectWholeChain(db);
  });

  it('a batch that fails after sealing its entries rolls back whole: none lost, none sealed twice', async () => {
    for (let i = 0; i < 30; i += 1) await append(db, `injected-${i}`);
    const [headBefore] = await db.select().from(auditSealState);
    // The failure strikes at the batch's last step, after every entry of it got its seal.
    await db.execute(sql.raw(`create function test_fail_seal() returns trigger language plpgsql as $$ begin raise exception 'injected sealer failure'; end $$`));
    await db.execute(sql.raw('create trigger test_fail_seal before update on audit_seal_state for each row execute function test_fail_seal()'));
    try {
      await expect(sealAuditBatch(db, { batchSize: 100 })).rejects.toThrow();
    } finally {
      await db.execute(sql.raw('drop trigger test_fail_seal on audit_seal_state'));
      await db.execute(sql.raw('drop function test_fail_seal()'));
    }
    expect(await db.select().from(auditSealState)).toEqual([headBefore]);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true, checked: headBefore!.lastSeq, unsealed: 30 });
    expect(await sealAuditLog(db)).toBe(30);
    await expectWholeChain(db);
  });

  it.skipIf(!usingPostgres())('a sealer process killed mid-batch loses none and seals none twice', async () => {
    for (let i = 0; i < 30; i += 1) await append(db, `killed-${i}`);
    const pending = await db.select({ id: auditLog.id }).from(auditLog).where(isNull(auditLog.sealSeq)).orderBy(asc(auditLog.id));
    const [headBefore] = await db.select().from(auditSealState);
    const admin = postgres(database.url!, { max: 1, onnotice: () => {} });
    const sealerBackend = () =>
      admin<{ pid: number }[]>`select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and query ilike 'update "audit_log"%'`;
    try {
      // Hold the batch's last entry: the sealer stops inside its UPDATE, the head locked and the batch half written.
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const blocker = db.transaction(async (tx) => {
        await tx.execute(sql`select id from audit_log where id = ${pending.at(-1)!.id} for update`);
        locked();
        await released;
      });
      await isLocked;
      const sealer = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/seal-one-batch.ts', database.url!], { stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = new Promise((resolve) => sealer.once('exit', (code, signal) => resolve(signal ?? code)));
      const [backend] = await eventually(sealerBackend, (rows) => rows.length === 1, 'the sealer to stop inside its batch');
      // SIGKILL: the process gets no chance to roll back or to commit.
      sealer.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      release();
      await blocker;
      // Its backend finishes the UPDATE it was in, then finds the client gone and aborts the transaction.
      await eventually(() => admin<{ pid: number }[]>`select pid from pg_stat_activity where pid = ${backend!.pid}`, (rows) => rows.length === 0, 'the orphaned backend to end');
    } finally {
      await admin.end();
    }
    expect(await db.select().from(auditSealState)).toEqual([headBefore]);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true, checked: headBefore!.lastSeq, unsealed: 30 });
    expect(await sealAuditLog(db)).toBe(30);
    await expectWholeChain(db);
  });

  it('sealers racing each other (and writers) seal every entry exactly once', async () => {
    const sealers = [db, await another(), await another()];
    let writing = true;
    const writers = Promise.all(Array.from({ length: 60 }, (_, i) => append(db, `race-${i}`))).finally(() => (writing = false));
    const sealedBy = await Promise.all(
      sealers.map(async (sealerDb) => {
        let sealed = 0;
        do sealed += await sealAuditLog(sealerDb, 7);
        while (writing);
        return sealed;
      }),
    );
    await writers;
    const rest = await sealAuditLog(db);
    // Sealed twice would count twice: the counts add up to the entries exactly.
    expect(sealedBy.reduce((a, b) => a + b, 0) + rest).toBe(60);
    await expectWholeChain(db);
  });

  it('verify tells unsealed entries and how far sealing trails, apart from the chain', async () => {
    const [head] = await db.select().from(auditSealState);
    const oldest = new Date(Date.now() - 5_000);
    await db.transaction((tx) => appendAudit(tx, entry('lagging-1', oldest)));
    await append(db, 'lagging-2');
    const lagging = await verifyAuditChain(db);
    expect(lagging).toMatchObject({ ok: true, checked: head!.lastSeq, unsealed: 2, oldestUnsealedAt: oldest.toISOString(), lastSealedAt: head!.sealedAt!.toISOString() });
    expect(lagging.sealLagMs).toBeGreaterThanOrEqual(5_000);
    await sealAuditLog(db);
    await expectWholeChain(db);
  });

  it('finds a sealed entry a superuser edited behind the trigger, by its id', async () => {
    await append(db, 'tamper-target');
    await sealAuditLog(db);
    const [victim] = await db.select().from(auditLog).where(eq(auditLog.subjectId, 'tamper-target'));
    await db.transaction(async (tx) => {
      await tx.execute(sql`set local session_replication_role = replica`);
      await tx.execute(sql`update audit_log set after = '{"tampered": true}'::jsonb where id = ${victim!.id}`);
    });
    expect(await verifyAuditChain(db)).toMatchObject({ ok: false, firstBrokenId: victim!.id, checked: victim!.sealSeq });
    // Put it back, for the tests after this one.
    await db.transaction(async (tx) => {
      await tx.execute(sql`set local session_replication_role = replica`);
      await tx.execute(sql`update audit_log set after = ${JSON.stringify(victim!.after)}::jsonb where id = ${victim!.id}`);
    });
    await expectWholeChain(db);
  });

  it('the database allows an entry its one seal and refuses every other change', async () => {
    const unsealed = await append(db, 'guarded');
    const forge = (extra: string) => db.execute(sql.raw(`update audit_log set seal_seq = 999999, prev_hash = 'x', hash = 'y', sealed_at = now()${extra} where id = ${unsealed.id}`));
    await expect(forge(`, action = 'forged'`)).rejects.toThrow();
    await expect(db.execute(sql.raw(`update audit_log set seal_seq = 999999 where id = ${unsealed.id}`))).rejects.toThrow();
    await sealAuditLog(db);
    await expect(db.execute(sql.raw(`update audit_log set hash = 'y' where id = ${unsealed.id}`))).rejects.toThrow();
    await expect(db.execute(sql`update audit_seal_state set last_seq = 0`)).rejects.toThrow();
    await expect(db.execute(sql`delete from audit_seal_state`)).rejects.toThrow();
    await expect(db.execute(sql`truncate audit_seal_state`)).rejects.toThrow();
    await expectWholeChain(db);
  });

  it('the background sealer seals soon after the writes, and stops cleanly', async () => {
    const errors: unknown[] = [];
    const stop = startAuditSealer(db, { intervalMs: 10, onError: (error) => errors.push(error) });
    try {
      for (let i = 0; i < 5; i += 1) await append(db, `background-${i}`);
      await eventually(() => verifyAuditChain(db), (result) => result.unsealed === 0, 'the background sealer');
    } finally {
      await stop();
    }
    expect(errors).toEqual([]);
    await expectWholeChain(db);
  });

  it('a background sealer outliving its database reports and does not throw', async () => {
    const handle = usingPostgres() ? await openDatabase({ kind: 'postgres', url: database.url!, maxConnections: 1 }) : await openDatabase({ kind: 'pglite' });
    if (!usingPostgres()) await handle.migrate();
    const errors: unknown[] = [];
    const stop = startAuditSealer(handle.db, { intervalMs: 5, onError: (error) => errors.push(error) });
    await new Promise((resolve) => setTimeout(resolve, 30));
    await handle.close();
    await eventually(() => Promise.resolve(errors.length), (n) => n > 0, 'a round to fail on the closed database');
    await stop();
  });
});

describe('a database chained under the old global lock', () => {
  let legacy: TestDatabase;
  const folder = mkdtempSync(join(tmpdir(), 'p2p-migrations-'));
  afterAll(async () => {
    await legacy?.drop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('still verifies after the migration, its entries as seals 1..n, and the chain goes on from them', async () => {
    legacy = await createTestDatabase({ migrate: false });
    // The migrations as they were before audit sealing (0000-0004).
    const source = new URL('../../db/migrations/', import.meta.url);
    cpSync(source, folder, { recursive: true });
    const journal = JSON.parse(readFileSync(join(folder, 'meta/_journal.json'), 'utf8')) as { entries: { tag: string }[] };
    journal.entries = journal.entries.filter((migration) => migration.tag < '0005');
    writeFileSync(join(folder, 'meta/_journal.json'), JSON.stringify(journal));
    const { migrate } = legacy.kind === 'pglite' ? await import('drizzle-orm/pglite/migrator') : await import('drizzle-orm/postgres-js/migrator');
    await migrate(legacy.db as never, { migrationsFolder: folder });

    // Entries as the old appendAudit wrote them: chained in id order, hashed as today.
    let prevHash = GENESIS_HASH;
    for (let i = 0; i < 5; i += 1) {
      const at = new Date(Date.now() - (10 - i) * 1000);
      const fields = { at, actorId: null, onBehalfOfId: null, action: 'legacy.entry', subjectType: 'Test', subjectId: `legacy-${i}`, processId: null, before: null, after: { i }, requestId: null, ip: null, userAgent: null, prevHash };
      const hash = hashAuditEntry(fields);
      await legacy.db.execute(sql`insert into audit_log (at, action, subject_type, subject_id, after, prev_hash, hash) values (${at.toISOString()}::timestamptz, 'legacy.entry', 'Test', ${fields.subjectId}, ${JSON.stringify(fields.after)}::jsonb, ${prevHash}, ${hash})`);
      prevHash = hash;
    }

    await legacy.migrate();
    expect(await verifyAuditChain(legacy.db)).toMatchObject({ ok: true, checked: 5, unsealed: 0 });
    await append(legacy.db, 'after-migration-1');
    await append(legacy.db, 'after-migration-2');
    expect(await sealAuditLog(legacy.db)).toBe(2);
    await expectWholeChain(legacy.db);
    const rows = await legacy.db.select({ subjectId: auditLog.subjectId, seq: auditLog.sealSeq }).from(auditLog).orderBy(asc(auditLog.sealSeq));
    expect(rows.map((row) => row.subjectId)).toEqual(['legacy-0', 'legacy-1', 'legacy-2', 'legacy-3', 'legacy-4', 'after-migration-1', 'after-migration-2']);
  });
});
