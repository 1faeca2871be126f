/**
 * The outbox: the embedded default of a channel that is not configured (email without SMTP_URL; a DM with
 * no connected account to send from). Nothing leaves the process: the message row, with its rendered
 * text and status `sent`, is the record of what would have gone out, and its external id
 * `outbox:<Message-ID>` marks it as never delivered.
 */
import type { ChannelPort, OutgoingMessage, SendResult } from './channel-port.ts';

export const OUTBOX_PREFIX = 'outbox:';

export function createOutboxChannel(): ChannelPort {
  return {
    async send(message: OutgoingMessage): Promise<SendResult> {
      return { externalId: `${OUTBOX_PREFIX}${message.messageId}`, delivered: false };
    },
  };
}
