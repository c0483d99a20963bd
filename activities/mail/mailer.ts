import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Readable } from 'node:stream';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Database, Executor } from '../../db/client.ts';
import { findDocumentIds, findMailByKey, findUndeliveredMail, insertMail, loadAttachments, markMailFailed, markMailHandingOffThen, markMailSending, markMailSent, markMailStored, markMailUnconfirmed, sendingClaimHolds } from '../../db/queries/mail.ts';
import type { MailAttachmentRef, MailRow } from '../../db/schema/index.ts';
import { renderMail } from './render.ts';
import type { MailTemplate, MailTemplates } from './templates.ts';
import type { MailTransport } from './transport.ts';

export { findMail, listOutbox, type ListOutboxParams, type OutboxItem, type OutboxMail } from '../../db/queries/mail.ts';
export type { MailAttachmentRef } from '../../db/schema/index.ts';

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
  /**
   * Files sent with the mail (a PO's PDF), each a `documents` row written
   * before or in the same transaction as the mail. The row keeps the
   * references; the bytes are read from `documents` when the mail is handed
   * to SMTP, so every attempt sends the same file.
   */
  attachments?: readonly MailAttachmentRef[];
};

/** What handing a queued mail to SMTP needs: its key (the Message-ID derives from it) and the recipient's name for the To header. */
export type DeliveryParams = Pick<SendMailParams, 'key' | 'to'>;

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
 * sending never succeeds. SMTP has no idempotency, but a server delivers a
 * message only once it has its end-of-data mark (RFC 5321 4.1.1.4: a message
 * cut off before it is discarded). So the message is streamed to the server
 * with that mark held back: 'sending' is committed first; once the server
 * said go ahead to DATA and has the rest of the message, 'handing_off' is
 * committed and the mark let go (the COMMIT and the mark are the two next
 * writes, one right after the other); then 'sent'.
 *
 * - An attempt that finds 'sending' waits while that sender's claim holds
 *   (it is alive, or just died); after that, the server never had the whole
 *   message (the sender died before the mark), so it sends again.
 * - A retry that finds 'handing_off' cannot know whether the server took it
 *   (the sender died after letting the mark go, before the server's answer
 *   was recorded, or in the microseconds between the COMMIT and the mark): it
 *   does not resend (no duplicate) and marks the row 'unconfirmed' for an
 *   admin to check. So does a sender whose connection breaks after the mark.
 * - A refusal by the server ('failed') is safe to retry, and is.
 *
 * Every attempt carries the same Message-ID.
 */
/** How often an attempt that found another one sending looks again. */
const CLAIM_POLL_MS = 250;

export function createMailer(deps: MailerDeps) {
  const clock = deps.clock ?? (() => new Date());

  /**
   * Writes the mail's outbox row in the caller's transaction (rendered now,
   * from its template and data), so a process step and the mails it causes
   * commit together. Nothing leaves the machine until `deliver`; true when
   * this call wrote the row (false: the key was already there).
   */
  async function enqueue(db: Executor, params: SendMailParams): Promise<boolean> {
    const rendered = renderMail<MailTemplate>(params.template, params.data);
    const attachments = params.attachments?.length ? [...params.attachments] : null;
    if (attachments) {
      // Refused now, in the step that queues it, rather than on every later attempt to send it.
      const existing = await findDocumentIds(db, attachments.map((attachment) => attachment.documentId));
      const missing = attachments.filter((attachment) => !existing.has(attachment.documentId));
      if (missing.length > 0) throw new Error(`mail ${params.key}: no document for attachment ${missing.map((attachment) => attachment.filename).join(', ')}`);
    }
    const inserted = await insertMail(db, {
      idempotencyKey: params.key,
      template: params.template,
      toUserId: params.to.userId ?? null,
      toAddress: params.to.address,
      processId: params.processId ?? null,
      attachments,
      ...rendered,
    });
    return Boolean(inserted);
  }

  async function send(params: SendMailParams): Promise<SendMailResult> {
    return deliver(params, !(await enqueue(deps.db, params)));
  }

  /**
   * Hands an enqueued mail to SMTP once (see the protocol above). In dev mode
   * the outbox row is the delivery, and there is nothing to do.
   */
  async function deliver(params: DeliveryParams, duplicate = false): Promise<SendMailResult> {
    for (;;) {
      const claim = await deps.db.transaction(async (tx) => {
        const row = await findMailByKey(tx, params.key, { lock: true });
        if (!row) throw new Error(`mail ${params.key} vanished from the outbox`);
        if (row.status === 'sent') return { kind: 'done' as const, result: { id: row.id, status: 'sent', duplicate: true } satisfies SendMailResult };
        if (row.status === 'handing_off' || row.status === 'unconfirmed') {
          if (row.status === 'handing_off') await markMailUnconfirmed(tx, { id: row.id, error: 'the sender stopped after releasing the end of the message; not resent to avoid a duplicate' });
          return { kind: 'done' as const, result: { id: row.id, status: 'unconfirmed', duplicate: true } satisfies SendMailResult };
        }
        // Another attempt is sending right now: wait for its outcome. Once its
        // claim has run out it died before the end-of-data mark, and the
        // server delivered nothing: this attempt sends.
        if (row.status === 'sending' && (await sendingClaimHolds(tx, row.id))) return { kind: 'wait' as const };
        if (!deps.transport) {
          if (row.status === 'failed') await markMailStored(tx, row.id);
          return { kind: 'done' as const, result: { id: row.id, status: 'stored', duplicate } satisfies SendMailResult };
        }
        const attempt = randomUUID();
        await markMailSending(tx, { id: row.id, attempt });
        return { kind: 'send' as const, row, attempt };
      });
      if (claim.kind === 'done') return claim.result;
      if (claim.kind === 'wait') {
        await sleep(CLAIM_POLL_MS);
        continue;
      }
      return handOff(params, claim.row, claim.attempt);
    }
  }

  /**
   * Delivers every mail of a process that SMTP has not had yet, after the
   * transaction that queued them has committed. A retried step whose
   * transaction finds its mails already queued still gets them out: what
   * is pending is read from the outbox, not remembered by the attempt.
   */
  async function deliverPending(processId: string): Promise<void> {
    if (!deps.transport) return;
    for (const pending of await findUndeliveredMail(deps.db, processId)) {
      await deliver({ key: pending.key, to: { address: pending.address, name: pending.name ?? '' } });
    }
  }

  /** Streams the message to the SMTP server and lets its end-of-data mark go right behind the COMMIT of 'handing_off'. */
  async function handOff(params: DeliveryParams, row: MailRow, attempt: string): Promise<SendMailResult> {
    const messageId = messageIdFor(params.key);
    let released = false;
    try {
      // Read inside the claim: a document that cannot be read fails this attempt before anything reached the server.
      const attachments = await loadAttachments(deps.db, row.attachments ?? []);
      const message = new MailComposer({
        from: deps.from,
        to: { name: params.to.name, address: row.toAddress },
        subject: row.subject,
        html: row.html,
        text: row.text,
        attachments,
        messageId,
        headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
      }).compile();
      const { from, to } = message.getEnvelope();
      // The transport reads the stream only after the server's go-ahead to DATA, so 'handing_off' is marked with the whole message sent but its end.
      await deps.transport!.send(
        { from: from || '', to },
        holdBackEnd(await message.build(), async (end) => {
          const held = await markMailHandingOffThen(deps.db, { id: row.id, attempt }, () => {
            released = true;
            end();
          });
          if (!held) throw new Error('the sending claim ran out or another attempt took over; stopped before the end of the message');
        }),
      );
    } catch (error) {
      if (released && !refusedByServer(error)) {
        // The mark went out and no answer came back (the connection broke):
        // the server may have the mail. Not resent, so never twice.
        await markMailUnconfirmed(deps.db, { id: row.id, error: `no answer after the end of the message: ${describe(error)}` });
        return { id: row.id, status: 'unconfirmed', duplicate: false };
      }
      // Refused, unreachable, or stopped short of the end mark: nothing was delivered, so Temporal's retry sends it again.
      await markMailFailed(deps.db, { id: row.id, attempt, error: describe(error) });
      throw error;
    }
    await markMailSent(deps.db, { id: row.id, attempt, messageId, sentAt: clock() });
    return { id: row.id, status: 'sent', duplicate: false };
  }

  return { send, enqueue, deliver, deliverPending };
}

export type Mailer = ReturnType<typeof createMailer>;

/**
 * The whole message as a stream whose end (the transport then writes the
 * end-of-data mark) waits for `release` to call `end`; if `release` fails
 * before that, the stream fails and the mark never goes.
 */
function holdBackEnd(message: Buffer, release: (end: () => void) => Promise<void>): Readable {
  let pushed = false;
  let ended = false;
  return new Readable({
    read() {
      if (!pushed) {
        pushed = true;
        this.push(message);
        return;
      }
      release(() => {
        ended = true;
        this.push(null);
      }).catch((error: unknown) => {
        if (!ended) this.destroy(error instanceof Error ? error : new Error(String(error)));
      });
    },
  });
}

/** An SMTP error reply (4xx/5xx) to the message: the server said no, so it does not have it. */
function refusedByServer(error: unknown): boolean {
  const code = (error as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' && code >= 400;
}

/** Deterministic per key: every attempt at one mail carries the same Message-ID. */
export function messageIdFor(key: string): string {
  return `<${createHash('sha256').update(key).digest('hex')}@procurement.local>`;
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.slice(0, 2000);
}
