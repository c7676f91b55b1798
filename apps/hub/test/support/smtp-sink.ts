import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string | undefined;
  to: string[];
  /** The raw message (headers and MIME body) as it arrived. */
  raw: string;
}

/** A real SMTP server (the `smtp-server` package) on 127.0.0.1 that keeps every message it is sent. */
export interface SmtpSink {
  port: number;
  mails: ReceivedMail[];
  close(): Promise<void>;
}

/** `plaintextOnly`: a relay that offers no STARTTLS (mail to it would travel in clear). */
export async function startSmtpSink(options: { user?: string; pass?: string; plaintextOnly?: boolean } = {}): Promise<SmtpSink> {
  const mails: ReceivedMail[] = [];
  // As smtp-server comes: STARTTLS offered with its own self-signed certificate (unless `plaintextOnly`).
  const disabledCommands = [...(options.user ? [] : ['AUTH']), ...(options.plaintextOnly ? ['STARTTLS'] : [])];
  const server = new SMTPServer({
    secure: false,
    ...(disabledCommands.length > 0 ? { disabledCommands } : {}),
    authOptional: !options.user,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === options.user && auth.password === options.pass) return callback(null, { user: auth.username });
      return callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined, to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
