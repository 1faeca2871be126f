/**
 * Email over SMTP with nodemailer: a plain-text message with the Message-ID we chose (so a send retried
 * after a crash carries the same id and receivers can drop the copy), In-Reply-To/References keeping
 * follow-ups in one thread, and List-Unsubscribe with RFC 8058 one-click. An SMTP 5xx answer is a
 * permanent failure (a bounce); anything else (4xx, connection errors, timeouts) is transient.
 */
import nodemailer from 'nodemailer';
import { ChannelFailure, type ChannelPort, type OutgoingMessage, type SendResult } from './channel-port.ts';

export interface SmtpChannel extends ChannelPort {
  close(): void;
}

/** The SMTP reply code of a nodemailer error, if the server answered one. */
function responseCodeOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('responseCode' in error)) return undefined;
  const code = error.responseCode;
  return typeof code === 'number' ? code : undefined;
}

export function classifySmtpError(error: unknown): ChannelFailure {
  const code = responseCodeOf(error);
  const text = error instanceof Error ? error.message : String(error);
  const reason = code !== undefined && code >= 500 && code < 600 ? 'permanent' : 'transient';
  return new ChannelFailure(reason, code === undefined ? text : `SMTP ${code}: ${text}`);
}

export function createSmtpChannel(smtpUrl: string, from: string): SmtpChannel {
  // Pooled: up to 5 open connections, each reused for 100 messages; options in SMTP_URL's query
  // (e.g. `?pool=false`, `?maxConnections=10`) take precedence.
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections: 5,
    maxMessages: 100,
  });
  return {
    async send(message: OutgoingMessage): Promise<SendResult> {
      try {
        await transport.sendMail({
          from,
          to: message.to,
          subject: message.subject ?? '',
          text: message.text,
          ...(message.html ? { html: message.html } : {}),
          messageId: message.messageId,
          ...(message.replyTo ? { replyTo: message.replyTo } : {}),
          ...(message.inReplyTo ? { inReplyTo: message.inReplyTo } : {}),
          ...(message.references && message.references.length > 0
            ? { references: [...message.references] }
            : {}),
          headers: {
            'List-Unsubscribe': `<${message.unsubscribeUrl}>`,
            'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          },
        });
      } catch (error) {
        throw classifySmtpError(error);
      }
      return { externalId: message.messageId, delivered: true };
    },
    close() {
      transport.close();
    },
  };
}
