import { and, count, desc, eq, inArray, isNull, max, or, sql } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import {
  apiTokens,
  auditLog,
  erasureRequests,
  idempotencyKeys,
  invoices,
  legalHolds,
  mailOutbox,
  purchaseOrders,
  requisitions,
  sessions,
  suppliers,
  tasks,
  users,
  type ErasureRequestRow,
} from '../schema/index.ts';

/**
 * Personal data of the people in this system (SPEC 4.4): users and supplier
 * contacts. Anonymising keeps every row (others refer to it by id, and
 * amounts, dates and numbers must still add up) and replaces what names or
 * reaches the person. Both anonymisers are idempotent: a retried activity or
 * a second disposal writes the same values again. The retention disposal
 * calls them for the `user_account` and `supplier_contact` classes.
 */

export const formerUserName = (userId: string) => `Former user ${userId.slice(0, 8)}`;
export const formerUserEmail = (userId: string) => `former-${userId}@anonymised.invalid`;
export const formerSupplierEmail = (supplierId: string) => `former-supplier-${supplierId}@anonymised.invalid`;
/** No hash of any password has this form: the account cannot sign in (it is also deactivated). */
const UNUSABLE_PASSWORD = '!anonymised';
const ERASED_SUBJECT = 'Message to a person whose data was erased';
const ERASED_TEXT = 'The content of this message was erased at the request of its recipient (personal data). The record that it was sent is kept.';
const ERASED_HTML = `<p>${ERASED_TEXT}</p>`;

/** A name as it appears in JSON text and in HTML mail bodies (handlebars escapes it). */
const jsonInner = (text: string) => JSON.stringify(text).slice(1, -1);
const htmlEscaped = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;').replace(/`/g, '&#x60;').replace(/=/g, '&#x3D;');

/**
 * Anonymises a user: name and e-mail replaced, password unusable, account
 * deactivated, sessions deleted (they hold IP and browser), API tokens
 * revoked and their names cleared, delegation and out-of-office cleared (also
 * where others named them delegate), stored idempotent answers of their
 * requests deleted; mails to them lose address and content. Their name is
 * taken out of the task details and mails of their own requisitions' processes
 * (which quote the requester). Department, roles and every id reference stay:
 * tasks they decided, with their comments, are the business record of those
 * decisions and stay as written.
 */
export async function anonymiseUser(tx: Executor, userId: string, now: Date): Promise<void> {
  const [user] = await tx.select({ name: users.name, anonymisedAt: users.anonymisedAt }).from(users).where(eq(users.id, userId)).limit(1);
  if (!user) return;
  const formerName = formerUserName(userId);
  if (user.name !== formerName && user.name.trim().length >= 3) {
    // Their requisitions' processes quote them (requester name in task details and mails).
    const processIds = sql`select r.workflow_id from requisitions r where r.requester_id = ${userId} and r.workflow_id is not null`;
    const inJson = jsonInner(user.name);
    await tx.execute(sql`update tasks set data = replace(data::text, ${inJson}, ${jsonInner(formerName)})::jsonb
      where process_id in (${processIds}) and strpos(data::text, ${inJson}) > 0`);
    for (const form of [...new Set([user.name, htmlEscaped(user.name)])]) {
      await tx.execute(sql`update mail_outbox set subject = replace(subject, ${form}, ${formerName}), html = replace(html, ${form}, ${formerName}), text = replace(text, ${form}, ${formerName})
        where process_id in (${processIds}) and (strpos(subject, ${form}) > 0 or strpos(html, ${form}) > 0 or strpos(text, ${form}) > 0)`);
    }
  }
  await tx
    .update(users)
    .set({
      name: formerName,
      email: formerUserEmail(userId),
      passwordHash: UNUSABLE_PASSWORD,
      active: false,
      demo: false,
      deactivatedAt: sql`coalesce(${users.deactivatedAt}, ${now.toISOString()}::timestamptz)`,
      failedLoginCount: 0,
      lockedUntil: null,
      outOfOfficeFrom: null,
      outOfOfficeUntil: null,
      delegateId: null,
      anonymisedAt: user.anonymisedAt ?? now,
      updatedAt: now,
    })
    .where(eq(users.id, userId));
  await tx.update(users).set({ delegateId: null, outOfOfficeFrom: null, outOfOfficeUntil: null }).where(eq(users.delegateId, userId));
  await tx.delete(sessions).where(eq(sessions.userId, userId));
  await tx.update(apiTokens).set({ name: 'revoked (owner erased)', revokedAt: sql`coalesce(${apiTokens.revokedAt}, ${now.toISOString()}::timestamptz)` }).where(eq(apiTokens.userId, userId));
  await tx.delete(idempotencyKeys).where(eq(idempotencyKeys.principal, userId));
  await tx.update(mailOutbox).set({ toAddress: formerUserEmail(userId), subject: ERASED_SUBJECT, html: ERASED_HTML, text: ERASED_TEXT }).where(eq(mailOutbox.toUserId, userId));
}

/**
 * Anonymises a supplier's contact: the contact person, e-mail, phone and
 * address replaced (the e-mail by a `.invalid` address nothing is sent to),
 * and mails sent to that address lose address and content. The company's
 * name, tax id, terms, and every order, invoice and amount stay. The
 * supplier's `updated_at` stays too: it dates the last dealings, which
 * retention counts from.
 */
export async function anonymiseSupplierContact(tx: Executor, supplierId: string, now: Date): Promise<void> {
  const [supplier] = await tx.select({ email: suppliers.email, anonymisedAt: suppliers.contactAnonymisedAt }).from(suppliers).where(eq(suppliers.id, supplierId)).limit(1);
  if (!supplier) return;
  const former = formerSupplierEmail(supplierId);
  await tx.update(mailOutbox).set({ toAddress: former, subject: ERASED_SUBJECT, html: ERASED_HTML, text: ERASED_TEXT }).where(and(isNull(mailOutbox.toUserId), inArray(mailOutbox.toAddress, [...new Set([supplier.email, former])])));
  await tx.update(suppliers).set({ contactName: null, email: former, phone: null, address: null, contactAnonymisedAt: supplier.anonymisedAt ?? now }).where(eq(suppliers.id, supplierId));
}

// ---- what stops or limits an erasure ----

export type PersonKindParam = ErasureRequestRow['personKind'];

export interface HoldInForce {
  id: string;
  target: string;
  reason: string;
}

/** Legal holds in force on the person: on a user's account, or on a supplier (all of it) or its contact data. */
export async function holdsOnPerson(db: Executor, kind: PersonKindParam, personId: string): Promise<HoldInForce[]> {
  const covers =
    kind === 'user'
      ? and(eq(legalHolds.recordClass, 'user_account'), eq(legalHolds.recordId, personId))
      : or(eq(legalHolds.supplierId, personId), and(eq(legalHolds.recordClass, 'supplier_contact'), eq(legalHolds.recordId, personId)));
  return db.select({ id: legalHolds.id, target: legalHolds.target, reason: legalHolds.reason }).from(legalHolds).where(and(isNull(legalHolds.releasedAt), covers)).orderBy(legalHolds.placedAt).limit(20);
}

/** Open tasks the user holds (their work must be handed on first). */
export async function countOpenTasksOf(db: Executor, userId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(tasks).where(and(eq(tasks.assigneeId, userId), eq(tasks.status, 'open')));
  return row?.n ?? 0;
}

/** A supplier's running dealings: orders not closed or cancelled, invoices not paid or rejected (they are sent to its contact). */
export async function countRunningDealings(db: Executor, supplierId: string): Promise<{ orders: number; invoices: number }> {
  const [orders] = await db.select({ n: count() }).from(purchaseOrders).where(and(eq(purchaseOrders.supplierId, supplierId), sql`${purchaseOrders.status} not in ('closed', 'cancelled')`));
  const [open] = await db.select({ n: count() }).from(invoices).where(and(eq(invoices.supplierId, supplierId), sql`${invoices.status} not in ('paid', 'rejected')`));
  return { orders: orders?.n ?? 0, invoices: open?.n ?? 0 };
}

export interface UserRecordFacts {
  requisitions: number;
  /** Last change of their ended requisitions (retention counts from it); null when none ended. */
  requisitionsEndedLast: Date | null;
  requisitionsRunning: number;
  decisions: number;
  auditEntries: number;
  auditLast: Date | null;
}

/** What retained records name the user, counted on their indexes (for the erasure's answer). */
export async function userRecordFacts(db: Executor, userId: string): Promise<UserRecordFacts> {
  const [reqs] = await db
    .select({
      n: count(),
      endedLast: sql<string | null>`max(${requisitions.updatedAt}) filter (where ${requisitions.status} in ('rejected', 'withdrawn', 'closed'))`,
      running: sql<number>`count(*) filter (where ${requisitions.status} not in ('draft', 'rejected', 'withdrawn', 'closed'))`.mapWith(Number),
    })
    .from(requisitions)
    .where(eq(requisitions.requesterId, userId));
  const [decisions] = await db.select({ n: count() }).from(tasks).where(eq(tasks.completedById, userId));
  const [audits] = await db.select({ n: count(), last: max(auditLog.at) }).from(auditLog).where(eq(auditLog.actorId, userId));
  return {
    requisitions: reqs?.n ?? 0,
    requisitionsEndedLast: reqs?.endedLast ? new Date(reqs.endedLast) : null,
    requisitionsRunning: reqs?.running ?? 0,
    decisions: decisions?.n ?? 0,
    auditEntries: audits?.n ?? 0,
    auditLast: audits?.last ?? null,
  };
}

export interface SupplierRecordFacts {
  orders: number;
  ordersClosedLast: Date | null;
  invoices: number;
  invoicesSettledLast: Date | null;
  auditEntries: number;
  auditLast: Date | null;
}

export async function supplierRecordFacts(db: Executor, supplierId: string): Promise<SupplierRecordFacts> {
  const [orders] = await db
    .select({ n: count(), closedLast: sql<string | null>`max(${purchaseOrders.closedAt}) filter (where ${purchaseOrders.status} in ('closed', 'cancelled'))` })
    .from(purchaseOrders)
    .where(eq(purchaseOrders.supplierId, supplierId));
  const [bills] = await db
    .select({ n: count(), settledLast: sql<string | null>`max(coalesce(${invoices.paidAt}, ${invoices.rejectedAt}))` })
    .from(invoices)
    .where(eq(invoices.supplierId, supplierId));
  const [audits] = await db.select({ n: count(), last: max(auditLog.at) }).from(auditLog).where(and(eq(auditLog.subjectType, 'Supplier'), eq(auditLog.subjectId, supplierId)));
  return {
    orders: orders?.n ?? 0,
    ordersClosedLast: orders?.closedLast ? new Date(orders.closedLast) : null,
    invoices: bills?.n ?? 0,
    invoicesSettledLast: bills?.settledLast ? new Date(bills.settledLast) : null,
    auditEntries: audits?.n ?? 0,
    auditLast: audits?.last ?? null,
  };
}

// ---- erasure requests ----

export async function insertErasureRequest(db: Executor, values: typeof erasureRequests.$inferInsert): Promise<ErasureRequestRow> {
  const [row] = await db.insert(erasureRequests).values(values).returning();
  return row!;
}

export async function findErasureRequest(db: Executor, id: string, options: { lock?: boolean } = {}): Promise<ErasureRequestRow | undefined> {
  const query = db.select().from(erasureRequests).where(eq(erasureRequests.id, id)).limit(1);
  const [row] = options.lock ? await query.for('update') : await query;
  return row;
}

export async function findOpenErasureRequest(db: Executor, kind: PersonKindParam, personId: string): Promise<ErasureRequestRow | undefined> {
  const [row] = await db
    .select()
    .from(erasureRequests)
    .where(and(eq(erasureRequests.personKind, kind), eq(erasureRequests.personId, personId), inArray(erasureRequests.status, ['pending_approval', 'approved'])))
    .limit(1);
  return row;
}

export async function updateErasureRequest(db: Executor, id: string, values: Partial<typeof erasureRequests.$inferInsert>): Promise<ErasureRequestRow | undefined> {
  const [row] = await db.update(erasureRequests).set(values).where(eq(erasureRequests.id, id)).returning();
  return row;
}

export interface ListErasureRequestsParams {
  limit: number;
  /** Keyset: the id of the last request of the previous page (newest first). */
  after?: string | undefined;
  status?: ErasureRequestRow['status'] | undefined;
}

/** Requests newest first, with who asked and the person's name as it is now (a former user once erased). */
export async function listErasureRequests(db: Executor, params: ListErasureRequestsParams) {
  const after = params.after
    ? sql`(${erasureRequests.requestedAt}, ${erasureRequests.id}) < (select e.requested_at, e.id from erasure_requests e where e.id = ${params.after})`
    : undefined;
  return db
    .select({ request: erasureRequests, requestedByName: users.name, personLabel: personLabelOf() })
    .from(erasureRequests)
    .innerJoin(users, eq(users.id, erasureRequests.requestedById))
    .where(and(after, params.status ? eq(erasureRequests.status, params.status) : undefined))
    .orderBy(desc(erasureRequests.requestedAt), desc(erasureRequests.id))
    .limit(params.limit);
}

export async function findErasureRequestView(db: Executor, id: string) {
  const [row] = await db
    .select({ request: erasureRequests, requestedByName: users.name, personLabel: personLabelOf() })
    .from(erasureRequests)
    .innerJoin(users, eq(users.id, erasureRequests.requestedById))
    .where(eq(erasureRequests.id, id))
    .limit(1);
  return row;
}

/** The person in words: a user's name, or "<contact> at <supplier>" (the company alone once erased). */
function personLabelOf() {
  return sql<string>`case ${erasureRequests.personKind}
    when 'user' then (select u.name from users u where u.id = ${erasureRequests.personId})
    else (select coalesce(s.contact_name || ' at ', 'Contact at ') || s.name from suppliers s where s.id = ${erasureRequests.personId}) end`;
}

// ---- access export (Art. 15) ----

/** Every section holds at most this many items, newest first. */
export const EXPORT_SECTION_LIMIT = 1000;

export const findUserForExport = async (db: Executor, userId: string) => (await db.select().from(users).where(eq(users.id, userId)).limit(1))[0];

export interface ExportSection {
  name: string;
  description: string;
  items: Record<string, unknown>[];
  truncated: boolean;
}

const section = (name: string, description: string, rows: Record<string, unknown>[]): ExportSection => ({
  name,
  description,
  items: rows.slice(0, EXPORT_SECTION_LIMIT),
  truncated: rows.length > EXPORT_SECTION_LIMIT,
});
const cap = EXPORT_SECTION_LIMIT + 1;

/** What the system holds about a user beyond their account row, each section on an index of its own. */
export async function userExportSections(db: Executor, userId: string): Promise<ExportSection[]> {
  const reqs = await db
    .select({ id: requisitions.id, number: requisitions.number, title: requisitions.title, status: requisitions.status, total: requisitions.total, createdAt: requisitions.createdAt, decidedAt: requisitions.decidedAt })
    .from(requisitions)
    .where(eq(requisitions.requesterId, userId))
    .orderBy(desc(requisitions.createdAt))
    .limit(cap);
  const taskColumns = { id: tasks.id, kind: tasks.kind, title: tasks.title, businessKey: tasks.businessKey, status: tasks.status, outcome: tasks.outcome, comment: tasks.comment, createdAt: tasks.createdAt, completedAt: tasks.completedAt };
  // Open ones (on the inbox index); closed ones are under decisions when they completed them.
  const assigned = await db.select(taskColumns).from(tasks).where(and(eq(tasks.assigneeId, userId), eq(tasks.status, 'open'))).orderBy(desc(tasks.createdAt)).limit(cap);
  const decided = await db.select({ ...taskColumns, onBehalfOfId: tasks.onBehalfOfId }).from(tasks).where(eq(tasks.completedById, userId)).orderBy(desc(tasks.completedAt)).limit(cap);
  const audits = await db
    .select({ id: auditLog.id, at: auditLog.at, action: auditLog.action, subjectType: auditLog.subjectType, subjectId: auditLog.subjectId, onBehalfOfId: auditLog.onBehalfOfId, ip: auditLog.ip, userAgent: auditLog.userAgent })
    .from(auditLog)
    .where(eq(auditLog.actorId, userId))
    .orderBy(desc(auditLog.id))
    .limit(cap);
  const mails = await db
    .select({ id: mailOutbox.id, template: mailOutbox.template, toAddress: mailOutbox.toAddress, subject: mailOutbox.subject, text: mailOutbox.text, status: mailOutbox.status, createdAt: mailOutbox.createdAt, sentAt: mailOutbox.sentAt })
    .from(mailOutbox)
    .where(eq(mailOutbox.toUserId, userId))
    .orderBy(desc(mailOutbox.createdAt))
    .limit(cap);
  const sessionRows = await db
    .select({ id: sessions.id, createdAt: sessions.createdAt, expiresAt: sessions.expiresAt, revokedAt: sessions.revokedAt, ip: sessions.ip, userAgent: sessions.userAgent })
    .from(sessions)
    .where(eq(sessions.userId, userId))
    .orderBy(desc(sessions.createdAt))
    .limit(cap);
  const tokens = await db
    .select({ id: apiTokens.id, name: apiTokens.name, prefix: apiTokens.prefix, createdAt: apiTokens.createdAt, expiresAt: apiTokens.expiresAt, lastUsedAt: apiTokens.lastUsedAt, revokedAt: apiTokens.revokedAt })
    .from(apiTokens)
    .where(eq(apiTokens.userId, userId))
    .orderBy(desc(apiTokens.createdAt))
    .limit(cap);
  const erasures = await db.select().from(erasureRequests).where(and(eq(erasureRequests.personKind, 'user'), eq(erasureRequests.personId, userId))).orderBy(desc(erasureRequests.requestedAt)).limit(cap);
  return [
    section('requisitions', 'Requisitions they requested', reqs),
    section('openTasks', 'Open tasks assigned to them', assigned),
    section('decisions', 'Tasks they completed: their decisions and comments', decided),
    section('auditEntries', 'Audit entries of what they did (with the address and browser it came from)', audits),
    section('mails', 'E-mails sent to them', mails),
    section('sessions', 'Browser sign-ins (no secrets: tokens are stored only as hashes and are not exported)', sessionRows),
    section('apiTokens', 'Personal API tokens (metadata only)', tokens),
    section('erasureRequests', 'Requests to erase their data', erasures),
  ];
}

/** What the system holds about a supplier's contact beyond the contact fields: the dealings it was the contact for, as references. */
export async function supplierExportSections(db: Executor, supplierId: string, email: string): Promise<ExportSection[]> {
  const orders = await db
    .select({ id: purchaseOrders.id, number: purchaseOrders.number, status: purchaseOrders.status, total: purchaseOrders.total, currency: purchaseOrders.currency, createdAt: purchaseOrders.createdAt })
    .from(purchaseOrders)
    .where(eq(purchaseOrders.supplierId, supplierId))
    .orderBy(desc(purchaseOrders.createdAt))
    .limit(cap);
  const bills = await db
    .select({ id: invoices.id, number: invoices.number, invoiceNumber: invoices.invoiceNumber, status: invoices.status, invoiceDate: invoices.invoiceDate, total: invoices.total, currency: invoices.currency })
    .from(invoices)
    .where(eq(invoices.supplierId, supplierId))
    .orderBy(desc(invoices.invoiceDate))
    .limit(cap);
  const mails = await db
    .select({ id: mailOutbox.id, template: mailOutbox.template, toAddress: mailOutbox.toAddress, subject: mailOutbox.subject, status: mailOutbox.status, createdAt: mailOutbox.createdAt, sentAt: mailOutbox.sentAt })
    .from(mailOutbox)
    .where(and(isNull(mailOutbox.toUserId), eq(mailOutbox.toAddress, email)))
    .orderBy(desc(mailOutbox.createdAt))
    .limit(cap);
  const audits = await db
    .select({ id: auditLog.id, at: auditLog.at, action: auditLog.action, actorId: auditLog.actorId })
    .from(auditLog)
    .where(and(eq(auditLog.subjectType, 'Supplier'), eq(auditLog.subjectId, supplierId)))
    .orderBy(desc(auditLog.id))
    .limit(cap);
  const erasures = await db.select().from(erasureRequests).where(and(eq(erasureRequests.personKind, 'supplier_contact'), eq(erasureRequests.personId, supplierId))).orderBy(desc(erasureRequests.requestedAt)).limit(cap);
  return [
    section('purchaseOrders', 'Orders sent to this contact (references)', orders),
    section('invoices', "The supplier's invoices (references)", bills),
    section('mails', "E-mails sent to the contact's address", mails),
    section('auditEntries', 'Audit entries about the supplier: changes and every read of the contact data', audits),
    section('erasureRequests', 'Requests to erase the contact data', erasures),
  ];
}

/** Requests filed `olderThanSeconds` ago whose approval task does not exist: their process start failed or never came (the relay starts it). */
export async function erasureRequestsAwaitingStart(db: Executor, params: { olderThanSeconds: number; limit: number }): Promise<ErasureRequestRow[]> {
  return db
    .select()
    .from(erasureRequests)
    .where(
      and(
        eq(erasureRequests.status, 'pending_approval'),
        sql`${erasureRequests.requestedAt} < now() - make_interval(secs => ${params.olderThanSeconds})`,
        sql`not exists (select 1 from tasks t where t.process_id = ${erasureRequests.workflowId})`,
      ),
    )
    .orderBy(erasureRequests.requestedAt)
    .limit(params.limit);
}
