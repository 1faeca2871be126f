/**
 * Every registered operation, fuzzed over REST and MCP with an admin key (`*`): inputs generated from
 * the operation's input JSON schema (valid, mutated, hostile) and a fixed corpus of hostile values in
 * every field. Every answer must be below 500 and the documented envelope with a catalogue code; over
 * MCP never a JSON-RPC internal error. New operations are fuzzed as soon as they are registered.
 *
 * Bounded: FC_RUNS generated inputs per operation (default 100) within FC_TIME_LIMIT_MS (default 2,000),
 * plus the corpus (one request per hostile value and transport, and the worst four in every field).
 * fast-check prints the seed and path of a failure; FC_SEED=<seed> replays it (default seed fixed).
 *
 * Payable operations are fuzzed with the key, which never pays: no payment rail is configured here, and
 * the rails' 402 offers to keyless callers are covered by the payment suites (test/x402, test/mpp).
 * The clock moves past the operation's rate-limit windows before each request (there is no setting
 * to lift the per-key limits), so no answer is a rate limit; plan limits (429 CAMP_009, CONTACT_009)
 * and the active-key limit (429 APIKEY_005) may answer: below 500 and documented.
 */
import { eq } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../db/schema.ts';
import { type Operation, pathParams } from '../../src/operations/define-operation.ts';
import { toJsonSchema } from '../../src/operations/json-schema.ts';
import { operations } from '../../src/operations/registry.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { startRefusingDmApis } from './refusing-dm-apis.ts';
import { idSlotsOf, type Owned, pastRateLimitsMs, type Seeder, seedResources } from './resources.ts';
import {
  Deep,
  HOSTILE_VALUES,
  hostileString,
  inputOf,
  minimalValid,
  propertiesOf,
  summarize,
} from './schema-arbitrary.ts';
import { callMcp, callRest, mcpProblems, outcomeOf, restProblems, sendRest } from './wire.ts';

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, got ${raw}`);
  return value;
}

const SEED = numberFromEnv('FC_SEED', 18_2025);
const RUNS = numberFromEnv('FC_RUNS', 100);
const TIME_LIMIT_MS = numberFromEnv('FC_TIME_LIMIT_MS', 2_000);

/** The values no field may break anything with: tried in every field of every operation. */
const WORST: readonly unknown[] = [
  'nul \u0000 inside',
  'lone \ud800 high surrogate',
  'a'.repeat(1_000_000),
  new Deep('object', 10_000),
];

let server: TestServer;
let dmApis: Awaited<ReturnType<typeof startRefusingDmApis>>;
let seeder: Seeder;
let pool: Owned;
let requests = 0;
const stats: { operation: string; corpus: number; runs: number; interrupted: boolean }[] = [];
function statOf(operation: Operation) {
  let entry = stats.find((s) => s.operation === operation.id);
  if (!entry) {
    entry = { operation: operation.id, corpus: 0, runs: 0, interrupted: false };
    stats.push(entry);
  }
  return entry;
}
/** How many answers of each kind (status and code): shows how much input got past validation. */
const tally = new Map<string, number>();

beforeAll(async () => {
  dmApis = await startRefusingDmApis();
  server = await startTestServer({ ...dmApis.env, WEBHOOKS_ALLOW_PRIVATE: 'true' });
  seeder = {
    url: server.url,
    db: server.services.db,
    beforeRequest: () => server.advance(pastRateLimitsMs()),
  };
  // Room for the seeds and whatever the fuzz creates: plan limits are not what this suite measures.
  await server.services.db.update(users).set({ plan: 'agency' }).where(eq(users.id, server.ownerId));
  pool = await seedResources(seeder, { key: server.adminKey, userId: server.ownerId }, 'fuzz', 3);
});

afterAll(async () => {
  const runs = stats.reduce((sum, s) => sum + s.runs, 0);
  const corpus = stats.reduce((sum, s) => sum + s.corpus, 0);
  const cut = stats.filter((s) => s.interrupted).map((s) => s.operation);
  console.log(
    `fuzz: ${stats.length} operations, ${corpus} corpus cases, ${runs} generated runs (seed ${SEED}), ` +
      `${requests} requests${cut.length > 0 ? `; cut by the time budget: ${cut.join(', ')}` : ''}`,
  );
  const kinds = [...tally].sort((a, b) => b[1] - a[1]).map(([kind, n]) => `  ${kind}: ${n}`);
  console.log(`answers:\n${kinds.join('\n')}`);
  await server?.close();
  await dmApis?.close();
});

interface Case {
  input: Record<string, unknown>;
  throughSdk: boolean;
  idempotencyKey: string | null;
}

/** Sends a case over REST and MCP; what is wrong with the answers. */
async function problemsOf(operation: Operation, c: Case): Promise<string[]> {
  const headers: Record<string, string> = c.idempotencyKey ? { 'idempotency-key': c.idempotencyKey } : {};
  server.advance(pastRateLimitsMs(operation));
  const rest = await callRest(server.url, server.adminKey, operation, c.input, headers);
  server.advance(pastRateLimitsMs(operation));
  const mcp = await callMcp(server.url, server.adminKey, operation, c.input, { throughSdk: c.throughSdk });
  requests += 2;
  for (const outcome of [outcomeOf('REST', rest), outcomeOf('MCP', mcp)]) {
    tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
  }
  return [
    ...restProblems(rest).map((p) => `REST ${rest.sent} → ${rest.status}: ${p}`),
    ...mcpProblems(mcp).map((p) => `MCP ${mcp.sent} → ${mcp.status}: ${p}`),
  ];
}

/** Path ids: mostly ids of live (or deleted) resources of the account, else random uuids and hostile text. */
function pathIdsOf(operation: Operation): Record<string, fc.Arbitrary<unknown>> {
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const slot of idSlotsOf(operation)) {
    if (slot.where !== 'path') continue;
    const known = slot.resource ? pool.ids[slot.resource] : [];
    fields[slot.name] = fc.oneof(
      { weight: known.length > 0 ? 4 : 0, arbitrary: fc.constantFrom(...(known.length > 0 ? known : ['x'])) },
      { weight: 2, arbitrary: fc.uuid() },
      { weight: 2, arbitrary: hostileString },
      { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
    );
  }
  return fields;
}

/** The smallest valid input, with ids of the account's live resources in the path. */
function baseInputOf(operation: Operation): Record<string, unknown> {
  const ids = Object.fromEntries(
    idSlotsOf(operation)
      .filter((slot) => slot.where === 'path')
      .map((slot) => [slot.name, (slot.resource && pool.ids[slot.resource].at(-1)) ?? 'x']),
  );
  return { ...(minimalValid(toJsonSchema(operation.input, 'input')) as Record<string, unknown>), ...ids };
}

/** Every hostile value once (the field rotating), and the worst ones in every field. */
function corpusOf(operation: Operation): Record<string, unknown>[] {
  const base = baseInputOf(operation);
  const names = propertiesOf(toJsonSchema(operation.input, 'input')).map(([name]) => name);
  for (const param of pathParams(operation.path)) if (!names.includes(param)) names.push(param);
  const fields = names.length > 0 ? names : ['unexpected'];
  const cases = HOSTILE_VALUES.map((value, i) => ({ ...base, [fields[i % fields.length] as string]: value }));
  for (const field of fields) for (const value of WORST) cases.push({ ...base, [field]: value });
  cases.push({}, { ...base, 'unknown \u0000 field': 1, unknown_field: { nested: [1, 'x'] } });
  return cases;
}

function report(operation: Operation, failures: string[]): void {
  if (failures.length === 0) return;
  const shown = failures.slice(0, 25).join('\n');
  throw new Error(`${operation.id}: ${failures.length} bad answers\n${shown}`);
}

for (const operation of operations) {
  describe(operation.id, () => {
    // Resources a destructive operation removed are replaced, so the next operations still find some.
    afterAll(async () => {
      if (operation.method !== 'DELETE' && !operation.destructive && !/rotate/.test(operation.id)) return;
      const more = await seedResources(seeder, { key: server.adminKey, userId: server.ownerId }, 'refill');
      for (const [kind, ids] of Object.entries(more.ids)) pool.ids[kind as keyof Owned['ids']].push(...ids);
    });

    it('answers every hostile value in the documented envelope, REST and MCP', async () => {
      const failures: string[] = [];
      const cases = corpusOf(operation);
      for (const [i, input] of cases.entries()) {
        const problems = await problemsOf(operation, {
          input,
          throughSdk: i % 7 === 3,
          idempotencyKey: null,
        });
        for (const problem of problems) failures.push(`${problem}\n    input: ${summarize(input)}`);
      }
      statOf(operation).corpus = cases.length;
      report(operation, failures);
    });

    if (operation.method !== 'GET') {
      it('answers request bodies that are not a JSON object in the envelope', async () => {
        const bodies: (string | Buffer)[] = [
          Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}')]),
          '[]',
          '"text"',
          'null',
          '{',
          '{"a":1,"a":2}',
          new Deep('object', 10_000).text,
          new Deep('array', 10_000).text,
        ];
        const base = baseInputOf(operation);
        const path = operation.path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => String(base[name]));
        const failures: string[] = [];
        for (const body of bodies) {
          server.advance(pastRateLimitsMs(operation));
          const answer = await sendRest(server.url, server.adminKey, {
            method: operation.method,
            path,
            body,
          });
          requests += 1;
          for (const problem of restProblems(answer)) {
            failures.push(`${answer.sent} body ${summarize(String(body))} → ${answer.status}: ${problem}`);
          }
        }
        report(operation, failures);
      });
    }

    it(`answers ${RUNS} generated inputs in the documented envelope, REST and MCP`, async () => {
      const schema = toJsonSchema(operation.input, 'input');
      const arbitrary = fc.record({
        input: inputOf(schema, pathIdsOf(operation)),
        throughSdk: fc.boolean(),
        idempotencyKey: operation.idempotency
          ? fc.option(fc.oneof(fc.uuid(), fc.stringMatching(/^[!-~]{1,300}$/)), { nil: null })
          : fc.constant(null),
      });
      const details = await fc.check(
        fc.asyncProperty(arbitrary, async (c) => {
          const problems = await problemsOf(operation, c);
          if (problems.length > 0) throw new Error(problems.join('\n'));
        }),
        {
          numRuns: RUNS,
          seed: SEED,
          endOnFailure: true,
          plugins: [fc.interruptAfterTimeLimit(TIME_LIMIT_MS)],
        },
      );
      Object.assign(statOf(operation), { runs: details.numRuns, interrupted: details.interrupted });
      if (details.failed) {
        throw new Error(
          `${operation.id} failed after ${details.numRuns} runs; replay with FC_SEED=${details.seed} ` +
            `(path ${details.counterexamplePath})\ninput: ${summarize(details.counterexample)}\n` +
            `${details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)}`,
        );
      }
      expect(details.numRuns).toBeGreaterThan(0);
    });
  });
}

describe('the judges', () => {
  const answer = (status: number, text: string, requestId = 'req_1') => {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status, headers: new Headers({ 'x-request-id': requestId }), text, json, sent: 'test' };
  };
  const error = (code: string, extra = '') =>
    `{"success":false,"error":{"code":"${code}","message":"m","requestId":"req_1"${extra}}}`;

  it('pass the documented envelopes', () => {
    expect(restProblems(answer(200, '{"success":true,"data":[],"meta":{}}'))).toEqual([]);
    expect(restProblems(answer(422, error('SERVER_005')))).toEqual([]);
    expect(
      mcpProblems(answer(200, '{"jsonrpc":"2.0","id":1,"result":{"structuredContent":{"data":1}}}')),
    ).toEqual([]);
    expect(
      mcpProblems(answer(400, '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}}')),
    ).toEqual([]);
  });

  it('catch 5xx, bodies that are not the envelope, unknown codes and internal errors', () => {
    expect(restProblems(answer(500, error('SERVER_001')))).not.toEqual([]);
    expect(
      restProblems(answer(400, '{"success":false,"error":{"code":"SERVER_002","message":"x')),
    ).not.toEqual([]);
    expect(restProblems(answer(404, error('NOPE_001')))).not.toEqual([]);
    expect(restProblems(answer(404, error('SERVER_005')))).not.toEqual([]);
    expect(restProblems(answer(422, error('SERVER_005', ',"sql":"select"')))).not.toEqual([]);
    expect(restProblems(answer(422, error('SERVER_005'), 'req_2'))).not.toEqual([]);
    expect(restProblems(answer(200, '{"data":1}'))).not.toEqual([]);
    expect(
      mcpProblems(answer(200, '{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"x"}}')),
    ).not.toEqual([]);
    const isError = (code: string, message = 'm') =>
      `{"jsonrpc":"2.0","id":1,"result":{"isError":true,"structuredContent":{"code":"${code}","message":"${message}","requestId":"r"}}}`;
    expect(mcpProblems(answer(200, isError('SERVER_001')))).not.toEqual([]);
    expect(mcpProblems(answer(200, isError('NOPE_001')))).not.toEqual([]);
    expect(mcpProblems(answer(200, isError('SERVER_003', 'unknown tool: x')))).not.toEqual([]);
    expect(mcpProblems(answer(502, ''))).not.toEqual([]);
  });

  it('see every registered operation, each once', () => {
    expect(operations.length).toBeGreaterThan(0);
    expect(new Set(operations.map((o) => o.id)).size).toBe(operations.length);
  });
});
