/**
 * The channel port: how a message leaves iris on one channel (email, Instagram DM, X DM). An adapter
 * sends one message and answers the channel's id for it, or throws a ChannelFailure saying whether
 * sending again could work (transient: a timeout, a 4xx SMTP answer) or not (permanent: a 5xx SMTP
 * answer, an address that does not exist).
 */

export type ChannelName = 'email' | 'instagram' | 'twitter';

export interface OutgoingMessage {
  channel: ChannelName;
  /** An email address, or a handle on a DM channel. */
  to: string;
  /** Email only; null on DM channels. */
  subject: string | null;
  /** The plain text sent. */
  text: string;
  /** The id we chose for it (an RFC 5322 Message-ID with its angle brackets, for email). */
  messageId: string;
  /** The message it answers (a follow-up: the first message of its thread). */
  inReplyTo?: string;
  /** The thread it belongs to, oldest first. */
  references?: readonly string[];
  /** Where the recipient unsubscribes (List-Unsubscribe, RFC 8058 one-click). */
  unsubscribeUrl: string;
}

export interface SendResult {
  /** The channel's id for the message (our Message-ID for email; `outbox:<id>` when nothing was sent). */
  externalId: string;
  /** False when the message only went to the local outbox. */
  delivered: boolean;
}

export interface ChannelPort {
  send(message: OutgoingMessage): Promise<SendResult>;
}

/** Why a send failed: `permanent` (never retried; a bounce) or `transient` (retried later). */
export class ChannelFailure extends Error {
  constructor(
    readonly reason: 'permanent' | 'transient',
    message: string,
  ) {
    super(message);
    this.name = 'ChannelFailure';
  }
}

/** The adapters of every channel, as the composition root chose them. */
export interface Channels {
  /** The domain of the Message-IDs we choose (EMAIL_FROM's). */
  readonly messageIdDomain: string;
  /** The adapter of a channel (the outbox for a channel with no adapter configured). */
  of(channel: ChannelName): ChannelPort;
  close(): Promise<void>;
}
