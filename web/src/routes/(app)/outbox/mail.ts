import { z } from 'zod';
import type { StatusView } from '$lib/labels';

/** A mail as GET /outbox lists it. The API keeps this schema to itself, so the web app states the shape it reads. */
export const outboxMail = z.object({
  id: z.string(),
  template: z.string(),
  toAddress: z.string(),
  subject: z.string(),
  status: z.string(),
  processId: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable()
});
export type OutboxMail = z.infer<typeof outboxMail>;

export const outboxMailWithBody = outboxMail.extend({ html: z.string(), text: z.string() });

/** The mail statuses db/schema/mail.ts knows; one added there shows as its code until it is named here. */
export const mailStatusLabels: Record<string, StatusView> = {
  stored: { label: 'Stored', tone: 'neutral' },
  sending: { label: 'Sending', tone: 'neutral' },
  handing_off: { label: 'Handing off', tone: 'neutral' },
  sent: { label: 'Sent', tone: 'success' },
  failed: { label: 'Failed', tone: 'danger' },
  unconfirmed: { label: 'Unconfirmed', tone: 'warning' }
};
