/**
 * Fixtures shared by the channel operation tests: local Instagram and X APIs answering the happy path,
 * and rows (contacts, conversations, inbound messages) written straight into a test server's database.
 */
import { contacts, conversations } from '../../db/schema-contacts.ts';
import { messages } from '../../db/schema-messages.ts';
import type { TestServer } from '../helpers/test-server.ts';
import type { Route } from './upstream.ts';

export const IG_ACCOUNT = '17841400000000042';
export const IG_TOKEN = 'IGQW-secret-instagram-token-0123456789';
export const X_ACCOUNT = '1500000000000000042';
export const X_TOKEN = 'x-secret-user-token-0123456789';

/** The Graph API: /me, the conversations (one with @nina.beats, IGSID 998877) and the send endpoint. */
export const instagramApi: Route = (request) => {
  if (request.headers.authorization !== `Bearer ${IG_TOKEN}`) {
    return { status: 400, body: { error: { message: 'Invalid OAuth access token', code: 190 } } };
  }
  if (request.method === 'GET' && request.path === '/v23.0/me') {
    return { status: 200, body: { user_id: IG_ACCOUNT, username: 'club_nord', id: 'app-1' } };
  }
  if (request.method === 'GET' && request.path === `/v23.0/${IG_ACCOUNT}/conversations`) {
    return {
      status: 200,
      body: {
        data: [
          {
            id: 'c1',
            participants: {
              data: [
                { id: IG_ACCOUNT, username: 'club_nord' },
                { id: '998877', username: 'nina.beats' },
              ],
            },
          },
        ],
      },
    };
  }
  if (request.method === 'POST' && request.path === `/v23.0/${IG_ACCOUNT}/messages`) {
    return { status: 200, body: { recipient_id: '998877', message_id: `mid.${Date.now()}` } };
  }
  return undefined;
};

/** The X API: /2/users/me, the username lookup (@nina_beats is 2244994945) and the DM endpoint. */
export const xApi: Route = (request) => {
  if (request.headers.authorization !== `Bearer ${X_TOKEN}`) {
    return { status: 401, body: { title: 'Unauthorized', status: 401, detail: 'Unauthorized' } };
  }
  if (request.method === 'GET' && request.path === '/2/users/me') {
    return { status: 200, body: { data: { id: X_ACCOUNT, name: 'Club Nord', username: 'clubnord' } } };
  }
  if (request.method === 'GET' && request.path === '/2/users/by/username/nina_beats') {
    return { status: 200, body: { data: { id: '2244994945', name: 'Nina', username: 'nina_beats' } } };
  }
  if (request.method === 'POST' && request.path === '/2/dm_conversations/with/2244994945/messages') {
    return { status: 201, body: { data: { dm_conversation_id: 'dmc', dm_event_id: `ev${Date.now()}` } } };
  }
  return undefined;
};

let serial = 0;

/** A contact of the owner, reachable on every channel unless told otherwise. */
export async function insertContact(server: TestServer, fields: Partial<typeof contacts.$inferInsert> = {}) {
  const [row] = await server.services.db
    .insert(contacts)
    .values({
      userId: server.ownerId,
      source: 'api',
      email: `nina${++serial}@example.com`,
      firstName: 'Nina',
      company: 'Club Nord',
      instagramHandle: '@nina.beats',
      xHandle: 'nina_beats',
      ...fields,
    })
    .returning();
  if (!row) throw new Error('contact insert failed');
  return row;
}

export async function insertConversation(server: TestServer, contactId: string, channel: string) {
  const [row] = await server.services.db
    .insert(conversations)
    .values({ userId: server.ownerId, contactId, channel })
    .returning();
  if (!row) throw new Error('conversation insert failed');
  return row;
}

/** A message the contact sent us on `channel` at `at`. */
export async function insertInbound(
  server: TestServer,
  contactId: string,
  conversationId: string,
  channel: string,
  at: Date,
) {
  await server.services.db.insert(messages).values({
    userId: server.ownerId,
    contactId,
    conversationId,
    channel,
    direction: 'inbound',
    status: 'received',
    body: 'hey, who is this?',
    createdAt: at,
    updatedAt: at,
  });
}
