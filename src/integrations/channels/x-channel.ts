/**
 * X DMs through the X API v2: `POST {base}/2/dm_conversations/with/{participant_id}/messages` with
 * `{text}` and the account's OAuth 2.0 user token as a Bearer token (scopes dm.write, dm.read,
 * users.read, tweet.read).
 *
 * Recipients: the endpoint takes a user id, so a contact's handle is looked up first with
 * `GET /2/users/by/username/{username}`. X answers an unknown username with HTTP 200 and an `errors`
 * array; that is a permanent failure naming the handle.
 *
 * Errors: X answers problem documents (`{title, detail, status}`) or `{errors: [{message}]}`; the text
 * is kept in the failure.
 */
import {
  ChannelFailure,
  type ChannelIdentity,
  type DmChannelPort,
  type OutgoingMessage,
  type SendResult,
} from './channel-port.ts';
import { bareHandle, type DmHttpOptions, dmRequest, field, stringField } from './dm-http.ts';

export const X_DEFAULT_BASE_URL = 'https://api.x.com';

export interface XChannelOptions {
  baseUrl?: string | undefined;
  timeoutMs?: number;
}

/** The text of X's first error entry in a body, if any. */
function firstErrorText(body: unknown): string | undefined {
  const errors = field(body, 'errors');
  if (!Array.isArray(errors)) return undefined;
  const first: unknown = errors[0];
  return stringField(first, 'detail') ?? stringField(first, 'message') ?? stringField(first, 'title');
}

const http: DmHttpOptions = {
  platform: 'x',
  errorText: (body) => stringField(body, 'detail') ?? firstErrorText(body) ?? stringField(body, 'title'),
};

export function createXChannel(options: XChannelOptions = {}): DmChannelPort {
  const base = (options.baseUrl ?? X_DEFAULT_BASE_URL).replace(/\/+$/, '');
  const settings: DmHttpOptions = {
    ...http,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  };

  async function userIdOf(accessToken: string, handle: string): Promise<string> {
    const body = await dmRequest(settings, {
      method: 'GET',
      url: `${base}/2/users/by/username/${encodeURIComponent(handle)}`,
      accessToken,
    });
    const id = stringField(field(body, 'data'), 'id');
    if (id) return id;
    const why = firstErrorText(body) ?? 'no such user';
    throw new ChannelFailure('permanent', `x: @${handle} not found (${why})`);
  }

  return {
    async send(message: OutgoingMessage): Promise<SendResult> {
      const sender = message.sender;
      if (!sender) throw new ChannelFailure('permanent', 'x: no connected account to send from');
      const handle = bareHandle(message.to);
      if (!handle) throw new ChannelFailure('permanent', `x: "${message.to}" is not a handle`);
      const participant = await userIdOf(sender.accessToken, handle);
      const body = await dmRequest(settings, {
        method: 'POST',
        url: `${base}/2/dm_conversations/with/${encodeURIComponent(participant)}/messages`,
        accessToken: sender.accessToken,
        body: { text: message.text },
      });
      const id = stringField(field(body, 'data'), 'dm_event_id');
      if (!id) throw new ChannelFailure('transient', 'x: the answer carried no dm_event_id');
      return { externalId: id, delivered: true };
    },

    async identify(accessToken: string): Promise<ChannelIdentity> {
      const body = await dmRequest(settings, { method: 'GET', url: `${base}/2/users/me`, accessToken });
      const data = field(body, 'data');
      const externalAccountId = stringField(data, 'id');
      const handle = stringField(data, 'username');
      if (!externalAccountId || !handle) {
        throw new ChannelFailure(
          'permanent',
          `x: /2/users/me answered no user (${firstErrorText(body) ?? 'empty'})`,
        );
      }
      return { externalAccountId, handle };
    },
  };
}
