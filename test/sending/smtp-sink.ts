/**
 * A local SMTP server on 127.0.0.1 (the `smtp-server` package) that keeps every mail it accepts, and
 * answers the recipients a test chooses with an SMTP error (550: a bounce; 451 once: try again later).
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  /** Header names lower-cased, folded lines joined. */
  headers: Map<string, string>;
  body: string;
  raw: string;
}

export interface SmtpSink {
  url: string;
  mails: ReceivedMail[];
  /** Recipients answered 550 on RCPT TO. */
  bounce: Set<string>;
  /** Recipients answered 451 the next time(s) they are tried, counted down. */
  deferOnce: Map<string, number>;
  /** RCPT TO attempts per recipient. */
  attempts: Map<string, number>;
  mailsTo(address: string): ReceivedMail[];
  close(): Promise<void>;
}

function parse(raw: string, to: string[]): ReceivedMail {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return { to, headers, body: raw.slice(split + 4), raw };
}

function smtpError(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: ReceivedMail[] = [];
  const bounce = new Set<string>();
  const deferOnce = new Map<string, number>();
  const attempts = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const to = address.address.toLowerCase();
      attempts.set(to, (attempts.get(to) ?? 0) + 1);
      if (bounce.has(to)) return callback(smtpError(550, 'no such user here'));
      const defer = deferOnce.get(to) ?? 0;
      if (defer > 0) {
        deferOnce.set(to, defer - 1);
        return callback(smtpError(451, 'try again later'));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
        mails.push(parse(Buffer.concat(chunks).toString('utf8'), to));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    bounce,
    deferOnce,
    attempts,
    mailsTo: (address) => mails.filter((mail) => mail.to.includes(address.toLowerCase())),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
