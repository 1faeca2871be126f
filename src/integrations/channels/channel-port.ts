/**
 * The channel port: how a message leaves iris on one channel (email, Instagram DM, X DM). An adapter
 * sends one message and answers the channel's id for it, or throws a ChannelFailure saying whether
 * sending again could work (transient: a timeout, a 4xx SMTP answer, an HTTP 429 or 5xx) or not
 * (permanent: a 5xx SMTP answer, an address that does not exist, a DM the platform forbids).
 */

export type ChannelName = 'email' | 'instagram' | 'twitter';
/** The channels that send through a connected account (a token per account). */
export type DmChannelName = Exclude<ChannelName, 'email'>;
export const DM_CHANNELS: readonly DmChannelName[] = ['instagram', 'twitter'];

export function isDmChannel(channel: string): channel is DmChannelName {
  return channel === 'instagram' || channel === 'twitter';
}

/** The connected account a DM goes out from. */
export interface ChannelSender {
  /** Our id of the connected account (channel_accounts.id). */
  accountId: string;
  /** The platform's id of the account: the Instagram professional account id, the X user id. */
  externalAccountId: string;
  /** The account's access token, opened from its sealed form for this send only. */
  accessToken: string;
}

/** Who a token belongs to, as the platform's "me" endpoint answers. */
export interface ChannelIdentity {
  externalAccountId: string;
  handle: string;
}

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
  /** Email: an HTML alternative of `text` (the open-tracking image rides in it), when there is one. */
  html?: string;
  /** Email: where replies go (a `reply+<conversation id>@` address), when EMAIL_REPLY_DOMAIN is set. */
  replyTo?: string;
  /** DM channels: the connected account it goes out from; without one the message goes to the outbox. */
  sender?: ChannelSender;
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

/** A DM adapter: sends from a connected account, and tells whose account a token opens. */
export interface DmChannelPort extends ChannelPort {
  /** The account behind a token (the platform's "me" endpoint); a ChannelFailure when it is refused. */
  identify(accessToken: string): Promise<ChannelIdentity>;
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
  /**
   * The adapter of a channel: the outbox for email without SMTP, and for a DM that carries no sender
   * (no connected account).
   */
  of(channel: ChannelName): ChannelPort;
  /** The platform adapter of a DM channel itself (connecting an account checks its token with it). */
  dm(channel: DmChannelName): DmChannelPort;
  close(): Promise<void>;
}
