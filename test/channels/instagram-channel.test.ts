/**
 * The Instagram adapter against a local server speaking the Graph API: the request shapes (method, path,
 * Bearer token, JSON body), the handle → IGSID lookup among the account's conversations, and the error
 * mapping (4xx permanent with Instagram's text; 429, 5xx, throttling codes and network errors transient).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChannelFailure, type OutgoingMessage } from '../../src/integrations/channels/channel-port.ts';
import { createChannels } from '../../src/integrations/channels/create-channels.ts';
import { createInstagramChannel } from '../../src/integrations/channels/instagram-channel.ts';
import { type Route, startUpstream, type Upstream } from './upstream.ts';

const ACCOUNT = '17841400000000001';
const TOKEN = 'IGQW-test-token';
const sender = { accountId: 'acc-1', externalAccountId: ACCOUNT, accessToken: TOKEN };

let upstream: Upstream;

const conversations = (people: { id: string; username: string }[], next?: string) => ({
  data: people.map((person, i) => ({
    id: `conv-${i}`,
    participants: { data: [{ id: ACCOUNT, username: 'iris_venue' }, person] },
  })),
  ...(next ? { paging: { next } } : {}),
});

const happy: Route = (request) => {
  if (request.method === 'GET' && request.path === `/v23.0/${ACCOUNT}/conversations`) {
    return { status: 200, body: conversations([{ id: '998877', username: 'Nina.Beats' }]) };
  }
  if (request.method === 'POST' && request.path === `/v23.0/${ACCOUNT}/messages`) {
    return { status: 200, body: { recipient_id: '998877', message_id: 'aWdfZAG1mid' } };
  }
  if (request.method === 'GET' && request.path === '/v23.0/me') {
    return { status: 200, body: { user_id: ACCOUNT, username: 'iris_venue', id: 'app-scoped-1' } };
  }
  return undefined;
};

beforeAll(async () => {
  upstream = await startUpstream(happy);
});
afterAll(async () => {
  await upstream.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
  upstream.route = happy;
});

function message(to: string, extra: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return {
    channel: 'instagram',
    to,
    subject: null,
    text: 'Hi Nina, are you playing Friday?',
    messageId: '<m1@iris.test>',
    unsubscribeUrl: 'https://iris.test/unsubscribe/m1',
    sender,
    ...extra,
  };
}

async function failure(promise: Promise<unknown>): Promise<ChannelFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChannelFailure);
  return error as ChannelFailure;
}

describe('instagram adapter', () => {
  it('finds the IGSID of the handle, then posts recipient and text with the Bearer token', async () => {
    const channel = createInstagramChannel({ baseUrl: upstream.url });
    const result = await channel.send(message('@nina.beats'));
    expect(result).toEqual({ externalId: 'aWdfZAG1mid', delivered: true });
    expect(upstream.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /v23.0/${ACCOUNT}/conversations`,
      `POST /v23.0/${ACCOUNT}/messages`,
    ]);
    const [lookup, post] = upstream.requests;
    expect(lookup?.query.get('platform')).toBe('instagram');
    expect(lookup?.query.get('fields')).toBe('participants');
    for (const request of upstream.requests) {
      expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
      // The token travels in the header only, never in the URL.
      expect(request.url).not.toContain(TOKEN);
    }
    expect(post?.headers['content-type']).toBe('application/json');
    expect(post?.body).toEqual({
      recipient: { id: '998877' },
      message: { text: 'Hi Nina, are you playing Friday?' },
    });
  });

  it('uses the configured API version and reads a profile URL as a handle', async () => {
    upstream.route = (request) => happy({ ...request, path: request.path.replace('/v24.0/', '/v23.0/') });
    const channel = createInstagramChannel({ baseUrl: `${upstream.url}/`, version: 'v24.0' });
    await channel.send(message('https://www.instagram.com/nina.beats/'));
    expect(upstream.requests.map((r) => r.path)).toEqual([
      `/v24.0/${ACCOUNT}/conversations`,
      `/v24.0/${ACCOUNT}/messages`,
    ]);
  });

  it('follows the conversation pages of the same API to find the person', async () => {
    upstream.route = (request) => {
      if (request.path === `/v23.0/${ACCOUNT}/conversations` && request.query.get('after') === null) {
        return {
          status: 200,
          body: conversations(
            [{ id: '111', username: 'someone_else' }],
            `${upstream.url}/v23.0/${ACCOUNT}/conversations?platform=instagram&fields=participants&after=c2`,
          ),
        };
      }
      if (request.path === `/v23.0/${ACCOUNT}/conversations`) {
        return { status: 200, body: conversations([{ id: '222', username: 'nina.beats' }]) };
      }
      return happy(request);
    };
    await createInstagramChannel({ baseUrl: upstream.url }).send(message('nina.beats'));
    expect(upstream.requests.at(-1)?.body).toMatchObject({ recipient: { id: '222' } });
    expect(upstream.requests[1]?.query.get('after')).toBe('c2');
  });

  it('does not follow a next page on another host (the token stays with the API)', async () => {
    upstream.route = (request) =>
      request.path === `/v23.0/${ACCOUNT}/conversations`
        ? { status: 200, body: conversations([], 'http://203.0.113.9/v23.0/next-page') }
        : happy(request);
    const error = await failure(
      createInstagramChannel({ baseUrl: upstream.url }).send(message('nina.beats')),
    );
    expect(error.reason).toBe('permanent');
    expect(upstream.requests).toHaveLength(1);
  });

  it('a handle with no conversation is permanent and nothing is posted', async () => {
    const error = await failure(createInstagramChannel({ baseUrl: upstream.url }).send(message('@stranger')));
    expect(error.reason).toBe('permanent');
    expect(error.message).toContain('@stranger');
    expect(upstream.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });

  it('maps a Graph API 400 (bad recipient) to permanent, keeping its message', async () => {
    upstream.route = (request) =>
      request.method === 'POST'
        ? {
            status: 400,
            body: {
              error: {
                message: '(#100) No matching user found',
                type: 'OAuthException',
                code: 100,
                error_subcode: 2534014,
                fbtrace_id: 'Aabc',
              },
            },
          }
        : happy(request);
    const error = await failure(
      createInstagramChannel({ baseUrl: upstream.url }).send(message('nina.beats')),
    );
    expect(error.reason).toBe('permanent');
    expect(error.message).toBe('instagram 400: (#100) No matching user found (code 100)');
  });

  it('maps 403 (outside the allowed window) to permanent', async () => {
    upstream.route = (request) =>
      request.method === 'POST'
        ? {
            status: 403,
            body: { error: { message: 'This message is sent outside of allowed window.', code: 10 } },
          }
        : happy(request);
    const error = await failure(
      createInstagramChannel({ baseUrl: upstream.url }).send(message('nina.beats')),
    );
    expect(error.reason).toBe('permanent');
    expect(error.message).toContain('outside of allowed window');
  });

  it.each([
    ['429', { status: 429, body: { error: { message: 'Too many calls', code: 4 } } }],
    ['500', { status: 500, body: { error: { message: 'An unknown error occurred', code: 1 } } }],
    ['503 with no JSON', { status: 503, raw: 'upstream unavailable' }],
    [
      '400 throttled (code 613)',
      { status: 400, body: { error: { message: 'Calls limit reached', code: 613 } } },
    ],
    [
      '400 marked is_transient',
      { status: 400, body: { error: { message: 'Try later', code: 9, is_transient: true } } },
    ],
  ])('maps %s to transient', async (_, answer) => {
    upstream.route = (request) => (request.method === 'POST' ? answer : happy(request));
    const error = await failure(
      createInstagramChannel({ baseUrl: upstream.url }).send(message('nina.beats')),
    );
    expect(error.reason).toBe('transient');
    expect(error.message).toMatch(/^instagram \d{3}: /);
  });

  it('a network failure is transient', async () => {
    const gone = await startUpstream(happy);
    await gone.close();
    const error = await failure(createInstagramChannel({ baseUrl: gone.url }).send(message('nina.beats')));
    expect(error.reason).toBe('transient');
    expect(error.message).toContain('instagram: request failed');
    expect(error.message).not.toContain(TOKEN);
  });

  it('identify reads the professional account id and username from /me', async () => {
    const who = await createInstagramChannel({ baseUrl: upstream.url }).identify(TOKEN);
    expect(who).toEqual({ externalAccountId: ACCOUNT, handle: 'iris_venue' });
    const [request] = upstream.requests;
    expect(request?.method).toBe('GET');
    expect(request?.path).toBe('/v23.0/me');
    expect(request?.query.get('fields')).toBe('user_id,username');
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('identify with a refused token is a permanent failure carrying the Graph API text', async () => {
    upstream.route = () => ({
      status: 400,
      body: { error: { message: 'Invalid OAuth access token - Cannot parse access token', code: 190 } },
    });
    const error = await failure(createInstagramChannel({ baseUrl: upstream.url }).identify('bad'));
    expect(error.reason).toBe('permanent');
    expect(error.message).toContain('Invalid OAuth access token');
  });
});

describe('composition', () => {
  const env = {
    EMAIL_FROM: 'Iris <outreach@iris.test>',
    SMTP_URL: undefined,
    INSTAGRAM_API_VERSION: 'v23.0',
    X_API_BASE_URL: undefined,
  };

  it('a DM with a sender goes to the platform; one without goes to the outbox and calls nothing', async () => {
    const channels = await createChannels({ ...env, INSTAGRAM_API_BASE_URL: upstream.url });
    const { sender: _, ...withoutSender } = message('nina.beats');
    const outboxed = await channels.of('instagram').send(withoutSender);
    expect(outboxed).toEqual({ externalId: 'outbox:<m1@iris.test>', delivered: false });
    expect(upstream.requests).toHaveLength(0);
    const sent = await channels.of('instagram').send(message('nina.beats'));
    expect(sent.delivered).toBe(true);
    expect(upstream.requests).toHaveLength(2);
    await channels.close();
  });
});
