import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { parseKeyring } from '../../config/personal-data-keys.ts';
import { createPersonalDataCipher, resealSupplierContacts, supplierContext } from '../../db/encryption.ts';
import { apiTokens, auditLog, erasureRequests, mailOutbox, sessions, suppliers, tasks, users } from '../../db/schema/index.ts';
import { TEST_PERSONAL_DATA_KEYS } from '../support/api.ts';
import { useProcessFixture } from '../support/process-fixture.ts';

interface ErasureRequest {
  id: string;
  status: string;
  answer: string | null;
  kept: { what: string; why: string; until: string | null }[] | null;
}

/**
 * Personal data (SPEC 4.4, issue #14 part 6) on the real dev server and
 * database: contact data sealed at rest and opened (audited) through the API,
 * key rotation, the access export, and erasure requests approved in the inbox.
 */
describe('personal data: encryption at rest, access export, erasure', () => {
  const fx = useProcessFixture(['requester', 'manager', 'buyer', 'records_manager', 'admin']);
  const { token, id } = fx;
  const post = (who: string, path: string, body: unknown) => fx.api.request('POST', path, { token: token[who], body });
  const get = (who: string, path: string) => fx.api.request('GET', path, { token: token[who] });
  const newSupplier = async (name: string) => {
    const response = await post('buyer', '/suppliers', { name, email: `orders@${name.toLowerCase().replace(/\W+/g, '-')}.example`, paymentTermsDays: 30, contactName: 'Clara Contact', phone: '+49 30 555 0100', address: 'Kontaktweg 7, 10115 Berlin' });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return (response.body as { id: string }).id;
  };
  const rawSupplier = async (supplierId: string) => (await fx.database.db.select().from(suppliers).where(eq(suppliers.id, supplierId)))[0]!;
  const erasureCount = async () => (await fx.database.db.select({ id: erasureRequests.id }).from(erasureRequests)).length;
  const approveErasure = async (requestId: string, action: 'approve' | 'reject' = 'approve') => {
    const inbox = await fx.h.eventually(
      () => get('records_manager', `/tasks?status=open&subjectId=${requestId}`),
      (r) => (r.body.items as { kind: string }[] | undefined)?.some((t) => t.kind === 'erasure_approval') ?? false,
      'the erasure approval in the records manager’s inbox',
    );
    const task = (inbox.body.items as { id: string; kind: string; actions: string[] }[]).find((t) => t.kind === 'erasure_approval')!;
    expect(task.actions).toEqual(['approve', 'reject']);
    const done = await fx.h.decide(token.records_manager!, task.id, action, action === 'reject' ? 'Not a valid request' : undefined);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    return fx.h.eventually(
      () => get('records_manager', `/personal-data/erasure-requests/${requestId}`),
      (r) => ['erased', 'not_erased', 'rejected'].includes((r.body as ErasureRequest).status),
      'the erasure carried out',
    );
  };

  it('seals phone and address at rest, opens them through the API, and audits every read', async () => {
    const supplierId = await newSupplier('Sealed Parts GmbH');
    const raw = await rawSupplier(supplierId);
    expect(raw.contactName).toBe('Clara Contact');
    expect(raw.phone).toMatch(/^enc:v1:test-k1:[^:]+:[^:]+:[^:]+$/);
    expect(raw.address).toMatch(/^enc:v1:test-k1:/);
    expect(JSON.stringify(raw)).not.toContain('Kontaktweg');
    expect(JSON.stringify(raw)).not.toContain('555 0100');

    // Lists and the supplier itself carry no contact data.
    const list = await get('buyer', '/suppliers?limit=200');
    expect(JSON.stringify(list.body)).not.toContain('Kontaktweg');
    expect((await get('buyer', `/suppliers/${supplierId}`)).body).not.toHaveProperty('address');

    const before = await fx.database.db.select({ id: auditLog.id }).from(auditLog).where(and(eq(auditLog.action, 'supplier.contact_read'), eq(auditLog.subjectId, supplierId)));
    const contact = await get('buyer', `/suppliers/${supplierId}/contact`);
    expect(contact.status).toBe(200);
    expect(contact.body).toMatchObject({ supplierId, contactName: 'Clara Contact', phone: '+49 30 555 0100', address: 'Kontaktweg 7, 10115 Berlin' });
    const reads = await fx.database.db.select().from(auditLog).where(and(eq(auditLog.action, 'supplier.contact_read'), eq(auditLog.subjectId, supplierId)));
    expect(reads.length).toBe(before.length + 1);
    expect(reads.at(-1)!.actorId).toBe(id.buyer);
    expect(JSON.stringify(reads.at(-1)!.after)).not.toContain('Kontaktweg');

    // A requester may not read it; the refusal is no read.
    expect((await get('requester', `/suppliers/${supplierId}/contact`)).status).toBe(403);
    expect((await get('buyer', '/suppliers/00000000-0000-4000-8000-000000000000/contact')).status).toBe(404);

    // An edit seals again and names the fields, not the values.
    const edited = await fx.api.request('PUT', `/suppliers/${supplierId}/contact`, { token: token.buyer, body: { phone: '+49 30 555 0199' } });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body).toMatchObject({ phone: '+49 30 555 0199', address: 'Kontaktweg 7, 10115 Berlin' });
    expect((await rawSupplier(supplierId)).phone).toMatch(/^enc:v1:test-k1:/);
  });

  it('seals plaintext from before encryption, and rotation re-seals under the new key while old values still open', async () => {
    // The demo seed writes plaintext (the API's start seals it; this fixture does not start the API).
    const [demo] = await fx.database.db.select().from(suppliers).where(eq(suppliers.name, 'Acme Industrial Supply'));
    expect(demo!.address).toBe('12 Foundry Road, Leeds');
    const current = createPersonalDataCipher(parseKeyring(TEST_PERSONAL_DATA_KEYS));
    expect(await resealSupplierContacts(fx.database.db, current)).toBeGreaterThanOrEqual(4);
    expect((await rawSupplier(demo!.id)).address).toMatch(/^enc:v1:test-k1:/);
    expect(await resealSupplierContacts(fx.database.db, current)).toBe(0);

    const supplierId = await newSupplier('Rotated Parts AG');
    const rotated = createPersonalDataCipher(parseKeyring(`k2:${Buffer.alloc(32, 9).toString('base64')},${TEST_PERSONAL_DATA_KEYS}`));
    // The new ring opens values sealed under the old key before anything is re-sealed.
    expect(rotated.open((await rawSupplier(supplierId)).address!, supplierContext.address(supplierId))).toBe('Kontaktweg 7, 10115 Berlin');
    const count = (await fx.database.db.select({ id: suppliers.id }).from(suppliers).where(sql`${suppliers.phone} is not null or ${suppliers.address} is not null`)).length;
    expect(await resealSupplierContacts(fx.database.db, rotated, { batchSize: 2 })).toBe(count);
    const raw = await rawSupplier(supplierId);
    expect(raw.address).toMatch(/^enc:v1:k2:/);
    expect(rotated.open(raw.address!, supplierContext.address(supplierId))).toBe('Kontaktweg 7, 10115 Berlin');
    expect(() => current.open(raw.address!, supplierContext.address(supplierId))).toThrow(/k2/);
    // Idempotent: nothing left under another key.
    expect(await resealSupplierContacts(fx.database.db, rotated, { batchSize: 2 })).toBe(0);
    // A value copied to another row does not open there.
    expect(() => rotated.open(raw.address!, supplierContext.address(demo!.id))).toThrow();

    // Back to the test key, which the API of this file holds.
    const back = createPersonalDataCipher(parseKeyring(`${TEST_PERSONAL_DATA_KEYS},k2:${Buffer.alloc(32, 9).toString('base64')}`));
    expect(await resealSupplierContacts(fx.database.db, back)).toBe(count);
    expect((await get('buyer', `/suppliers/${supplierId}/contact`)).body).toMatchObject({ address: 'Kontaktweg 7, 10115 Berlin' });
  });

  it('exports everything held about a user (audited), and refuses callers without the role', async () => {
    const created = await fx.h.createRequisition(token.requester!, '42.00');
    const exported = await get('records_manager', `/personal-data/export?personKind=user&personId=${id.requester}`);
    expect(exported.status, JSON.stringify(exported.body)).toBe(200);
    const body = exported.body as { person: Record<string, unknown>; sections: { name: string; items: Record<string, unknown>[] }[] };
    expect(body.person).toMatchObject({ id: id.requester, email: 'requester@demo.local', name: 'Rita Reyes', roles: ['requester'] });
    expect(body.sections.find((s) => s.name === 'requisitions')!.items.map((r) => r.id)).toContain(created.id);
    expect(body.sections.find((s) => s.name === 'sessions')!.items.length).toBeGreaterThan(0);
    expect(JSON.stringify(body)).not.toMatch(/token_?hash|password/i);
    const [entry] = await fx.database.db.select().from(auditLog).where(and(eq(auditLog.action, 'personal_data.exported'), eq(auditLog.subjectId, id.requester!)));
    expect(entry!.actorId).toBe(id.records_manager);

    const supplierId = await newSupplier('Exported Contact Ltd');
    const contact = await get('admin', `/personal-data/export?personKind=supplier_contact&personId=${supplierId}`);
    expect(contact.status).toBe(200);
    expect(contact.body.person).toMatchObject({ contactName: 'Clara Contact', phone: '+49 30 555 0100', address: 'Kontaktweg 7, 10115 Berlin' });

    expect((await get('requester', `/personal-data/export?personKind=user&personId=${id.requester}`)).status).toBe(403);
    expect((await get('buyer', `/personal-data/export?personKind=user&personId=${id.requester}`)).status).toBe(403);
    const unknown = await get('records_manager', '/personal-data/export?personKind=user&personId=00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
  });

  it('an erasure approved in the inbox leaves none of the person’s data outside retained records, and says what it kept', async () => {
    const email = 'erin.erasable@demo.local';
    const name = 'Erin Erasable';
    const made = await post('admin', '/users', { email, name, password: 'a long password 123', roles: ['requester'], managerId: id.manager, department: 'Engineering' });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const erinId = (made.body as { id: string }).id;
    const erin = await fx.api.login(email, 'a long password 123');
    expect((await fx.api.request('POST', '/auth/tokens', { token: erin, body: { name: 'Erin’s laptop' } })).status).toBe(201);
    const requisition = await fx.h.createRequisition(erin, '55.00');
    await fx.h.submit(erin, requisition.id);
    const task = await fx.h.taskFor(token.manager!, requisition.id);
    expect((await fx.h.decide(token.manager!, task.id, 'reject', 'Not this quarter')).status).toBe(200);
    await fx.h.waitForStatus(erin, requisition.id, 'rejected');
    await fx.h.eventually(() => fx.database.db.select().from(mailOutbox).where(eq(mailOutbox.toUserId, erinId)), (rows) => rows.length > 0, 'the decision mail to Erin');

    const filed = await post('records_manager', '/personal-data/erasure-requests', { personKind: 'user', personId: erinId, reason: 'Erin asked by e-mail on leaving' });
    expect(filed.status, JSON.stringify(filed.body)).toBe(201);
    expect(filed.body).toMatchObject({ status: 'pending_approval', personLabel: name, workflowId: `erasure-${filed.body.id}` });
    // A second request for the same person while the first is open: 409, nothing written.
    const count = await erasureCount();
    expect((await post('admin', '/personal-data/erasure-requests', { personKind: 'user', personId: erinId, reason: 'again' })).status).toBe(409);
    expect(await erasureCount()).toBe(count);

    const done = (await approveErasure(filed.body.id)).body as ErasureRequest;
    expect(done.status, done.answer ?? '').toBe('erased');
    expect(done.answer).toMatch(/requisition/);
    expect(done.kept!.map((k) => k.what).join(' ')).toMatch(/requisition/);
    expect(done.kept!.find((k) => /requisition/.test(k.what))!.until).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    // The tables: nothing names or reaches Erin any more, outside the audit log (retained, append-only).
    const db = fx.database.db;
    const [row] = await db.select().from(users).where(eq(users.id, erinId));
    expect(row).toMatchObject({ name: `Former user ${erinId.slice(0, 8)}`, email: `former-${erinId}@anonymised.invalid`, active: false, delegateId: null, department: 'Engineering' });
    expect(row!.anonymisedAt).not.toBeNull();
    expect(await db.select().from(sessions).where(eq(sessions.userId, erinId))).toEqual([]);
    const tokens = await db.select().from(apiTokens).where(eq(apiTokens.userId, erinId));
    expect(tokens.length).toBe(1);
    expect(tokens[0]!.revokedAt).not.toBeNull();
    const leftovers = async (needle: string) => ({
      users: (await db.select({ id: users.id }).from(users).where(sql`${users.name} ilike ${'%' + needle + '%'} or ${users.email} ilike ${'%' + needle + '%'}`)).length,
      tasks: (await db.select({ id: tasks.id }).from(tasks).where(sql`${tasks.data}::text ilike ${'%' + needle + '%'} or ${tasks.title} ilike ${'%' + needle + '%'}`)).length,
      mails: (await db.select({ id: mailOutbox.id }).from(mailOutbox).where(sql`${mailOutbox.toAddress} ilike ${'%' + needle + '%'} or ${mailOutbox.subject} ilike ${'%' + needle + '%'} or ${mailOutbox.html} ilike ${'%' + needle + '%'} or ${mailOutbox.text} ilike ${'%' + needle + '%'}`)).length,
      tokens: (await db.select({ id: apiTokens.id }).from(apiTokens).where(sql`${apiTokens.name} ilike ${'%' + needle + '%'}`)).length,
      requests: (await db.select({ id: erasureRequests.id }).from(erasureRequests).where(sql`${erasureRequests.answer} ilike ${'%' + needle + '%'}`)).length,
    });
    expect(await leftovers(name)).toEqual({ users: 0, tasks: 0, mails: 0, tokens: 0, requests: 0 });
    expect(await leftovers('erin.erasable')).toEqual({ users: 0, tasks: 0, mails: 0, tokens: 0, requests: 0 });
    // The requisition stays (retained), by id.
    expect((await fx.h.requisition(token.manager!, requisition.id)).status).toBe('rejected');
    // Signing in with the old address fails; the token is dead.
    expect((await fx.api.request('POST', '/auth/login', { body: { email, password: 'a long password 123' } })).status).toBe(401);
    expect((await fx.api.request('GET', '/me', { token: erin })).status).toBe(401);
    const [audit] = await db.select().from(auditLog).where(and(eq(auditLog.action, 'personal_data.erased'), eq(auditLog.subjectId, erinId)));
    expect(audit!.actorId).toBe(id.records_manager);
    // Erased once: a second request is refused.
    expect((await post('records_manager', '/personal-data/erasure-requests', { personKind: 'user', personId: erinId, reason: 'again' })).status).toBe(409);
  });

  it('erases a supplier contact, and an erasure under a legal hold names the hold and changes nothing', async () => {
    const freeId = await newSupplier('Erasable Contact GmbH');
    const free = await post('records_manager', '/personal-data/erasure-requests', { personKind: 'supplier_contact', personId: freeId, reason: 'The contact left the company' });
    expect(free.status, JSON.stringify(free.body)).toBe(201);
    const erased = (await approveErasure(free.body.id)).body as ErasureRequest;
    expect(erased.status).toBe('erased');
    expect(await rawSupplier(freeId)).toMatchObject({ name: 'Erasable Contact GmbH', contactName: null, phone: null, address: null, email: `former-supplier-${freeId}@anonymised.invalid`, paymentTermsDays: 30 });

    const heldId = await newSupplier('Held Contact GmbH');
    const hold = await post('records_manager', '/retention/holds', { supplierId: heldId, reason: 'Litigation 2031-17 about a warranty claim' });
    expect(hold.status, JSON.stringify(hold.body)).toBe(201);
    const held = await post('records_manager', '/personal-data/erasure-requests', { personKind: 'supplier_contact', personId: heldId, reason: 'The contact asked' });
    expect(held.status).toBe(201);
    const answered = (await approveErasure(held.body.id)).body as ErasureRequest;
    expect(answered.status).toBe('not_erased');
    expect(answered.answer).toContain('legal hold');
    expect(answered.answer).toContain('Litigation 2031-17');
    const raw = await rawSupplier(heldId);
    expect(raw.contactName).toBe('Clara Contact');
    expect(raw.contactAnonymisedAt).toBeNull();

    // A rejected request changes nothing either.
    const rejectedId = await newSupplier('Rejected Contact GmbH');
    const rejected = await post('admin', '/personal-data/erasure-requests', { personKind: 'supplier_contact', personId: rejectedId, reason: 'Unverified e-mail' });
    expect(rejected.status).toBe(201);
    expect(((await approveErasure(rejected.body.id, 'reject')).body as ErasureRequest).status).toBe('rejected');
    expect((await rawSupplier(rejectedId)).contactName).toBe('Clara Contact');
  });

  it('refuses bad erasure requests with problem+json and writes nothing', async () => {
    // The manager holds an open approval task.
    const created = await fx.h.createRequisition(token.requester!, '61.00');
    await fx.h.submit(token.requester!, created.id);
    await fx.h.taskFor(token.manager!, created.id);
    const count = await erasureCount();
    const cases: [string, unknown, number, string | null][] = [
      ['requester', { personKind: 'user', personId: id.manager, reason: 'x' }, 403, null],
      ['buyer', { personKind: 'supplier_contact', personId: id.manager, reason: 'x' }, 403, null],
      ['records_manager', { personKind: 'user', personId: id.manager, reason: 'asked' }, 409, 'personId'],
      ['records_manager', { personKind: 'user', personId: '00000000-0000-4000-8000-000000000000', reason: 'asked' }, 422, 'personId'],
      ['records_manager', { personKind: 'supplier_contact', personId: id.manager, reason: 'asked' }, 422, 'personId'],
      ['records_manager', { personKind: 'someone', personId: id.manager, reason: 'asked' }, 400, 'personKind'],
      ['records_manager', { personKind: 'user', personId: id.requester, reason: '   ' }, 400, 'reason'],
    ];
    for (const [who, body, status, path] of cases) {
      const response = await post(who, '/personal-data/erasure-requests', body);
      expect(response.status, `${who} ${JSON.stringify(body)}: ${JSON.stringify(response.body)}`).toBe(status);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      if (path) expect((response.body.errors as { path: string }[]).map((e) => e.path)).toContain(path);
    }
    expect(await erasureCount()).toBe(count);
    expect((await get('requester', '/personal-data/erasure-requests')).status).toBe(403);
    const list = await get('records_manager', '/personal-data/erasure-requests?limit=2');
    expect(list.status).toBe(200);
    expect(list.body.items.length).toBeLessThanOrEqual(2);
  });
});
