import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Received {
  from: string;
  to: string[];
  raw: string;
}

/**
 * What the server does with the next whole message: refuse it with a 554
 * reply, or keep it and hang up without answering (the sender cannot tell
 * whether it was taken).
 */
export type NextAnswer = 'refuse' | 'hang-up';

/**
 * A real SMTP server on a random port, keeping every message it accepts, and
 * the start of every message whose connection closed before its end-of-data
 * mark (`cutOff`: the sender died mid-message, so nothing was delivered).
 */
export async function startSmtpServer() {
  const received: Received[] = [];
  const cutOff: string[] = [];
  const inData = new Map<string, Buffer[]>();
  /** `next`: the answer to the next whole message; `rcptDelayMs`: how long each RCPT TO waits for its answer (a slow server). */
  const control: { next: NextAnswer | undefined; rcptDelayMs: number } = { next: undefined, rcptDelayMs: 0 };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (control.rcptDelayMs > 0) setTimeout(callback, control.rcptDelayMs);
      else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      inData.set(session.id, chunks);
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        inData.delete(session.id);
        const answer = control.next;
        control.next = undefined;
        if (answer === 'refuse') {
          callback(Object.assign(new Error('Message refused'), { responseCode: 554 }));
          return;
        }
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        if (answer === 'hang-up') {
          // smtp-server keeps its connections in a set; each holds its socket.
          for (const connection of (server as unknown as { connections: Set<{ _socket: { destroy(): void } }> }).connections) connection._socket.destroy();
          return;
        }
        callback();
      });
    },
    onClose(session) {
      const chunks = inData.get(session.id);
      if (!chunks) return;
      inData.delete(session.id);
      cutOff.push(Buffer.concat(chunks).toString('utf8'));
    },
  });
  // A client that dies mid-session (the worker crash test kills one) resets its socket: not a test failure.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, received, cutOff, control, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}


/** The body of a raw message with quoted-printable soft breaks and escapes undone (enough to find links). */
export function decodeQuotedPrintable(raw: string): string {
  return raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
