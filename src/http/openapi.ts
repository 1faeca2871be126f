/**
 * Builds the OpenAPI 3.1 document from the operation registry: paths, parameters and bodies from each
 * operation's zod input, envelopes around its zod output, and every error response it can give.
 */

import { type EmittedEvent, EVENT_DATA } from '../domain/events/event-types.ts';
import { paymentInfoOf, SERVICE_INFO } from '../domain/payments/payment-offers.ts';
import { ERROR_CATALOGUE, type ErrorCode } from '../errors/catalogue.ts';
import { isMutation, type Operation, pathParams } from '../operations/define-operation.ts';
import { type JsonSchema, PAGINATION_SCHEMA, toJsonSchema } from '../operations/json-schema.ts';
import type { RailWire } from '../services.ts';

/** Errors every operation of this kind can answer with, on top of the ones it lists. */
export function errorCodesOf(operation: Operation, rails: readonly RailWire[]): ErrorCode[] {
  const codes: ErrorCode[] = [
    'SERVER_002',
    'SERVER_005',
    'APIKEY_001',
    'APIKEY_002',
    'APIKEY_003',
    'AUTH_001',
  ];
  if (operation.scope !== 'none') codes.push('APIKEY_004');
  codes.push('RATE_001');
  if (operation.idempotency) codes.push('SERVER_016');
  if (operation.payment) codes.push('PAYMENT_001');
  for (const rail of rails) codes.push(...rail.openapi.errorCodes(operation));
  if (isMutation(operation)) codes.push('SERVER_011');
  codes.push(...(operation.errors ?? []), 'SERVER_001');
  return [...new Set(codes)];
}

const ERROR_ENVELOPE: JsonSchema = {
  type: 'object',
  required: ['success', 'error'],
  properties: {
    success: { const: false },
    error: {
      type: 'object',
      required: ['code', 'message', 'requestId'],
      properties: {
        code: { type: 'string', enum: Object.keys(ERROR_CATALOGUE) },
        message: { type: 'string' },
        requestId: { type: 'string', description: 'same value as the X-Request-ID header' },
      },
    },
    retryAfter: { type: 'integer', description: 'seconds to wait (429 only)' },
    limit: { type: 'integer', description: 'limit of the exceeded window (429 only)' },
    remaining: { type: 'integer', description: 'always 0 on a 429' },
  },
};

const PAGINATION_META: JsonSchema = {
  type: 'object',
  required: ['pagination'],
  properties: {
    pagination: PAGINATION_SCHEMA,
  },
};

const RATE_LIMIT_HEADER_NAMES = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'] as const;

/** References to the X-RateLimit-* headers, sent on every answer to an authenticated caller. */
const RATE_LIMIT_HEADERS: Record<string, unknown> = Object.fromEntries(
  RATE_LIMIT_HEADER_NAMES.map((name) => [name, { $ref: `#/components/headers/${name}` }]),
);

function errorResponses(operation: Operation, rails: readonly RailWire[]): Record<string, unknown> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorCodesOf(operation, rails)) {
    const status = ERROR_CATALOGUE[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, unknown> = {};
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    // A 401 is answered before the caller is known; every later answer says where its limit stands.
    const headers: Record<string, unknown> = status === 401 ? {} : { ...RATE_LIMIT_HEADERS };
    if (status === 429) {
      headers['Retry-After'] = { description: 'seconds to wait', schema: { type: 'integer' } };
    }
    responses[String(status)] = {
      description: codes.map((c) => `${c}: ${ERROR_CATALOGUE[c].message}`).join('; '),
      headers: { 'X-Request-ID': { $ref: '#/components/headers/X-Request-ID' }, ...headers },
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  return responses;
}

/** Who may call: an API key, and for agents whatever payment rails accept the operation. */
function securityOf(operation: Operation, rails: readonly RailWire[]): Record<string, string[]>[] {
  return [
    { apiKey: [] },
    ...rails.filter((rail) => rail.openapi.accepts(operation)).map((rail) => ({ [rail.name]: [] })),
  ];
}

function operationObject(operation: Operation, rails: readonly RailWire[]): Record<string, unknown> {
  const paying = rails.filter((rail) => operation.payment && rail.openapi.accepts(operation));
  const inputSchema = toJsonSchema(operation.input, 'input');
  const properties = (inputSchema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((inputSchema.required ?? []) as string[]);
  const params = new Set(pathParams(operation.path));
  const parameters: unknown[] = [...params].map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: properties[name] ?? { type: 'string' },
  }));
  const bodyProperties: Record<string, JsonSchema> = {};
  for (const [name, schema] of Object.entries(properties)) {
    if (params.has(name)) continue;
    if (isMutation(operation)) bodyProperties[name] = schema;
    else {
      const { description, ...rest } = schema;
      parameters.push({ name, in: 'query', required: required.has(name), description, schema: rest });
    }
  }
  if (operation.idempotency) {
    parameters.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: 'replay-safe retries: 1-255 characters of [A-Za-z0-9._-], kept 24 h per key and operation',
      schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,255}$' },
    });
  }

  const dataSchema = toJsonSchema(operation.output, 'output');
  const successHeaders: Record<string, unknown> = {
    'X-Request-ID': { $ref: '#/components/headers/X-Request-ID' },
    ...RATE_LIMIT_HEADERS,
  };
  if (operation.idempotency) {
    successHeaders['Idempotent-Replayed'] = {
      description: '`true` when this is a stored response replayed for a repeated Idempotency-Key',
      schema: { type: 'string', enum: ['true'] },
    };
  }
  const envelope: JsonSchema = {
    type: 'object',
    required: operation.paginated ? ['success', 'data', 'meta'] : ['success', 'data'],
    properties: {
      success: { const: true },
      data: dataSchema,
      ...(operation.paginated ? { meta: PAGINATION_META } : {}),
    },
  };

  const result: Record<string, unknown> = {
    operationId: operation.id,
    summary: operation.summary,
    tags: [operation.id.split('.')[0]],
    security: securityOf(operation, rails),
    'x-iris-scope': operation.scope,
    parameters,
    responses: {
      [String(operation.successStatus ?? 200)]: {
        description: operation.summary,
        headers: successHeaders,
        content: { 'application/json': { schema: envelope } },
      },
      ...Object.assign({}, ...paying.map((rail) => rail.openapi.responses(operation))),
      ...errorResponses(operation, rails),
    },
  };
  for (const response of Object.values(result.responses as Record<string, Record<string, unknown>>)) {
    if (response.content === undefined) response.content = { 'application/json': { schema: envelope } };
  }
  if (operation.payment) {
    result['x-iris-payable'] = true;
    const paymentInfo = paymentInfoOf(operation, paying);
    if (paymentInfo) result['x-payment-info'] = paymentInfo;
    const success = (result.responses as Record<string, Record<string, unknown>>)[
      String(operation.successStatus ?? 200)
    ];
    if (success) {
      success.headers = {
        ...successHeaders,
        ...Object.assign({}, ...paying.map((rail) => rail.openapi.successHeaders)),
      };
    }
  }
  if (operation.agentProof !== undefined) {
    const signInOnly = operation.agentProof === 'sign-in';
    result['x-iris-agent-proof'] = signInOnly ? 'sign-in' : 'sign-in-or-payment';
    const signIn =
      'Agents without a key: a wallet that has paid here may sign in instead, signing the message a 402 challenge declares (extensions["sign-in-with-x"]) into the SIGN-IN-WITH-X header; each signed message works once.';
    result.description = signInOnly
      ? `${signIn} The payment credential shown again does not let anything be changed.`
      : `${signIn} Showing again the payment credential it paid with also identifies it here.`;
  }
  if (operation.rateLimit) result['x-iris-rate-limit'] = operation.rateLimit;
  if (operation.audit) result['x-iris-audit'] = operation.audit;
  if (isMutation(operation) && Object.keys(bodyProperties).length > 0) {
    const bodyRequired = [...required].filter((name) => name in bodyProperties);
    result.requestBody = {
      required: bodyRequired.length > 0,
      content: {
        'application/json': {
          schema: {
            type: 'object',
            properties: bodyProperties,
            ...(bodyRequired.length > 0 ? { required: bodyRequired } : {}),
            ...(inputSchema.additionalProperties === false ? { additionalProperties: false } : {}),
          },
        },
      },
    };
  }
  return result;
}

/** Each domain event as an OpenAPI 3.1 webhook: the envelope a subscriber receives, with its `data`. */
function eventWebhooks(): Record<string, unknown> {
  return Object.fromEntries(
    (Object.keys(EVENT_DATA) as EmittedEvent[]).map((type) => [
      type,
      {
        post: {
          summary: `the ${type} event`,
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['id', 'event', 'timestamp', 'created_at', 'data'],
                  properties: {
                    id: { type: 'string', description: 'evt_…, the same on every delivery of this event' },
                    event: { const: type },
                    timestamp: { type: 'string', format: 'date-time', description: 'when it happened' },
                    created_at: {
                      type: 'string',
                      format: 'date-time',
                      description: 'when the delivery was made',
                    },
                    data: toJsonSchema(EVENT_DATA[type], 'output'),
                  },
                },
              },
            },
          },
          responses: { '200': { description: 'any 2xx acknowledges the delivery' } },
        },
      },
    ]),
  );
}

export function openApiDocument(
  operations: readonly Operation[],
  serverUrl: string,
  rails: readonly RailWire[],
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {
    '/health': {
      get: {
        operationId: 'health',
        summary: 'readiness, including the database',
        security: [],
        responses: {
          '200': { description: 'ready' },
          '503': {
            description: 'SERVER_009: database unavailable',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        },
      },
    },
  };
  for (const operation of operations) {
    const path = operation.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    paths[path] ??= {};
    (paths[path] as Record<string, unknown>)[operation.method.toLowerCase()] = operationObject(
      operation,
      rails,
    );
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'iris API',
      version: '1.0.0',
      description:
        'Multi-channel outreach campaigns for people (scoped API keys) and autonomous agents. Responses are `{success, data, meta?}`; errors are `{success: false, error: {code, message, requestId}}`.',
    },
    'x-service-info': SERVICE_INFO,
    servers: [{ url: serverUrl }],
    security: [{ apiKey: [] }],
    tags: [...new Set(operations.map((o) => o.id.split('.')[0] as string))].map((name) => ({ name })),
    paths,
    webhooks: eventWebhooks(),
    components: {
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'is_live_…',
          description: 'Authorization: Bearer is_live_… — an API key with the scope the operation names',
        },
        ...Object.fromEntries(rails.map((rail) => [rail.name, rail.openapi.securityScheme])),
      },
      headers: {
        'X-Request-ID': { description: 'correlation id of this request', schema: { type: 'string' } },
        'X-RateLimit-Limit': {
          description: 'limit of the tightest window this request was counted in (the exceeded one on a 429)',
          schema: { type: 'integer' },
        },
        'X-RateLimit-Remaining': {
          description: 'requests left in that window (0 on a 429)',
          schema: { type: 'integer' },
        },
        'X-RateLimit-Reset': {
          description: 'when that window ends, ms since epoch',
          schema: { type: 'integer' },
        },
      },
      schemas: { Error: ERROR_ENVELOPE },
    },
  };
}
