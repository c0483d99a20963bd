import { createHash } from 'node:crypto';
import type { Database } from '../../db/client.ts';
import { findMailByKey, insertMail, markMailFailed, markMailSending, markMailSent, markMailStored, markMailUnconfirmed } from '../../db/queries/mail.ts';
import { renderMail } from './render.ts';
import type { MailTemplate, MailTemplates } from './templates.ts';
import type { MailTransport } from './transport.ts';

export { findMail, listOutbox, type ListOutboxParams, type OutboxItem } from '../../db/queries/mail.ts';

export interface MailerDeps {
  db: Database;
  /** undefined: dev mode, the outbox is the delivery. */
  transport: MailTransport | undefined;
  /** MAIL_FROM, e.g. "Procurement <procurement@example.com>". */
  from: string;
  clock?: () => Date;
}

export interface MailRecipient {
  userId?: string | null;
  address: string;
  name: string;
}

/** A template together with its data: the compiler checks that they belong together. */
export type MailContent = { [T in MailTemplate]: { template: T; data: MailTemplates[T] } }[MailTemplate];

export type SendMailParams = MailContent & {
  /** Idempotency key: workflow id + step, e.g. `${workflowId}/approval-1/assigned`. */
  key: string;
  to: MailRecipient;
  processId?: string | null;
};

export interface SendMailResult {
  id: string;
  status: 'stored' | 'sent' | 'unconfirmed';
  /** True when nothing was sent now because this key was already delivered (or stored, in dev). */
  duplicate: boolean;
}

/**
 * Sends each mail at most once per key, however often the activity is retried.
 *
 * The row is written first, on its own, so the outbox shows the mail even if
 * sending never succeeds. Before the SMTP hand-off the row is marked
 * 'sending' and committed; after it, 'sent'. SMTP has no idempotency, so a
 * crash during the hand-off leaves it unknown whether the server took the
 * mail: a retry that finds 'sending' does not send again (no duplicate) but
 * marks the row 'unconfirmed' for an admin to check in the outbox. A refusal
 * by the server ('failed') is safe to retry, and is. Every attempt carries the
 * same Message-ID.
 */
export function createMailer(deps: MailerDeps) {
  const clock = deps.clock ?? (() => new Date());

  async function send(params: SendMailParams): Promise<SendMailResult> {
    const rendered = renderMail<MailTemplate>(params.template, params.data);
    const inserted = await insertMail(deps.db, {
      idempotencyKey: params.key,
      template: params.template,
      toUserId: params.to.userId ?? null,
      toAddress: params.to.address,
      processId: params.processId ?? null,
      ...rendered,
    });
    const duplicate = !inserted;

    const claim = await deps.db.transaction(async (tx) => {
      const row = await findMailByKey(tx, params.key, { lock: true });
      if (!row) throw new Error(`mail ${params.key} vanished from the outbox`);
      if (row.status === 'sent') return { done: { id: row.id, status: 'sent', duplicate: true } satisfies SendMailResult };
      if (row.status === 'sending' || row.status === 'unconfirmed') {
        if (row.status === 'sending') await markMailUnconfirmed(tx, { id: row.id, error: 'the sender stopped during the SMTP hand-off; not resent to avoid a duplicate' });
        return { done: { id: row.id, status: 'unconfirmed', duplicate: true } satisfies SendMailResult };
      }
      if (!deps.transport) {
        if (row.status === 'failed') await markMailStored(tx, row.id);
        return { done: { id: row.id, status: 'stored', duplicate } satisfies SendMailResult };
      }
      await markMailSending(tx, row.id);
      return { done: undefined, row };
    });
    if (claim.done) return claim.done;
    const { row } = claim;
    const messageId = messageIdFor(params.key);
    let accepted: { messageId: string };
    try {
      accepted = await deps.transport!.sendMail({
        from: deps.from,
        to: { name: params.to.name, address: row.toAddress },
        subject: row.subject,
        html: row.html,
        text: row.text,
        messageId,
        headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
      });
    } catch (error) {
      // The server refused or could not be reached: nothing was delivered, so Temporal's retry sends it again.
      await markMailFailed(deps.db, { id: row.id, error: describe(error) });
      throw error;
    }
    await markMailSent(deps.db, { id: row.id, messageId: accepted.messageId || messageId, sentAt: clock() });
    return { id: row.id, status: 'sent', duplicate: false };
  }

  return { send };
}

export type Mailer = ReturnType<typeof createMailer>;

/** Deterministic per key: every attempt at one mail carries the same Message-ID. */
export function messageIdFor(key: string): string {
  return `<${createHash('sha256').update(key).digest('hex')}@procurement.local>`;
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.slice(0, 2000);
}
