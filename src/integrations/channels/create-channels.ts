/**
 * Chooses the channel adapters from the configuration: email over SMTP when SMTP_URL is set, the local
 * outbox otherwise; Instagram and X go to the outbox until their adapters exist.
 */
import type { Env } from '../../env.ts';
import type { ChannelName, ChannelPort, Channels } from './channel-port.ts';
import { createOutboxChannel } from './outbox-channel.ts';

/** The domain of an address such as `Name <a@b.example>` or `a@b.example`. */
export function domainOf(from: string): string {
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
  const at = address.lastIndexOf('@');
  const domain = at >= 0 ? address.slice(at + 1).trim() : '';
  return domain.length > 0 ? domain : 'iris.local';
}

export async function createChannels(env: Pick<Env, 'SMTP_URL' | 'EMAIL_FROM'>): Promise<Channels> {
  const outbox = createOutboxChannel();
  const adapters: Partial<Record<ChannelName, ChannelPort>> = {};
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
    close,
  };
}
