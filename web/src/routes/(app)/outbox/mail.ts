import { z } from 'zod';

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
