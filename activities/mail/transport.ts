import type { Readable } from 'node:stream';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import SMTPConnection from 'nodemailer/lib/smtp-connection';

export interface Envelope {
  from: string;
  to: string[];
}

/** All the mailer needs of SMTP: tests inject a wrapper around the real one. */
export interface MailTransport {
  /**
   * Hands one whole message (headers and body, CRLF lines) to the server and
   * resolves with its answer once it took the message; rejects with the SMTP
   * error, which carries `responseCode` when the server said no. The stream
   * is read only once the server has said go ahead to DATA, so its end (the
   * end-of-data mark) cannot leave before the message itself.
   */
  send(envelope: Envelope, message: Readable): Promise<string>;
}

/**
 * SMTP from `SMTP_URL` (smtp:// or smtps://, credentials and nodemailer
 * options in the URL), or undefined in dev: mail then stays in the outbox the
 * web app shows. One connection per message, on nodemailer's SMTPConnection.
 * Timeouts are short so a stuck server fails the attempt (and Temporal
 * retries it) within the mailer's 20 s sending claim.
 */
export function createMailTransport(smtpUrl: string | undefined): MailTransport | undefined {
  if (!smtpUrl) return undefined;
  const { auth, ...url } = parseConnectionUrl(smtpUrl);
  const options: SMTPConnection.Options = { ...url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 15_000 };
  const credentials = auth && 'user' in auth && auth.user ? { user: auth.user, pass: 'pass' in auth ? (auth.pass ?? '') : '' } : undefined;
  return { send: (envelope, message) => sendOne(options, credentials, envelope, message) };
}

function sendOne(options: SMTPConnection.Options, credentials: SMTPConnection.Credentials | undefined, envelope: Envelope, message: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    const connection = new SMTPConnection(options);
    let settled = false;
    const finish = (error: Error | null, response?: string) => {
      if (settled) return;
      settled = true;
      connection.close();
      if (error) {
        message.destroy();
        reject(error);
      } else resolve(response ?? '');
    };
    connection.once('error', (error: Error) => finish(error));
    // A message that fails before the connection reads it fails the send (and stops it short of the end mark).
    message.once('error', (error) => finish(error));
    connection.once('end', () => finish(Object.assign(new Error('the SMTP connection closed before the server answered'), { code: 'ECONNECTION' })));
    const transfer = () => connection.send(envelope, message, (error, info) => finish(error, info?.response));
    connection.connect((error?: Error | null) => {
      if (error) return finish(error);
      if (!credentials) return transfer();
      connection.login({ credentials }, (loginError) => (loginError ? finish(loginError) : transfer()));
    });
  });
}
