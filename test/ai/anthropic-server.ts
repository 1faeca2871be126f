/**
 * A local HTTP server speaking the part of the Anthropic Messages API the adapter uses: `POST /v1/messages`
 * answered with a message whose content is one `tool_use` block (the input the test sets), a refusal, a
 * plain text answer, or an API error (429 with retry-after, 401, 529, ...). Like the API, it answers 401
 * to a request without the server's key, which it takes from `x-api-key` or, as the SDK since 1.x sends it,
 * `Authorization: Bearer`. Every request is recorded (path, headers, JSON body) so tests can assert it.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The parts of a Messages API request body the tests look at (as sent; nothing is checked on arrival). */
export interface MessagesRequest {
  model?: string;
  max_tokens?: number;
  system?: string;
  messages?: { role: string; content: string }[];
  tools?: {
    name: string;
    description?: string;
    input_schema: {
      type: string;
      properties: Record<string, unknown>;
      required?: string[];
      $schema?: string;
    };
  }[];
  tool_choice?: { type: string; name: string };
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: MessagesRequest;
  at: number;
}

export type Reply =
  /** A tool_use block calling the request's forced tool with this input. */
  | { kind: 'tool'; input: unknown; model?: string }
  /** `stop_reason: refusal`, with no tool call. */
  | { kind: 'refusal' }
  /** A text block and `end_turn`: the model did not call the tool. */
  | { kind: 'text'; text: string }
  | { kind: 'error'; status: number; type: string; message?: string; headers?: Record<string, string> };

/** A valid record_campaign_analysis input (a campaign analysis without its model). */
export const ANALYSIS = {
  summary: 'Analysis from the local Anthropic server.',
  target_audience: [
    {
      name: 'cocktail bars',
      description: 'bars with weekend DJ nights',
      venue_types: ['bar'],
      keywords: ['dj nights'],
      location: 'Brooklyn, NY',
      source: 'campaign',
    },
  ],
  value_propositions: ['more weeknight guests'],
  recommended_channels: [{ channel: 'email', selected: true, recommended: true, reason: 'reaches anyone' }],
  suggested_keywords: ['dj nights'],
  suggested_venue_types: ['bar'],
  risks: [{ code: 'no_radius', category: 'targeting', severity: 'info', message: 'none' }],
};

export interface AnthropicServer {
  url: string;
  requests: RecordedRequest[];
  /** How the next request is answered (set by tests; the default refuses with 500). */
  reply: (request: RecordedRequest) => Reply;
  close(): Promise<void>;
}

/** The API key a request carries: `x-api-key`, else a bearer token. */
export function credentialOf(headers: IncomingMessage['headers']): string | undefined {
  const header = headers['x-api-key'];
  if (typeof header === 'string') return header;
  return /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
}

export async function startAnthropicServer(apiKey: string): Promise<AnthropicServer> {
  let next = 0;
  const state: AnthropicServer = {
    url: '',
    requests: [],
    reply: () => ({ kind: 'error', status: 500, type: 'api_error', message: 'no reply set' }),
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: MessagesRequest = {};
      try {
        body = raw ? (JSON.parse(raw) as MessagesRequest) : {};
      } catch {
        body = {};
      }
      const request: RecordedRequest = {
        method: req.method ?? '',
        path: url.pathname,
        headers: req.headers,
        body,
        at: Date.now(),
      };
      state.requests.push(request);
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, {
          'content-type': 'application/json',
          'request-id': `req_local_${next}`,
          ...headers,
        });
        res.end(JSON.stringify(payload));
      };
      if (req.method !== 'POST' || url.pathname !== '/v1/messages') {
        send(404, { type: 'error', error: { type: 'not_found_error', message: 'not found' } });
        return;
      }
      next += 1;
      if (credentialOf(req.headers) !== apiKey) {
        send(401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } });
        return;
      }
      const reply = state.reply(request);
      if (reply.kind === 'error') {
        send(
          reply.status,
          { type: 'error', error: { type: reply.type, message: reply.message ?? reply.type } },
          reply.headers,
        );
        return;
      }
      const toolName = request.body.tool_choice?.name ?? 'unknown';
      const content =
        reply.kind === 'tool'
          ? [
              {
                type: 'tool_use',
                id: `toolu_local_${next}`,
                name: toolName,
                input: reply.input,
                caller: { type: 'direct' },
              },
            ]
          : reply.kind === 'text'
            ? [{ type: 'text', text: reply.text, citations: null }]
            : [];
      send(200, {
        id: `msg_local_${next}`,
        type: 'message',
        role: 'assistant',
        model: reply.kind === 'tool' && reply.model ? reply.model : request.body.model,
        content,
        stop_reason: reply.kind === 'tool' ? 'tool_use' : reply.kind === 'refusal' ? 'refusal' : 'end_turn',
        stop_sequence: null,
        stop_details: null,
        usage: { input_tokens: 42, output_tokens: 17 },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.url = `http://127.0.0.1:${port}`;
  state.close = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    });
  return state;
}
