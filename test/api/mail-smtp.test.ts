import net from 'node:net';
import { Readable } from 'node:stream';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signActionLink } from '@p2p/domain/action-links';
import { openDatabase } from '../../db/client.ts';
import { insertUser } from '../../db/queries/users.ts';
import { mailOutbox } from '../../db/schema/index.ts';
import { createActionLinks, consumeActionLink, findActionLink } from '../../activities/mail/action-links.ts';
import { createMailer, findMail, listOutbox, messageIdFor } from '../../activities/mail/mailer.ts';
import { renderMail } from '../../activities/mail/render.ts';
import { mailActions, type TaskAssignedMail } from '../../activities/mail/templates.ts';
import { createMailTransport, type MailTransport } from '../../activities/mail/transport.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { startSmtpServer } from '../support/smtp.ts';

describe('e-mail over real SMTP: idempotent by key, retried after failure, single-use links', () => {
  let database: TestDatabase;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let transport: MailTransport;
  let approverId: string;
  const now = new Date('2026-11-24T12:00:00Z');
  const clock = () => now;
  const secret = 'smtp-test-secret-of-at-least-32-characters';
  const publicUrl = 'https://p2p.example.com/';
  const from = 'Procurement <procurement@example.com>';
  const taskId = '6b1b8f1c-7f0c-4d2f-8d55-2b7c1f0e9a10';

  beforeAll(async () => {
    database = await createTestDatabase();
    smtp = await startSmtpServer();
    transport = createMailTransport(`smtp://127.0.0.1:${smtp.port}`)!;
    const approver = await insertUser(database.db, { email: 'ada@example.com', name: 'Ada Lovelace', passwordHash: 'x', roles: ['manager'] });
    approverId = approver.id;
  });
  afterAll(async () => {
    await smtp?.close();
    await database?.drop();
  });
  beforeEach(() => {
    smtp.received.length = 0;
  });

  async function taskAssigned() {
    const links = await createActionLinks({ db: database.db, secret, publicUrl, clock }).issue({
      taskId,
      userId: approverId,
      actions: ['approve', 'reject', 'question'],
    });
    const data: TaskAssignedMail = {
      recipientName: 'Ada Lovelace',
      task: { title: 'Line manager approval', kindLabel: 'Requisition approval', businessKey: 'REQ-2026-0042', dueAt: '2026-11-26T12:00:00Z', url: 'https://p2p.example.com/inbox?task=t1' },
      subject: {
        typeLabel: 'Requisition',
        number: 'REQ-2026-0042',
        title: 'Oscilloscope for the R&D lab',
        facts: [
          { label: 'Requested by', text: 'Grace Hopper' },
          { label: 'Total', amount: '12345.50', currency: 'EUR', strong: true },
        ],
        summary: 'Grace Hopper asks for €12,345.50',
      },
      actions: mailActions('requisition_approval', links),
      linksExpireAt: links[0]!.expiresAt,
    };
    return { links, data };
  }

  it('sends a task-assigned mail once: subject, To, HTML and text parts, action links', async () => {
    const { links, data } = await taskAssigned();
    const mailer = createMailer({ db: database.db, transport, from, clock });
    const to = { userId: approverId, address: 'ada@example.com', name: 'Ada Lovelace' };
    const key = 'requisition-r1/step-1/assigned';

    const first = await mailer.send({ key, template: 'task-assigned', to, data, processId: 'requisition-r1' });
    expect(first).toMatchObject({ status: 'sent', duplicate: false });
    expect(smtp.received).toHaveLength(1);

    const message = parseMessage(smtp.received[0]!.raw);
    expect(smtp.received[0]).toMatchObject({ from: 'procurement@example.com', to: ['ada@example.com'] });
    expect(message.header('subject')).toBe(renderMail('task-assigned', data).subject);
    expect(message.header('subject')).toBe('Requisition approval: REQ-2026-0042 Oscilloscope for the R&D lab');
    expect(message.header('to')).toMatch(/Ada Lovelace.*<ada@example\.com>/);
    expect(message.header('message-id')).toBe(messageIdFor(key));
    expect(message.header('auto-submitted')).toBe('auto-generated');
    expect(message.part('text/html')).toContain('Requisition REQ-2026-0042 needs you: the step <em>Line manager approval</em> is yours to decide. Grace Hopper asks for €12,345.50.');
    expect(message.part('text/html')).toContain('R&amp;D lab');
    expect(message.part('text/plain')).toContain('Oscilloscope for the R&D lab');
    for (const link of links) {
      expect(link.url).toMatch(/^https:\/\/p2p\.example\.com\/action\/[\w-]+\.[\w-]+$/);
      expect(message.part('text/html')).toContain(`href="${link.url}"`);
      expect(message.part('text/plain')).toContain(link.url);
    }

    const row = await findMail(database.db, first.id);
    expect(row).toMatchObject({ status: 'sent', idempotencyKey: key, toUserId: approverId, toAddress: 'ada@example.com', processId: 'requisition-r1', messageId: messageIdFor(key), sentAt: now, error: null });

    // The retried activity: same key, even with a fresh rendering (new links), sends nothing.
    const again = await mailer.send({ key, template: 'task-assigned', to, data: (await taskAssigned()).data });
    expect(again).toEqual({ id: first.id, status: 'sent', duplicate: true });
    expect(smtp.received).toHaveLength(1);
  });

  it('two attempts at the same time still send one mail', async () => {
    const { data } = await taskAssigned();
    const mailer = createMailer({ db: database.db, transport, from, clock });
    const send = () => mailer.send({ key: 'requisition-r2/step-1/assigned', template: 'task-assigned', to: { address: 'ada@example.com', name: 'Ada' }, data });
    const results = await Promise.all([send(), send(), send()]);
    expect(smtp.received).toHaveLength(1);
    expect(results.filter((result) => !result.duplicate)).toHaveLength(1);
    expect(new Set(results.map((result) => result.id)).size).toBe(1);
  });

  it('a failed send leaves the row failed; the retry sends it and marks it sent', async () => {
    const { data } = await taskAssigned();
    let failures = 1;
    const flaky: MailTransport = {
      send: (envelope, message) => (failures-- > 0 ? Promise.reject(new Error('421 try again later')) : transport.send(envelope, message)),
    };
    const mailer = createMailer({ db: database.db, transport: flaky, from, clock });
    const params = { key: 'requisition-r3/step-1/assigned', template: 'task-assigned', to: { address: 'ada@example.com', name: 'Ada' }, data } as const;

    await expect(mailer.send(params)).rejects.toThrow('421 try again later');
    const [failed] = await listOutbox(database.db, { limit: 1 });
    expect(failed).toMatchObject({ idempotencyKey: params.key, status: 'failed', error: '421 try again later', sentAt: null });
    expect(smtp.received).toHaveLength(0);

    const retried = await mailer.send(params);
    expect(retried).toEqual({ id: failed!.id, status: 'sent', duplicate: false });
    expect(await findMail(database.db, failed!.id)).toMatchObject({ status: 'sent', error: null, messageId: messageIdFor(params.key) });
    expect(smtp.received).toHaveLength(1);
    expect(await mailer.send(params)).toMatchObject({ duplicate: true });
    expect(smtp.received).toHaveLength(1);
  });

  it('a message cut off before its end mark is not delivered; the retry delivers it once', async () => {
    const { data } = await taskAssigned();
    // The first hand-off dies mid-message, as a killed sender would: part of the message goes out, then the connection drops.
    let cutOff = 1;
    const dying: MailTransport = {
      send: (envelope, message) => {
        if (cutOff-- <= 0) return transport.send(envelope, message);
        const broken = new Readable({ read() {} });
        broken.push(`Message-ID: ${messageIdFor('requisition-r5/step-1/assigned')}\r\nSubject: half\r\n\r\nthe first half`);
        setTimeout(() => broken.destroy(new Error('sender died')), 50);
        return transport.send(envelope, broken);
      },
    };
    const mailer = createMailer({ db: database.db, transport: dying, from, clock });
    const params = { key: 'requisition-r5/step-1/assigned', template: 'task-assigned', to: { address: 'ada@example.com', name: 'Ada' }, data } as const;
    await expect(mailer.send(params)).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(smtp.received).toHaveLength(0);
    expect(await mailer.send(params)).toMatchObject({ status: 'sent', duplicate: false });
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.raw).toContain(messageIdFor(params.key));
  });

  it("a row a dead sender left 'sending' is sent again; one left 'handing_off' is unconfirmed, not resent", async () => {
    const { data } = await taskAssigned();
    const mailer = createMailer({ db: database.db, transport, from, clock });
    const to = { address: 'ada@example.com', name: 'Ada' };
    const diedBeforeEnd = { key: 'requisition-r6/step-1/assigned', template: 'task-assigned', to, data } as const;
    const diedAfterEnd = { key: 'requisition-r7/step-1/assigned', template: 'task-assigned', to, data } as const;
    // What a sender killed at each point leaves behind.
    await createMailer({ db: database.db, transport: undefined, from, clock }).send(diedBeforeEnd);
    await createMailer({ db: database.db, transport: undefined, from, clock }).send(diedAfterEnd);
    await database.db.update(mailOutbox).set({ status: 'sending' }).where(eq(mailOutbox.idempotencyKey, diedBeforeEnd.key));
    await database.db.update(mailOutbox).set({ status: 'handing_off' }).where(eq(mailOutbox.idempotencyKey, diedAfterEnd.key));

    expect(await mailer.send(diedBeforeEnd)).toMatchObject({ status: 'sent', duplicate: false });
    expect(await mailer.send(diedAfterEnd)).toMatchObject({ status: 'unconfirmed', duplicate: true });
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.raw).toContain(messageIdFor(diedBeforeEnd.key));
    const [unconfirmed] = await database.db.select().from(mailOutbox).where(eq(mailOutbox.idempotencyKey, diedAfterEnd.key));
    expect(unconfirmed).toMatchObject({ status: 'unconfirmed', sentAt: null });
    expect(unconfirmed!.error).toMatch(/not resent/);
    // Asked again, still nothing sent.
    expect(await mailer.send(diedAfterEnd)).toMatchObject({ status: 'unconfirmed', duplicate: true });
    expect(smtp.received).toHaveLength(1);
  });

  it('a message refused at its end mark is failed and sent again; one taken without an answer is unconfirmed, never resent', async () => {
    const { data } = await taskAssigned();
    const mailer = createMailer({ db: database.db, transport, from, clock });
    const to = { address: 'ada@example.com', name: 'Ada' };
    const refused = { key: 'requisition-r8/step-1/assigned', template: 'task-assigned', to, data } as const;
    smtp.control.next = 'refuse';
    await expect(mailer.send(refused)).rejects.toThrow(/554/);
    expect((await database.db.select().from(mailOutbox).where(eq(mailOutbox.idempotencyKey, refused.key)))[0]).toMatchObject({ status: 'failed' });
    expect(await mailer.send(refused)).toMatchObject({ status: 'sent', duplicate: false });
    expect(smtp.received.map((message) => message.raw.includes(messageIdFor(refused.key)))).toEqual([true]);

    const unanswered = { key: 'requisition-r9/step-1/assigned', template: 'task-assigned', to, data } as const;
    smtp.control.next = 'hang-up';
    expect(await mailer.send(unanswered)).toMatchObject({ status: 'unconfirmed', duplicate: false });
    const [row] = await database.db.select().from(mailOutbox).where(eq(mailOutbox.idempotencyKey, unanswered.key));
    expect(row).toMatchObject({ status: 'unconfirmed', sentAt: null });
    expect(row!.error).toMatch(/no answer after the end of the message/);
    expect(await mailer.send(unanswered)).toMatchObject({ status: 'unconfirmed', duplicate: true });
    expect(smtp.received).toHaveLength(2);
  });

  it('without SMTP the outbox is the delivery; the outbox lists newest first, page by page', async () => {
    const { data } = await taskAssigned();
    const mailer = createMailer({ db: database.db, transport: undefined, from, clock });
    const to = { address: 'ada@example.com', name: 'Ada' };
    const stored = await mailer.send({ key: 'requisition-r4/step-1/assigned', template: 'task-assigned', to, data, processId: 'requisition-r4' });
    expect(stored).toMatchObject({ status: 'stored', duplicate: false });
    expect(await mailer.send({ key: 'requisition-r4/step-1/assigned', template: 'task-assigned', to, data })).toEqual({ ...stored, duplicate: true });
    expect(smtp.received).toHaveLength(0);

    const all = await listOutbox(database.db, { limit: 100 });
    expect(all.map((mail) => mail.idempotencyKey)).toEqual([
      'requisition-r4/step-1/assigned',
      'requisition-r9/step-1/assigned',
      'requisition-r8/step-1/assigned',
      'requisition-r7/step-1/assigned',
      'requisition-r6/step-1/assigned',
      'requisition-r5/step-1/assigned',
      'requisition-r3/step-1/assigned',
      'requisition-r2/step-1/assigned',
      'requisition-r1/step-1/assigned',
    ]);
    expect(all[0]).not.toHaveProperty('html');
    const paged: string[] = [];
    for (let page = await listOutbox(database.db, { limit: 2 }); page.length > 0; page = await listOutbox(database.db, { limit: 2, before: page.at(-1)!.id })) {
      paged.push(...page.map((mail) => mail.id));
    }
    expect(paged).toEqual(all.map((mail) => mail.id));
    expect(await listOutbox(database.db, { limit: 10, processId: 'requisition-r4' })).toHaveLength(1);
    expect((await findMail(database.db, stored.id))?.html).toContain('Requisition REQ-2026-0042 needs you');
  });

  it('an action link is consumed once; check() tells used, unknown and expired links apart', async () => {
    const links = createActionLinks({ db: database.db, secret, publicUrl, clock });
    const [approve] = await links.issue({ taskId, userId: approverId, actions: ['approve'] });
    const token = tokenOf(approve!.url);

    const checked = await links.check(token);
    if (!checked.ok) throw new Error(`fresh link refused: ${checked.reason}`);
    expect(checked.payload).toMatchObject({ taskId, userId: approverId, action: 'approve' });
    expect(checked.link.expiresAt.getTime()).toBe(now.getTime() + 72 * 3600 * 1000);
    const jti = checked.payload.jti;

    expect(await consumeActionLink(database.db, { jti, now })).toBe(true);
    expect(await consumeActionLink(database.db, { jti, now })).toBe(false);
    expect((await findActionLink(database.db, jti))?.usedAt).toEqual(now);
    expect(await links.check(token)).toEqual({ ok: false, reason: 'used' });

    // Concurrent confirmations of one link: exactly one wins.
    const [other] = await links.issue({ taskId, userId: approverId, actions: ['reject'] });
    const wins = await Promise.all(Array.from({ length: 5 }, () => consumeActionLink(database.db, { jti: jtiOf(other!.url), now })));
    expect(wins.filter(Boolean)).toHaveLength(1);

    // Past its expiry a link is neither valid nor consumable.
    const [late] = await links.issue({ taskId, userId: approverId, actions: ['question'], ttlMs: 1000 });
    const later = new Date(now.getTime() + 1000);
    const lateLinks = createActionLinks({ db: database.db, secret, publicUrl, clock: () => later });
    expect(await lateLinks.check(tokenOf(late!.url))).toEqual({ ok: false, reason: 'expired' });
    expect(await consumeActionLink(database.db, { jti: jtiOf(late!.url), now: later })).toBe(false);

    // Correctly signed, but no such row: unknown.
    const stray = await signActionLink(secret, { jti: crypto.randomUUID(), taskId, action: 'approve', userId: approverId, expiresAt: now.getTime() + 60_000 });
    expect(await links.check(stray)).toEqual({ ok: false, reason: 'unknown' });
    // A link made with another secret: refused before the database is asked.
    const forged = await signActionLink('not-the-secret-but-32-characters-long', { ...checked.payload });
    expect(await links.check(forged)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it.skipIf(!process.env.DATABASE_URL)("the COMMIT of 'handing_off' is written before the end-of-data mark, right behind it", async () => {
    const { data } = await taskAssigned();
    const fresh = await openDatabase({ kind: 'postgres', url: database.url!, maxConnections: 1 });
    const databasePort = Number(new URL(database.url!).port || 5432);
    // Every write to the database (as the SQL it runs) and to the SMTP server, in order.
    const statements = new Map<string, string>();
    const writes: { to: 'database' | 'smtp'; text: string }[] = [];
    // eslint-disable-next-line @typescript-eslint/unbound-method -- put back below, and called with its socket as `this`
    const write = net.Socket.prototype.write;
    net.Socket.prototype.write = function (this: net.Socket, chunk: unknown, ...rest: unknown[]) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      if (this.remotePort === databasePort) writes.push({ to: 'database', text: sqlOf(bytes, statements).join('; ') });
      else if (this.remotePort === smtp.port) writes.push({ to: 'smtp', text: bytes.toString('utf8') });
      return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    };
    // A slow server: the end must wait for the server's go-ahead to DATA and the whole message, however long they take.
    smtp.control.rcptDelayMs = 300;
    try {
      const mailer = createMailer({ db: fresh.db, transport, from, clock });
      const params = { key: 'requisition-r10/step-1/assigned', template: 'task-assigned', to: { address: 'ada@example.com', name: 'Ada' }, data } as const;
      expect(await mailer.send(params)).toMatchObject({ status: 'sent' });
    } finally {
      net.Socket.prototype.write = write;
      smtp.control.rcptDelayMs = 0;
      await fresh.close();
    }
    const marked = writes.findIndex((w) => w.to === 'database' && w.text.includes("set status = 'handing_off'"));
    const commit = writes.findIndex((w, index) => index > marked && w.to === 'database' && /^commit$/im.test(w.text.split('; ').join('\n')));
    const end = writes.findIndex((w) => w.to === 'smtp' && /(^|\r\n)\.\r\n$/.test(w.text));
    expect(marked).toBeGreaterThanOrEqual(0);
    expect(commit).toBeGreaterThan(marked);
    // The whole message (its closing MIME boundary) went out before the COMMIT.
    expect(writes.slice(0, commit).some((w) => w.to === 'smtp' && /-Part_\d+--\r\n$/.test(w.text))).toBe(true);
    // The very next write after the COMMIT is the end mark: no round trip, no other turn between them.
    expect(end).toBe(commit + 1);
  });
});

const tokenOf = (url: string) => url.split('/action/')[1]!;

/** The jti of an issued link, read back from its (signed, not secret) payload. */
function jtiOf(url: string): string {
  const body = tokenOf(url).split('.')[0]!;
  return (JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { jti: string }).jti;
}

/** Just enough MIME to read what nodemailer writes: headers, encoded words, multipart/alternative, QP and base64. */
function parseMessage(raw: string) {
  const [head, body] = splitHead(raw);
  const headers = parseHeaders(head);
  const boundary = /boundary="?([^";]+)"?/i.exec(headers.get('content-type') ?? '')?.[1];
  const parts = new Map<string, string>();
  if (boundary) {
    for (const chunk of body.split(`--${boundary}`).slice(1, -1)) {
      const [partHead, partBody] = splitHead(chunk.replace(/^\r\n/, ''));
      const partHeaders = parseHeaders(partHead);
      const type = (partHeaders.get('content-type') ?? '').split(';')[0]!.trim();
      parts.set(type, decodeBody(partBody, partHeaders.get('content-transfer-encoding') ?? '7bit'));
    }
  }
  return {
    header: (name: string) => decodeWords(headers.get(name) ?? ''),
    part: (type: string) => parts.get(type) ?? '',
  };
}

function splitHead(text: string): [string, string] {
  const index = text.indexOf('\r\n\r\n');
  return [text.slice(0, index), text.slice(index + 4)];
}

function parseHeaders(head: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

function decodeBody(body: string, encoding: string): string {
  if (/base64/i.test(encoding)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (/quoted-printable/i.test(encoding)) return decodeQuotedPrintable(body);
  return body;
}

function decodeQuotedPrintable(text: string): string {
  const joined = text.replace(/=\r\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    if (joined[i] === '=' && /^[0-9A-F]{2}$/i.test(joined.slice(i + 1, i + 3))) {
      bytes.push(parseInt(joined.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(joined.charCodeAt(i));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** RFC 2047 encoded words (=?UTF-8?Q?...?= / =?UTF-8?B?...?=), adjacent ones joined. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QB])\?([^?]*)\?=/gi, (_, _charset: string, kind: string, text: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decodeQuotedPrintable(text.replace(/_/g, ' ')),
    );
}

/**
 * The SQL of the PostgreSQL frontend messages in one socket write: Query and
 * Parse carry their text; Bind names a statement some Parse prepared earlier.
 */
function sqlOf(bytes: Buffer, statements: Map<string, string>): string[] {
  const sql: string[] = [];
  const cString = (at: number): [string, number] => {
    const zero = bytes.indexOf(0, at);
    return [bytes.toString('utf8', at, zero), zero + 1];
  };
  for (let at = 0; at + 5 <= bytes.length; at += 1 + bytes.readInt32BE(at + 1)) {
    const type = String.fromCharCode(bytes[at]!);
    if (type === 'Q') sql.push(cString(at + 5)[0]);
    if (type === 'P') {
      const [name, next] = cString(at + 5);
      const [text] = cString(next);
      if (name) statements.set(name, text);
      sql.push(text);
    }
    if (type === 'B') {
      const [, next] = cString(at + 5);
      const [name] = cString(next);
      sql.push(statements.get(name) ?? `(unnamed)`);
    }
  }
  return sql;
}
