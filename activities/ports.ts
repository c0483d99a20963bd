import type { ActionLinks } from './mail/action-links.ts';
import type { Mailer } from './mail/mailer.ts';

/** What the process activities need from the mail side: narrowed, so tests and the worker inject the real parts. */
export type MailPort = Pick<Mailer, 'send' | 'enqueue' | 'deliverPending'>;
export type ActionLinkPort = Pick<ActionLinks, 'issue'>;
