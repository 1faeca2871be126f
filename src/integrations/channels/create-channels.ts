/**
 * Chooses the channel adapters from the configuration: email over SMTP when SMTP_URL is set, the local
 * outbox otherwise. Instagram and X DMs go through their platform adapters when a message carries the
 * connected account it goes out from, and to the outbox when it carries none (no account connected).
 */
import type { Env } from '../../env.ts';
import type { ChannelName, ChannelPort, Channels, DmChannelName, DmChannelPort } from './channel-port.ts';
import { createInstagramChannel } from './instagram-channel.ts';
import { createOutboxChannel } from './outbox-channel.ts';
import { createXChannel } from './x-channel.ts';

/** The domain of an address such as `Name <a@b.example>` or `a@b.example`. */
export function domainOf(from: string): string {
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
  const at = address.lastIndexOf('@');
  const domain = at >= 0 ? address.slice(at + 1).trim() : '';
  return domain.length > 0 ? domain : 'iris.local';
}

/** A DM adapter for messages with a sender, the outbox for those without. */
function fromAccountOrOutbox(adapter: DmChannelPort, outbox: ChannelPort): ChannelPort {
  return { send: (message) => (message.sender ? adapter.send(message) : outbox.send(message)) };
}

export type ChannelsEnv = Pick<
  Env,
  'SMTP_URL' | 'EMAIL_FROM' | 'INSTAGRAM_API_BASE_URL' | 'INSTAGRAM_API_VERSION' | 'X_API_BASE_URL'
>;

export async function createChannels(env: ChannelsEnv): Promise<Channels> {
  const outbox = createOutboxChannel();
  const dm: Record<DmChannelName, DmChannelPort> = {
    instagram: createInstagramChannel({
      baseUrl: env.INSTAGRAM_API_BASE_URL,
      version: env.INSTAGRAM_API_VERSION,
    }),
    twitter: createXChannel({ baseUrl: env.X_API_BASE_URL }),
  };
  const adapters: Partial<Record<ChannelName, ChannelPort>> = {
    instagram: fromAccountOrOutbox(dm.instagram, outbox),
    twitter: fromAccountOrOutbox(dm.twitter, outbox),
  };
  let close = async () => {};
  if (env.SMTP_URL) {
    // Loaded only when configured: a server on the outbox does not load nodemailer.
    const { createSmtpChannel } = await import('./smtp-channel.ts');
    const smtp = createSmtpChannel(env.SMTP_URL, env.EMAIL_FROM);
    adapters.email = smtp;
    close = async () => smtp.close();
  }
  return {
    messageIdDomain: domainOf(env.EMAIL_FROM),
    of: (channel) => adapters[channel] ?? outbox,
    dm: (channel) => dm[channel],
    close,
  };
}
