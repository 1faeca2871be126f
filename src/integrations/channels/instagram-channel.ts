/**
 * Instagram DMs through the Instagram Graph API (Instagram API with Instagram Login, host
 * graph.instagram.com): `POST {base}/{version}/{ig-user-id}/messages` with `{recipient: {id}, message:
 * {text}}` and the account's access token as a Bearer token.
 *
 * Recipients: the send endpoint takes only an Instagram-scoped id (IGSID), which Instagram gives a
 * business for people who messaged it — the same people its 24-hour rule lets it answer. The adapter
 * finds the IGSID of a contact's handle among the account's conversations
 * (`GET /{ig-user-id}/conversations?platform=instagram&fields=participants`, newest first), and a handle
 * with no conversation is a permanent failure: Instagram has no way to message them.
 *
 * Errors: Graph API error bodies are `{error: {message, code, is_transient}}`. Throttling comes back as
 * HTTP 400 with codes 4, 17, 32, 613 (and 1, 2 for temporary faults), so those codes are transient too.
 */
import {
  ChannelFailure,
  type ChannelIdentity,
  type DmChannelPort,
  type OutgoingMessage,
  type SendResult,
} from './channel-port.ts';
import { bareHandle, type DmHttpOptions, dmRequest, field, stringField } from './dm-http.ts';

export const INSTAGRAM_DEFAULT_BASE_URL = 'https://graph.instagram.com';
export const INSTAGRAM_DEFAULT_VERSION = 'v23.0';
/** Conversation pages read when looking for a handle (50 conversations a page, newest first). */
const CONVERSATION_PAGES = 4;
/** Graph API error codes that mean "try again later" (rate limits, temporary faults). */
const TRANSIENT_CODES = new Set([1, 2, 4, 17, 32, 341, 613]);

export interface InstagramChannelOptions {
  baseUrl?: string | undefined;
  version?: string | undefined;
  timeoutMs?: number;
}

const http: DmHttpOptions = {
  platform: 'instagram',
  errorText(body) {
    const error = field(body, 'error');
    const message = stringField(error, 'message');
    if (!message) return undefined;
    const code = stringField(error, 'code');
    return code ? `${message} (code ${code})` : message;
  },
  transientBody(body) {
    const error = field(body, 'error');
    if (field(error, 'is_transient') === true) return true;
    const code = field(error, 'code');
    return typeof code === 'number' && TRANSIENT_CODES.has(code);
  },
};

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function createInstagramChannel(options: InstagramChannelOptions = {}): DmChannelPort {
  const base = (options.baseUrl ?? INSTAGRAM_DEFAULT_BASE_URL).replace(/\/+$/, '');
  const root = `${base}/${options.version ?? INSTAGRAM_DEFAULT_VERSION}`;
  const settings: DmHttpOptions = {
    ...http,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  };

  /** The IGSID of the person with this handle among the account's conversations. */
  async function recipientOf(accountId: string, accessToken: string, handle: string): Promise<string> {
    const wanted = handle.toLowerCase();
    let url: string | undefined =
      `${root}/${encodeURIComponent(accountId)}/conversations?platform=instagram&fields=participants&limit=50`;
    for (let page = 0; url && page < CONVERSATION_PAGES; page++) {
      const body = await dmRequest(settings, { method: 'GET', url, accessToken });
      for (const conversation of list(field(body, 'data'))) {
        for (const person of list(field(field(conversation, 'participants'), 'data'))) {
          const id = stringField(person, 'id');
          const username = stringField(person, 'username');
          if (id && id !== accountId && username?.toLowerCase() === wanted) return id;
        }
      }
      const next = stringField(field(body, 'paging'), 'next');
      // Only pages of the same API are followed: the token goes nowhere else.
      url = next && new URL(next).origin === new URL(base).origin ? next : undefined;
    }
    throw new ChannelFailure(
      'permanent',
      `instagram: @${handle} has no conversation with this account; Instagram lets a business message only people who messaged it first`,
    );
  }

  return {
    async send(message: OutgoingMessage): Promise<SendResult> {
      const sender = message.sender;
      if (!sender) throw new ChannelFailure('permanent', 'instagram: no connected account to send from');
      const handle = bareHandle(message.to);
      if (!handle) throw new ChannelFailure('permanent', `instagram: "${message.to}" is not a handle`);
      const recipient = await recipientOf(sender.externalAccountId, sender.accessToken, handle);
      const body = await dmRequest(settings, {
        method: 'POST',
        url: `${root}/${encodeURIComponent(sender.externalAccountId)}/messages`,
        accessToken: sender.accessToken,
        body: { recipient: { id: recipient }, message: { text: message.text } },
      });
      const id = stringField(body, 'message_id');
      if (!id) throw new ChannelFailure('transient', 'instagram: the answer carried no message_id');
      return { externalId: id, delivered: true };
    },

    async identify(accessToken: string): Promise<ChannelIdentity> {
      const body = await dmRequest(settings, {
        method: 'GET',
        url: `${root}/me?fields=user_id,username`,
        accessToken,
      });
      // user_id is the professional account's id (what messaging uses); id the app-scoped one.
      const externalAccountId = stringField(body, 'user_id') ?? stringField(body, 'id');
      const handle = stringField(body, 'username');
      if (!externalAccountId || !handle) {
        throw new ChannelFailure('permanent', 'instagram: /me answered no user_id and username');
      }
      return { externalAccountId, handle };
    },
  };
}
