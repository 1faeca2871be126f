/**
 * The X adapter against a local server speaking the X API v2: the username → user id lookup, the DM
 * request (method, path, Bearer user token, `{text}`), /2/users/me, and the error mapping (X's problem
 * text kept; 4xx permanent; 429 and 5xx transient). Also the handle forms both DM adapters accept.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChannelFailure, type OutgoingMessage } from '../../src/integrations/channels/channel-port.ts';
import { bareHandle } from '../../src/integrations/channels/dm-http.ts';
import { createXChannel } from '../../src/integrations/channels/x-channel.ts';
import { type Route, startUpstream, type Upstream } from './upstream.ts';

const TOKEN = 'x-user-token-abc';
const sender = { accountId: 'acc-x', externalAccountId: '1500000000000000001', accessToken: TOKEN };

let upstream: Upstream;

const happy: Route = (request) => {
  if (request.method === 'GET' && request.path === '/2/users/by/username/nina_beats') {
    return { status: 200, body: { data: { id: '2244994945', name: 'Nina', username: 'nina_beats' } } };
  }
  if (request.method === 'POST' && request.path === '/2/dm_conversations/with/2244994945/messages') {
    return {
      status: 201,
      body: { data: { dm_conversation_id: '1500000000000000001-2244994945', dm_event_id: '1582838223' } },
    };
  }
  if (request.method === 'GET' && request.path === '/2/users/me') {
    return {
      status: 200,
      body: { data: { id: sender.externalAccountId, name: 'Iris', username: 'iris_hq' } },
    };
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

function message(to: string): OutgoingMessage {
  return {
    channel: 'twitter',
    to,
    subject: null,
    text: 'Hi Nina! Loved the set.',
    messageId: '<m2@iris.test>',
    unsubscribeUrl: 'https://iris.test/unsubscribe/m2',
    sender,
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

describe('x adapter', () => {
  it('looks the handle up, then posts {text} to the one-to-one conversation with the user token', async () => {
    const result = await createXChannel({ baseUrl: upstream.url }).send(message('@nina_beats'));
    expect(result).toEqual({ externalId: '1582838223', delivered: true });
    expect(upstream.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /2/users/by/username/nina_beats',
      'POST /2/dm_conversations/with/2244994945/messages',
    ]);
    for (const request of upstream.requests) expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const post = upstream.requests[1];
    expect(post?.headers['content-type']).toBe('application/json');
    expect(post?.body).toEqual({ text: 'Hi Nina! Loved the set.' });
  });

  it('reads a profile URL as the handle', async () => {
    await createXChannel({ baseUrl: upstream.url }).send(message('https://x.com/nina_beats'));
    expect(upstream.requests[0]?.path).toBe('/2/users/by/username/nina_beats');
  });

  it('an unknown username (200 with errors) is permanent and no DM is posted', async () => {
    upstream.route = (request) =>
      request.path.startsWith('/2/users/by/username/')
        ? {
            status: 200,
            body: {
              errors: [
                {
                  value: 'nobody_here',
                  detail: 'Could not find user with username: [nobody_here].',
                  title: 'Not Found Error',
                  type: 'https://api.twitter.com/2/problems/resource-not-found',
                },
              ],
            },
          }
        : happy(request);
    const error = await failure(createXChannel({ baseUrl: upstream.url }).send(message('nobody_here')));
    expect(error.reason).toBe('permanent');
    expect(error.message).toContain('Could not find user with username: [nobody_here].');
    expect(upstream.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });

  it('a forbidden DM (403) is permanent with X’s detail', async () => {
    upstream.route = (request) =>
      request.method === 'POST'
        ? {
            status: 403,
            body: {
              title: 'Forbidden',
              type: 'about:blank',
              status: 403,
              detail: 'You cannot send messages to users who are not following you.',
            },
          }
        : happy(request);
    const error = await failure(createXChannel({ baseUrl: upstream.url }).send(message('nina_beats')));
    expect(error.reason).toBe('permanent');
    expect(error.message).toBe('x 403: You cannot send messages to users who are not following you.');
  });

  it('a 400 with an errors array keeps the first message', async () => {
    upstream.route = (request) =>
      request.method === 'POST'
        ? {
            status: 400,
            body: { errors: [{ message: 'text: must not be empty' }], title: 'Invalid Request' },
          }
        : happy(request);
    const error = await failure(createXChannel({ baseUrl: upstream.url }).send(message('nina_beats')));
    expect(error.reason).toBe('permanent');
    expect(error.message).toBe('x 400: text: must not be empty');
  });

  it.each([
    [
      '429 on the DM',
      'POST',
      { status: 429, body: { title: 'Too Many Requests', detail: 'Too Many Requests', status: 429 } },
      'x 429: Too Many Requests',
    ],
    [
      '429 on the lookup',
      'GET',
      { status: 429, body: { title: 'Too Many Requests', status: 429 } },
      'x 429: Too Many Requests',
    ],
    [
      '503',
      'POST',
      { status: 503, body: { title: 'Service Unavailable', status: 503 } },
      'x 503: Service Unavailable',
    ],
  ])('maps %s to transient', async (_, method, answer, text) => {
    upstream.route = (request) => (request.method === method ? answer : happy(request));
    const error = await failure(createXChannel({ baseUrl: upstream.url }).send(message('nina_beats')));
    expect(error.reason).toBe('transient');
    expect(error.message).toBe(text);
  });

  it('identify answers the user id and username of /2/users/me', async () => {
    const who = await createXChannel({ baseUrl: upstream.url }).identify(TOKEN);
    expect(who).toEqual({ externalAccountId: sender.externalAccountId, handle: 'iris_hq' });
    expect(upstream.requests[0]?.method).toBe('GET');
    expect(upstream.requests[0]?.path).toBe('/2/users/me');
    expect(upstream.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('identify with a refused token (401) is permanent', async () => {
    upstream.route = () => ({
      status: 401,
      body: { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' },
    });
    const error = await failure(createXChannel({ baseUrl: upstream.url }).identify('expired'));
    expect(error.reason).toBe('permanent');
    expect(error.message).toBe('x 401: Unauthorized');
  });
});

describe('handles', () => {
  it.each([
    ['@nina_beats', 'nina_beats'],
    [' nina.beats ', 'nina.beats'],
    ['https://x.com/nina_beats', 'nina_beats'],
    ['twitter.com/nina_beats?ref=1', 'nina_beats'],
    ['https://www.instagram.com/nina.beats/', 'nina.beats'],
  ])('%s is %s', (raw, handle) => {
    expect(bareHandle(raw)).toBe(handle);
  });

  it.each(['', '@', 'nina beats', 'https://example.com/x y'])('%j is no handle', (raw) => {
    expect(bareHandle(raw)).toBeUndefined();
  });
});
