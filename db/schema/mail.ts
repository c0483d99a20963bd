import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { timestampColumn as at, users } from './users.ts';

/** A file attached to a mail: the document row holds its bytes. */
export interface MailAttachmentRef {
  documentId: string;
  filename: string;
  contentType: string;
}

export type MailStatus = 'stored' | 'sending' | 'handing_off' | 'sent' | 'failed' | 'unconfirmed';

/**
 * Every e-mail, keyed by what caused it (workflow id + step), so a retried
 * activity finds the row and does not send again. In dev mode this is the
 * outbox the web app shows; with SMTP_URL the row also records the sending.
 */
export const mailOutbox = pgTable(
  'mail_outbox',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    idempotencyKey: text('idempotency_key').notNull().unique(),
    template: text('template').notNull(),
    toUserId: uuid('to_user_id').references(() => users.id),
    toAddress: text('to_address').notNull(),
    subject: text('subject').notNull(),
    html: text('html').notNull(),
    text: text('text').notNull(),
    processId: text('process_id'),
    /** Files sent with the mail (a PO's PDF), read from `documents` when it is handed to SMTP. */
    attachments: jsonb('attachments').$type<MailAttachmentRef[]>(),
    /**
     * stored (outbox only) -> sending (streaming to SMTP, end of message held back) -> handing_off
     * (end of message released) -> sent; failed (SMTP refused: retried); a sender that died while
     * 'sending' is resent; while 'handing_off' it becomes unconfirmed (not resent, an admin checks it).
     */
    status: text('status').$type<MailStatus>().notNull().default('stored'),
    /** While 'sending': which attempt sends, and until when (database time) its claim holds; past it the sender is presumed dead. */
    sendingBy: uuid('sending_by'),
    sendingUntil: at('sending_until'),
    messageId: text('message_id'),
    error: text('error'),
    createdAt: at('created_at').notNull().defaultNow(),
    sentAt: at('sent_at'),
  },
  (table) => [
    index('mail_outbox_created_idx').on(table.createdAt),
    index('mail_outbox_process_idx').on(table.processId),
    // An erasure finds a person's mails: a user's by id, a supplier contact's by address.
    index('mail_outbox_to_user_idx').on(table.toUserId).where(sql`${table.toUserId} is not null`),
    index('mail_outbox_to_address_idx').on(table.toAddress).where(sql`${table.toUserId} is null`),
  ],
);

/** One row per e-mailed action link: the signature proves origin, this row makes it single-use. */
export const actionLinks = pgTable('action_links', {
  id: uuid('id').primaryKey(),
  taskId: uuid('task_id').notNull(),
  action: text('action').notNull(),
  userId: uuid('user_id').notNull().references(() => users.id),
  expiresAt: at('expires_at').notNull(),
  usedAt: at('used_at'),
  createdAt: at('created_at').notNull().defaultNow(),
  meta: jsonb('meta'),
});

export type MailRow = typeof mailOutbox.$inferSelect;
