import { and, eq, isNotNull, sql } from 'drizzle-orm';
import type { Executor } from '../client.ts';
import {
  auditLog,
  auditLogDisposals,
  documents,
  goodsReceipts,
  invoiceHolds,
  invoices,
  mailOutbox,
  purchaseOrderRevisions,
  purchaseOrders,
  requisitions,
  supplierLinks,
  tasks,
} from '../schema/index.ts';
import { anonymiseSupplierContact, anonymiseUser } from './personal-data.ts';
import { parseAuditRange } from './retention.ts';

/**
 * What a disposal does to a record of each class (SPEC 4.4): the personal
 * data in it is replaced in place (free text people wrote, names, e-mail
 * addresses, delivery addresses), its documents are deleted, and its
 * amounts, dates, numbers and references stay, so reports still add up and
 * the tombstone can name what was there. Every step is idempotent: a
 * disposal repeated after a crash finds nothing left to change.
 *
 * The audit entries about the record are records of their own (the audit
 * log class): they go when their range does, never with the record.
 */

export type DisposalDetails = Record<string, unknown>;
export type Disposer = (tx: Executor, recordId: string, now: Date) => Promise<DisposalDetails>;

const REDACTED = '[disposed]';
const DISPOSED_ADDRESS = 'disposed@anonymised.invalid';

/** The people-written parts of a process's tasks and mails: comments, questions, recipients, bodies, attachments. */
async function redactProcess(tx: Executor, processId: string | null): Promise<{ tasks: number; mails: number }> {
  if (!processId) return { tasks: 0, mails: 0 };
  const redactedTasks = await tx
    .update(tasks)
    .set({ comment: sql`case when ${tasks.comment} is null then null else ${REDACTED} end`, data: sql`${tasks.data} - 'question' - 'answer' - 'comment'` })
    .where(and(eq(tasks.processId, processId), sql`(${tasks.comment} is not null and ${tasks.comment} <> ${REDACTED}) or ${tasks.data} ?| array['question', 'answer', 'comment']`))
    .returning({ id: tasks.id });
  const redactedMails = await tx
    .update(mailOutbox)
    .set({ toAddress: DISPOSED_ADDRESS, subject: REDACTED, html: REDACTED, text: REDACTED, attachments: null })
    .where(and(eq(mailOutbox.processId, processId), sql`${mailOutbox.toAddress} <> ${DISPOSED_ADDRESS}`))
    .returning({ id: mailOutbox.id });
  return { tasks: redactedTasks.length, mails: redactedMails.length };
}

const requisition: Disposer = async (tx, id) => {
  const [row] = await tx.select({ number: requisitions.number, workflowId: requisitions.workflowId }).from(requisitions).where(eq(requisitions.id, id));
  if (!row) return { missing: true };
  await tx.update(requisitions).set({ title: `Requisition ${row.number ?? id} (disposed)` }).where(eq(requisitions.id, id));
  return { anonymised: ['title'], ...(await redactProcess(tx, row.workflowId)) };
};

const purchaseOrder: Disposer = async (tx, id) => {
  const [row] = await tx.select({ number: purchaseOrders.number, workflowId: purchaseOrders.workflowId }).from(purchaseOrders).where(eq(purchaseOrders.id, id));
  if (!row) return { missing: true };
  await tx.update(purchaseOrders).set({ deliveryAddress: null, note: null, cancelReason: sql`case when ${purchaseOrders.cancelReason} is null then null else ${REDACTED} end` }).where(eq(purchaseOrders.id, id));
  await tx
    .update(purchaseOrderRevisions)
    .set({ snapshot: sql`${purchaseOrderRevisions.snapshot} || '{"deliveryAddress": null, "note": null}'::jsonb`, reason: sql`case when ${purchaseOrderRevisions.reason} is null then null else ${REDACTED} end` })
    .where(eq(purchaseOrderRevisions.purchaseOrderId, id));
  await tx
    .update(supplierLinks)
    .set({ response: sql`case when ${supplierLinks.response} is null then null else ${supplierLinks.response} - 'comment' end` })
    .where(and(eq(supplierLinks.purchaseOrderId, id), isNotNull(supplierLinks.response)));
  // The PDFs went to the supplier; the copies kept here go.
  const deleted = await tx.delete(documents).where(and(eq(documents.subjectType, 'PurchaseOrder'), eq(documents.subjectId, id))).returning({ id: documents.id, filename: documents.filename });
  return { anonymised: ['deliveryAddress', 'note', 'cancelReason', 'revision snapshots', 'supplier responses'], documentsDeleted: deleted.map((doc) => doc.filename), ...(await redactProcess(tx, row.workflowId)) };
};

const goodsReceipt: Disposer = async (tx, id) => {
  const updated = await tx.update(goodsReceipts).set({ note: null }).where(eq(goodsReceipts.id, id)).returning({ id: goodsReceipts.id });
  return updated.length ? { anonymised: ['note'] } : { missing: true };
};

const invoice: Disposer = async (tx, id) => {
  const [row] = await tx.select({ workflowId: invoices.workflowId }).from(invoices).where(eq(invoices.id, id));
  if (!row) return { missing: true };
  await tx.update(invoices).set({ note: null }).where(eq(invoices.id, id));
  await tx.update(invoiceHolds).set({ releaseNote: sql`case when ${invoiceHolds.releaseNote} is null then null else ${REDACTED} end` }).where(eq(invoiceHolds.invoiceId, id));
  return { anonymised: ['note', 'hold release notes'], ...(await redactProcess(tx, row.workflowId)) };
};

const supplierContact: Disposer = async (tx, id, now) => {
  await anonymiseSupplierContact(tx, id, now);
  return { anonymised: ['contact name', 'e-mail', 'phone', 'address'] };
};

const userAccount: Disposer = async (tx, id, now) => {
  await anonymiseUser(tx, id, now);
  return { anonymised: ['name', 'e-mail', 'password', 'sessions and tokens', 'mails to them'] };
};

/**
 * A prefix of the audit chain: the range is recorded first (the database
 * then allows exactly those entries to be deleted), with the hash of its
 * last entry, from which verification of the rest starts. A repeat finds the
 * range recorded and nothing left to delete.
 */
const auditLogRange: Disposer = async (tx, id, now) => {
  const range = parseAuditRange(id);
  if (!range) throw new Error(`audit range ${id} is not <first>-<last>`);
  // One disposal of the chain at a time: each range starts where the last ended.
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext('audit_log_disposal'))`);
  const [recorded] = await tx.select().from(auditLogDisposals).where(eq(auditLogDisposals.firstSeq, range.first));
  let disposal = recorded;
  if (!disposal) {
    const [last] = await tx.select({ hash: auditLog.hash, at: auditLog.at }).from(auditLog).where(eq(auditLog.sealSeq, range.last));
    if (!last?.hash) throw new Error(`audit entry ${range.last} is not sealed`);
    [disposal] = await tx.insert(auditLogDisposals).values({ firstSeq: range.first, lastSeq: range.last, entryCount: range.last - range.first + 1, lastHash: last.hash, lastAt: last.at, disposedAt: now }).returning();
  }
  const removed = await tx
    .delete(auditLog)
    .where(and(isNotNull(auditLog.sealSeq), sql`${auditLog.sealSeq} between ${disposal!.firstSeq} and ${disposal!.lastSeq}`))
    .returning({ id: auditLog.id });
  return { range: { firstSeq: disposal!.firstSeq, lastSeq: disposal!.lastSeq, entries: disposal!.entryCount, lastHash: disposal!.lastHash, lastAt: disposal!.lastAt.toISOString() }, deletedNow: removed.length, disposalId: disposal!.id };
};

export const disposers: Record<string, Disposer> = {
  requisition,
  purchase_order: purchaseOrder,
  goods_receipt: goodsReceipt,
  invoice,
  supplier_contact: supplierContact,
  user_account: userAccount,
  audit_log: auditLogRange,
};

export function disposerOf(recordClass: string): Disposer {
  const disposer = disposers[recordClass];
  if (!disposer) throw new Error(`record class ${recordClass} has no disposer in db/queries/retention-disposal.ts`);
  return disposer;
}
