/**
 * Tenant isolation over every registered operation. Account A (the bootstrap owner) owns one of each
 * resource (campaign, target profile, contact, draft message, key, notification), and an agent's credit
 * purchase stands for what belongs to neither account. Account B (a second account, its admin key `*`)
 * calls every operation that takes an id with A's ids — in the path, and in `*_id` / `ids` fields —
 * over REST and MCP, and every operation without an id as itself. B gets 404 (or 403 where a scope
 * rule answers first), never a success on A's resource, and no answer carries A's data; afterwards A
 * reads its resources back unchanged.
 *
 * The operations come from the registry: an operation with an id the sweep cannot map to a resource,
 * or whose minimal input the sweep cannot build, fails here by name — extend SEGMENT_RESOURCES /
 * FIELD_RESOURCES (resources.ts) or INPUT_OVERRIDES below.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../../src/domain/accounts/create-account.ts';
import { ERROR_CATALOGUE } from '../../src/errors/catalogue.ts';
import type { Operation } from '../../src/operations/define-operation.ts';
import { toJsonSchema } from '../../src/operations/json-schema.ts';
import { operations } from '../../src/operations/registry.ts';
import { api } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { startRefusingDmApis } from './refusing-dm-apis.ts';
import {
  type IdSlot,
  idSlotsOf,
  type Owned,
  pastRateLimitsMs,
  type Seeder,
  seedResources,
  snapshotOf,
} from './resources.ts';
import { minimalValid, propertiesOf, requiredOf } from './schema-arbitrary.ts';
import { callMcp, callRest, mcpProblems, restProblems, type WireAnswer } from './wire.ts';

/** Input the minimal valid value of the schema does not give: the change B tries to make. */
const INPUT_OVERRIDES: Record<string, Record<string, unknown>> = {
  'campaigns.update': { name: 'renamed by B', location: 'moved by B' },
  'campaigns.set_status': { status: 'completed' },
  'keys.rename': { name: 'renamed by B' },
  'contacts.update': { first_name: 'renamed by B', unsubscribed: true },
  'contacts.create': { email: 'probe-by-b@example.com' },
  'contacts.bulk_import': { contacts: [{ email: 'import-by-b@example.com' }] },
  'notifications.update': { read: true },
  'discovery.search': { query: 'probe by B' },
};

let server: TestServer;
let dmApis: Awaited<ReturnType<typeof startRefusingDmApis>>;
let seeder: Seeder;
let a: { key: string; userId: string };
let b: { key: string; userId: string };
let ownedByA: Owned;
let ownedByB: Owned;
let before: Record<string, unknown>;

beforeAll(async () => {
  dmApis = await startRefusingDmApis();
  server = await startTestServer({ ...dmApis.env, WEBHOOKS_ALLOW_PRIVATE: 'true' });
  seeder = {
    url: server.url,
    db: server.services.db,
    beforeRequest: () => server.advance(pastRateLimitsMs()),
  };
  a = { key: server.adminKey, userId: server.ownerId };
  const other = await createAccount(
    server.services.db,
    `tenant-b-${randomBytes(4).toString('hex')}@example.com`,
    server.services.clock(),
  );
  b = { key: other.key.key, userId: other.userId };
  ownedByA = await seedResources(seeder, a, 'tenant-a');
  ownedByB = await seedResources(seeder, b, 'tenant-b');
  for (const [kind, ids] of Object.entries(ownedByA.ids)) {
    if (ids.length === 0) throw new Error(`account A owns no ${kind}: the sweep would prove nothing`);
  }
  before = await snapshotOf(seeder, a.key, ownedByA);
});
afterAll(async () => {
  await server?.close();
  await dmApis?.close();
});

const allIdsOf = (owned: Owned) => Object.values(owned.ids).flat();

/** Why the sweep cannot call the operation; undefined when it can. */
function unknownSlots(operation: Operation): string | undefined {
  const unknown = idSlotsOf(operation).filter((slot) => slot.resource === undefined);
  if (unknown.length === 0) return undefined;
  return (
    `the tenant sweep does not know how to call ${operation.id} (${operation.method} ${operation.path}): ` +
    `no resource for ${unknown.map((slot) => `${slot.where} id "${slot.name}"`).join(', ')}; ` +
    'extend SEGMENT_RESOURCES or FIELD_RESOURCES in test/reliability/resources.ts'
  );
}

/** The smallest valid input, the change B tries to make (INPUT_OVERRIDES), and the ids from `idOf`. */
function inputFor(operation: Operation, idOf: (slot: IdSlot) => string): Record<string, unknown> {
  const schema = toJsonSchema(operation.input, 'input');
  const input = minimalValid(schema) as Record<string, unknown>;
  const slots = idSlotsOf(operation);
  const overrides = INPUT_OVERRIDES[operation.id];
  if (overrides) Object.assign(input, overrides);
  else if (operation.method === 'PATCH') {
    // A change to make, when the schema requires none.
    const change = propertiesOf(schema).find(
      ([name]) => !requiredOf(schema).includes(name) && !slots.some((slot) => slot.name === name),
    );
    if (change) input[change[0]] = minimalValid(change[1]);
  }
  for (const slot of slots) input[slot.name] = slot.many ? [idOf(slot)] : idOf(slot);
  return input;
}

/** The account's id for the slot (each account owns one of each resource). */
function idFrom(owned: Owned, slot: IdSlot): string {
  const kind = slot.resource;
  if (!kind) throw new Error(`no resource for ${slot.name}`);
  const [id] = owned.ids[kind];
  if (!id) throw new Error(`no ${kind} to sweep with`);
  return id;
}

/** Every way B calls the operation: all ids A's, then each id A's with the others B's own. */
function callsOf(operation: Operation): { label: string; input: Record<string, unknown> }[] {
  const slots = idSlotsOf(operation);
  const calls = [{ label: "A's ids", input: inputFor(operation, (slot) => idFrom(ownedByA, slot)) }];
  if (slots.length > 1) {
    for (const target of slots) {
      calls.push({
        label: `A's ${target.name}, B's other ids`,
        input: inputFor(operation, (slot) => idFrom(slot.name === target.name ? ownedByA : ownedByB, slot)),
      });
    }
  }
  return calls;
}

/** A's texts (and, when `ids`, A's ids) found in an answer. */
function leaks(answer: WireAnswer, withIds: boolean): string[] {
  const secrets = [...ownedByA.markers, ...(withIds ? allIdsOf(ownedByA) : [])];
  return secrets.filter((secret) => answer.text.toLowerCase().includes(secret.toLowerCase()));
}

interface Outcome {
  status: number;
  code: string | undefined;
  data: unknown;
  problems: string[];
}

function outcomeOf(transport: 'REST' | 'MCP', answer: WireAnswer): Outcome {
  const body = (answer.json ?? {}) as Record<string, unknown>;
  if (transport === 'REST') {
    const error = body.error as { code?: string } | undefined;
    return { status: answer.status, code: error?.code, data: body.data, problems: restProblems(answer) };
  }
  const result = (body.result ?? {}) as { isError?: boolean; structuredContent?: Record<string, unknown> };
  const structured = result.structuredContent ?? {};
  const code = result.isError ? String(structured.code) : undefined;
  // The status the REST answer has for this code; a JSON-RPC error has no status (reported as 0).
  const status = body.error ? 0 : code ? (codeStatus.get(code) ?? 0) : 200;
  return { status, code, data: structured.data, problems: mcpProblems(answer) };
}

const codeStatus = new Map<string, number>(
  Object.entries(ERROR_CATALOGUE).map(([code, entry]) => [code, entry.status]),
);

/** What is wrong with B's answer to a call with A's ids. */
function verdict(operation: Operation, outcome: Outcome, onlyFieldIds: boolean): string[] {
  const problems = [...outcome.problems];
  if (outcome.status === 400 || outcome.status === 422) {
    problems.push(
      `the tenant sweep could not call ${operation.id} validly (${outcome.code}); ` +
        'extend INPUT_OVERRIDES in test/reliability/tenant-sweep.test.ts',
    );
  } else if (outcome.status >= 200 && outcome.status < 300) {
    if (!onlyFieldIds) problems.push(`B succeeded (${outcome.status}) on A's resource`);
    const data = outcome.data as { deleted?: unknown[] } | unknown[] | undefined;
    if (Array.isArray(data) && data.length > 0) problems.push(`B's filtered list shows ${data.length} items`);
    if (data && !Array.isArray(data) && Array.isArray(data.deleted) && data.deleted.length > 0) {
      problems.push(`B deleted ${data.deleted.length} of A's resources`);
    }
  } else if (outcome.status !== 404 && outcome.status !== 403) {
    problems.push(`answered ${outcome.status} ${outcome.code}, not 404 or 403`);
  }
  return problems;
}

async function sweep(operation: Operation, input: Record<string, unknown>, label: string): Promise<string[]> {
  const onlyFieldIds = idSlotsOf(operation).every((slot) => slot.where === 'field');
  const failures: string[] = [];
  seeder.beforeRequest();
  const rest = await callRest(server.url, b.key, operation, input);
  seeder.beforeRequest();
  const mcp = await callMcp(server.url, b.key, operation, input);
  for (const [transport, answer] of [
    ['REST', rest],
    ['MCP', mcp],
  ] as const) {
    const outcome = outcomeOf(transport, answer);
    for (const problem of verdict(operation, outcome, onlyFieldIds)) {
      failures.push(`${transport} ${answer.sent} (${label}): ${problem}`);
    }
    const leaked = leaks(answer, false);
    if (leaked.length > 0)
      failures.push(`${transport} ${answer.sent} (${label}) shows A's ${leaked.join(', ')}`);
  }
  return failures;
}

const withIds = operations.filter((operation) => idSlotsOf(operation).length > 0);
const withoutIds = operations.filter((operation) => idSlotsOf(operation).length === 0);

describe("B calling operations with A's ids", () => {
  for (const operation of withIds) {
    it(`${operation.id}: 404, never A's data`, async () => {
      const unknown = unknownSlots(operation);
      if (unknown) throw new Error(unknown);
      const failures: string[] = [];
      for (const call of callsOf(operation))
        failures.push(...(await sweep(operation, call.input, call.label)));
      expect(failures, operation.id).toEqual([]);
    });
  }
});

describe('B calling operations without ids', () => {
  for (const operation of withoutIds) {
    it(`${operation.id}: nothing of A in the answer`, async () => {
      const input = inputFor(operation, () => '');
      const failures: string[] = [];
      for (const transport of ['REST', 'MCP'] as const) {
        seeder.beforeRequest();
        const answer =
          transport === 'REST'
            ? await callRest(server.url, b.key, operation, input)
            : await callMcp(server.url, b.key, operation, input);
        const problems = transport === 'REST' ? restProblems(answer) : mcpProblems(answer);
        failures.push(...problems.map((p) => `${transport} ${answer.sent}: ${p}`));
        const leaked = leaks(answer, true);
        if (leaked.length > 0) failures.push(`${transport} ${answer.sent} shows A's ${leaked.join(', ')}`);
      }
      expect(failures, operation.id).toEqual([]);
    });
  }
});

describe('the sweep itself', () => {
  it('covers every registered operation that takes an id', () => {
    expect(withIds.length).toBeGreaterThan(0);
    expect(withIds.length + withoutIds.length).toBe(operations.length);
    expect(operations.map(unknownSlots).filter(Boolean)).toEqual([]);
  });

  it("B's bulk delete of A's contact ids deletes nothing", async () => {
    seeder.beforeRequest();
    const response = await api(server.url, 'POST', '/contacts/bulk-delete', {
      key: b.key,
      body: { ids: ownedByA.ids.contact },
    });
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ deleted: [], not_found: ownedByA.ids.contact });
    for (const id of ownedByA.ids.contact) {
      seeder.beforeRequest();
      expect((await api(server.url, 'GET', `/contacts/${id}`, { key: a.key })).status).toBe(200);
    }
  });

  // Last: after every call B made.
  it("leaves A's resources as they were", async () => {
    expect(await snapshotOf(seeder, a.key, ownedByA)).toEqual(before);
  });
});
