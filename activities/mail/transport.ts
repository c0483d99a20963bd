import nodemailer, { type Transporter } from 'nodemailer';

/** All the mailer needs of nodemailer: tests inject a fake or wrap the real one. */
export type MailTransport = Pick<Transporter, 'sendMail'>;

/**
 * SMTP from `SMTP_URL` (smtp:// or smtps://, credentials in the URL), or
 * undefined in dev: mail then stays in the outbox the web app shows.
 * Timeouts are short so a stuck server fails the attempt (and Temporal
 * retries it) within the mailer's 20 s sending claim.
 */
export function createMailTransport(smtpUrl: string | undefined): MailTransport | undefined {
  if (!smtpUrl) return undefined;
  return nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 15_000,
  });
}
