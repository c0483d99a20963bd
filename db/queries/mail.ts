import { and, asc, desc, eq, getTableColumns, gt, inArray, isNull, sql } from 'drizzle-orm';
import type { Sql } from 'postgres';
import type { Database, Executor } from '../client.ts';
import { actionLinks, mailOutbox, type MailAttachmentRef, type MailRow } from '../schema/mail.ts';
import { documents } from '../schema/purchasing.ts';
import { users } from '../schema/users.ts';

/** Queries of the outbox and of e-mailed action links, midday style: `(db, params)`, db may be a transaction. */

export type ActionLinkRow = typeof actionLinks.$inferSelect;

export interface InsertMailParams {
  idempotencyKey: string;
  template: string;
  toUserId: string | null;
  toAddress: string;
  subject: string;
  html: string;
  text: string;
  processId: string | null;
  /** Files to send with it, each a row of `documents`; null for none. */
  attachments: MailAttachmentRef[] | null;
}

/** The new row, or undefined when a mail with this key exists already. */
export async function insertMail(db: Executor, params: InsertMailParams): Promise<MailRow | undefined> {
  const [row] = await db.insert(mailOutbox).values(params).onConflictDoNothing({ target: mailOutbox.idempotencyKey }).returning();
  return row;
}

/**
 * A process's mails that SMTP has not had (or may not have had) yet:
 * queued, refused, or left mid-send by a sender that died. What `deliver`
 * picks up after a step's transaction, also when a retry of that step finds
 * its mails already queued.
 */
export async function findUndeliveredMail(db: Executor, processId: string): Promise<{ key: string; address: string; name: string | null }[]> {
  return db
    .select({ key: mailOutbox.idempotencyKey, address: mailOutbox.toAddress, name: users.name })
    .from(mailOutbox)
    .leftJoin(users, eq(users.id, mailOutbox.toUserId))
    .where(and(eq(mailOutbox.processId, processId), inArray(mailOutbox.status, ['stored', 'failed', 'sending', 'handing_off'])))
    .orderBy(asc(mailOutbox.createdAt));
}

/** With `lock`, holds the row until the transaction ends: one sender per key at a time. */
export async function findMailByKey(db: Executor, key: string, options: { lock?: boolean } = {}): Promise<MailRow | undefined> {
  const query = db.select().from(mailOutbox).where(eq(mailOutbox.idempotencyKey, key)).limit(1);
  const [row] = options.lock ? await query.for('update') : await query;
  return row;
}

/** One mail with its bodies; `attachments` is a list, empty when it has none. */
export async function findMail(db: Executor, id: string): Promise<OutboxMail | undefined> {
  const [row] = await db.select().from(mailOutbox).where(eq(mailOutbox.id, id)).limit(1);
  return row && { ...row, attachments: row.attachments ?? [] };
}

/** Which of these documents exist (without their bytes): a mail is queued only with files that are there. */
export async function findDocumentIds(db: Executor, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.select({ id: documents.id }).from(documents).where(inArray(documents.id, [...ids]));
  return new Set(rows.map((row) => row.id));
}

/** The bytes of a mail's attachments, in its order, named and typed as the mail says; throws when a document is gone. */
export async function loadAttachments(db: Executor, refs: readonly MailAttachmentRef[]): Promise<{ filename: string; contentType: string; content: Buffer }[]> {
  if (refs.length === 0) return [];
  const rows = await db
    .select({ id: documents.id, content: documents.content })
    .from(documents)
    .where(inArray(documents.id, refs.map((ref) => ref.documentId)));
  const content = new Map(rows.map((row) => [row.id, row.content]));
  return refs.map((ref) => {
    const bytes = content.get(ref.documentId);
    if (!bytes) throw new Error(`attachment ${ref.filename}: document ${ref.documentId} does not exist`);
    return { filename: ref.filename, contentType: ref.contentType, content: Buffer.from(bytes) };
  });
}

/**
 * How long a sending attempt's claim holds. An attempt whose claim ran out
 * can no longer release the end of the message (markMailHandingOff checks),
 * so a slow sender and its successor never both deliver.
 */
export const SENDING_LEASE_SECONDS = 20;

/** True while another attempt's sending claim on this row holds (database time, shared by every worker). */
export async function sendingClaimHolds(db: Executor, id: string): Promise<boolean> {
  const [row] = await db
    .select({ holds: sql<boolean>`coalesce(${mailOutbox.sendingUntil} > now(), false)` })
    .from(mailOutbox)
    .where(eq(mailOutbox.id, id));
  return row?.holds ?? false;
}

/**
 * Committed before the SMTP hand-off starts, with this attempt's claim: a
 * crash now leaves the server without the end of the message, so once the
 * claim runs out a retry sends again.
 */
export async function markMailSending(db: Executor, params: { id: string; attempt: string }): Promise<void> {
  await db
    .update(mailOutbox)
    .set({ status: 'sending', error: null, sendingBy: params.attempt, sendingUntil: sql`now() + make_interval(secs => ${SENDING_LEASE_SECONDS})` })
    .where(eq(mailOutbox.id, params.id));
}

/**
 * Marks 'handing_off' right before the end-of-data mark goes out, only if
 * this attempt still holds an unexpired claim, and calls `release` (which
 * lets the mark go) the moment the COMMIT is written to the database
 * connection, before its acknowledgement: a worker killed after the COMMIT
 * left but before the mark did would leave a 'handing_off' row for a
 * message the server discarded, so the two writes leave one right after
 * the other, with no round trip between them. False (nothing released) when
 * the claim ran out or another attempt took over; the caller then stops
 * short of the mark, and the server discards what it got.
 *
 * On PostgreSQL the transaction runs on a connection of its own, where the
 * COMMIT is written to the socket and `release` runs right behind that write,
 * in the same turn of the event loop (see commitWritten). PGlite runs inside the worker's own
 * process, so there it simply commits, then releases.
 */
export async function markMailHandingOffThen(db: Database, params: { id: string; attempt: string }, release: () => void): Promise<boolean> {
  const client = (db as { $client?: unknown }).$client;
  if (!isPostgresJs(client)) {
    if (!(await markMailHandingOff(db, params))) return false;
    release();
    return true;
  }
  const connection = await client.reserve();
  let acknowledged: Promise<unknown> | undefined;
  try {
    await connection`begin`;
    const marked = await connection`
      update mail_outbox set status = 'handing_off'
      where id = ${params.id} and status = 'sending' and sending_by = ${params.attempt} and sending_until > now()
      returning id`;
    if (marked.length !== 1) {
      await connection`rollback`;
      return false;
    }
    acknowledged = connection`commit`.execute();
    await commitWritten();
    release();
    return true;
  } finally {
    // The connection goes back to the pool once its COMMIT is answered; a
    // failed COMMIT (the database gone) leaves the row 'sending', which the
    // answer from the SMTP server turns into 'sent'.
    if (acknowledged) void acknowledged.then(noop, noop).finally(() => connection.release());
    else connection.release();
  }
}

const noop = () => {};

/**
 * Resolves right after postgres.js has written a query just executed to its
 * socket. postgres.js hands the query to its connection one microtask after
 * `execute()`, and the connection writes it in a `setImmediate` it sets then;
 * an immediate set after that one runs right behind the write, in the same
 * turn of the event loop. (Set any earlier, it would run before the write:
 * the end mark would go first, and a crash between the two would send the
 * mail again.) test/api/mail-smtp.test.ts watches both sockets for this order.
 */
async function commitWritten(): Promise<void> {
  for (let tick = 0; tick < 3; tick += 1) await Promise.resolve();
  await new Promise<void>((resolve) => setImmediate(resolve));
}

function isPostgresJs(client: unknown): client is Sql {
  return typeof client === 'function' && typeof (client as Partial<Sql>).reserve === 'function';
}

/** The claim check behind markMailHandingOffThen, as one committed statement. */
async function markMailHandingOff(db: Executor, params: { id: string; attempt: string }): Promise<boolean> {
  const rows = await db
    .update(mailOutbox)
    .set({ status: 'handing_off' })
    .where(and(eq(mailOutbox.id, params.id), eq(mailOutbox.status, 'sending'), eq(mailOutbox.sendingBy, params.attempt), sql`${mailOutbox.sendingUntil} > now()`))
    .returning({ id: mailOutbox.id });
  return rows.length === 1;
}

export async function markMailSent(db: Executor, params: { id: string; attempt: string; messageId: string; sentAt: Date }): Promise<void> {
  await db
    .update(mailOutbox)
    .set({ status: 'sent', messageId: params.messageId, sentAt: params.sentAt, error: null, sendingUntil: null })
    .where(and(eq(mailOutbox.id, params.id), eq(mailOutbox.sendingBy, params.attempt)));
}

/** The server refused (also at the end mark) or could not be reached before the end mark: safe to send again. Only the attempt holding the claim records it. */
export async function markMailFailed(db: Executor, params: { id: string; attempt: string; error: string }): Promise<void> {
  await db
    .update(mailOutbox)
    .set({ status: 'failed', error: params.error, sendingUntil: null })
    .where(and(eq(mailOutbox.id, params.id), eq(mailOutbox.sendingBy, params.attempt), inArray(mailOutbox.status, ['sending', 'handing_off'])));
}

export async function markMailUnconfirmed(db: Executor, params: { id: string; error: string }): Promise<void> {
  await db.update(mailOutbox).set({ status: 'unconfirmed', error: params.error }).where(eq(mailOutbox.id, params.id));
}

/** Without a transport the outbox is the delivery: a row left 'failed' by an earlier SMTP setup counts as stored. */
export async function markMailStored(db: Executor, id: string): Promise<void> {
  await db.update(mailOutbox).set({ status: 'stored' }).where(eq(mailOutbox.id, id));
}

/** A mail as the outbox shows it: `attachments` is always a list (name and type of each file sent with it). */
export type OutboxMail = Omit<MailRow, 'attachments'> & { attachments: MailAttachmentRef[] };
export type OutboxItem = Omit<OutboxMail, 'html' | 'text'>;

export interface ListOutboxParams {
  limit: number;
  /** Keyset cursor: the id of the last mail of the previous page. */
  before?: string;
  processId?: string;
}

/** Newest first, without the bodies (findMail has them). */
export async function listOutbox(db: Executor, params: ListOutboxParams): Promise<OutboxItem[]> {
  const { html: _html, text: _text, ...columns } = getTableColumns(mailOutbox);
  // Compared in SQL against the cursor row itself: created_at has microseconds a JS Date would lose.
  const before = params.before
    ? sql`(${mailOutbox.createdAt}, ${mailOutbox.id}) < (select m.created_at, m.id from ${mailOutbox} m where m.id = ${params.before})`
    : undefined;
  const rows = await db
    .select(columns)
    .from(mailOutbox)
    .where(and(before, params.processId ? eq(mailOutbox.processId, params.processId) : undefined))
    .orderBy(desc(mailOutbox.createdAt), desc(mailOutbox.id))
    .limit(params.limit);
  return rows.map((row) => ({ ...row, attachments: row.attachments ?? [] }));
}

export interface InsertActionLinkParams {
  id: string;
  taskId: string;
  action: string;
  userId: string;
  expiresAt: Date;
}

export async function insertActionLinks(db: Executor, links: readonly InsertActionLinkParams[]): Promise<void> {
  if (links.length > 0) await db.insert(actionLinks).values([...links]);
}

export async function findActionLink(db: Executor, jti: string): Promise<ActionLinkRow | undefined> {
  const [row] = await db.select().from(actionLinks).where(eq(actionLinks.id, jti)).limit(1);
  return row;
}

/**
 * The single-use guarantee: one conditional UPDATE, so of two concurrent
 * confirmations exactly one sees `true`. An expired link is never consumed.
 */
export async function consumeActionLink(db: Executor, params: { jti: string; now: Date }): Promise<boolean> {
  const rows = await db
    .update(actionLinks)
    .set({ usedAt: params.now })
    .where(and(eq(actionLinks.id, params.jti), isNull(actionLinks.usedAt), gt(actionLinks.expiresAt, params.now)))
    .returning({ id: actionLinks.id });
  return rows.length > 0;
}
