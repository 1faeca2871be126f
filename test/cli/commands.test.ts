/**
 * The `iris` commands against a real iris server, run in-process: output formats, flags from the input
 * schema (arrays, enums, aliases), positional ids, pagination, --json, API and usage errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createKey } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { type CliResult, emptyHome, json, runCli } from './support.ts';

let server: TestServer;
let env: Record<string, string>;
/** Each call starts fresh rate-limit windows: these tests are about the CLI, not the limits. */
function cli(args: string[], stdin?: string, extraEnv: Record<string, string> = {}): Promise<CliResult> {
  server.advance(61_000);
  return runCli(args, { ...env, ...extraEnv }, stdin);
}

beforeAll(async () => {
  server = await startTestServer();
  env = { HOME: emptyHome(), IRIS_API_URL: server.url, IRIS_API_KEY: server.adminKey };
});
afterAll(() => server.close());

describe('output', () => {
  it('prints the data of keys me as JSON, nothing else on stdout or stderr', async () => {
    const result = await cli(['keys', 'me']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const rest = await api(server.url, 'GET', '/keys/me', { key: server.adminKey });
    expect(json(result)).toEqual(rest.body.data);
    expect(result.stdout).toBe(`${JSON.stringify(rest.body.data, null, 2)}\n`);
  });

  it('prints a single object as a field/value table', async () => {
    const result = await cli(['--format', 'table', 'keys', 'me']);
    expect(result.code, result.stderr).toBe(0);
    const me = json(await cli(['keys', 'me']));
    expect(result.stdout).toMatch(/│ field\s+│ value\s+│/);
    expect(result.stdout).toMatch(new RegExp(`│ id\\s+│ ${me.id}\\s+│`));
    expect(result.stdout).toMatch(/│ scopes\s+│ \*\s+│/);
  });

  it('prints a list as a table with one row per item, --format accepted after the command too', async () => {
    const result = await cli(['keys', 'list', '--format', 'table']);
    expect(result.code, result.stderr).toBe(0);
    const header = result.stdout.split('\n')[1] ?? '';
    for (const column of ['id', 'name', 'prefix', 'scopes', 'status', 'created_at'])
      expect(header).toContain(` ${column} `);
    const keys = json(await cli(['keys', 'list']));
    for (const key of keys) expect(result.stdout).toContain(key.id);
  });
});

describe('campaigns', () => {
  let created: Record<string, unknown>;

  it('creates a campaign from flags: arrays comma-separated or repeated, numbers, enums, the --objective alias', async () => {
    const result = await cli([
      'campaigns',
      'create',
      '--name',
      'Q2 outreach',
      '--objective',
      'product_promotion',
      '--location',
      'Brooklyn, NY',
      '--radius-miles',
      '2.5',
      '--keywords',
      'coffee shop,bakery',
      '--keywords',
      'roastery',
      '--outreach-channels',
      'email,instagram',
      '--followup-days',
      '3,7,14',
      '--max-results',
      '120',
    ]);
    expect(result.code, result.stderr).toBe(0);
    created = json(result);
    expect(created).toMatchObject({
      name: 'Q2 outreach',
      objective_type: 'product_promotion',
      location: 'Brooklyn, NY',
      radius_miles: 2.5,
      keywords: ['coffee shop', 'bakery', 'roastery'],
      outreach_channels: ['email', 'instagram'],
      followup_days: [3, 7, 14],
      max_results: 120,
      venue_types: [],
      status: 'draft',
    });
  });

  it('gets a campaign by positional id, the same data as REST', async () => {
    const result = await cli(['campaigns', 'get', created.id as string]);
    expect(result.code, result.stderr).toBe(0);
    const rest = await api(server.url, 'GET', `/campaigns/${created.id}`, { key: server.adminKey });
    expect(json(result)).toEqual(rest.body.data);
  });

  it('merges --json into the input, flags winning over it', async () => {
    const body = JSON.stringify({ name: 'from json', objective_type: 'venue_dj', venue_types: ['bar'] });
    const result = await cli(['campaigns', 'create', '--json', body, '--name', 'from flag']);
    expect(result.code, result.stderr).toBe(0);
    expect(json(result)).toMatchObject({
      name: 'from flag',
      objective_type: 'venue_dj',
      venue_types: ['bar'],
    });

    const piped = await cli(['campaigns', 'create', '--json', '@-'], body);
    expect(piped.code, piped.stderr).toBe(0);
    expect(json(piped)).toMatchObject({ name: 'from json', venue_types: ['bar'] });
  });

  it('pages with --limit and --cursor, printing the next cursor on stderr only', async () => {
    const first = await cli(['campaigns', 'list', '--limit', '2']);
    expect(first.code, first.stderr).toBe(0);
    const page = json(first);
    expect(page).toHaveLength(2);
    const rest = await api(server.url, 'GET', '/campaigns?limit=2', { key: server.adminKey });
    expect(page).toEqual(rest.body.data);
    const cursor = rest.body.meta.pagination.next_cursor as string;
    expect(first.stderr).toBe(`more results: add --cursor ${cursor}\n`);

    const second = await cli(['campaigns', 'list', '--limit', '2', '--cursor', cursor]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toBe('');
    const ids = [...page, ...json(second)].map((c: { id: string }) => c.id);
    expect(new Set(ids).size).toBe(3);
    expect(ids).toContain(created.id);

    const drafts = json(await cli(['campaigns', 'list', '--status', 'draft']));
    expect(drafts).toHaveLength(3);
  });

  it('prints a list as a table and says "no results" on stderr for an empty one', async () => {
    const table = await cli(['--format', 'table', 'campaigns', 'list']);
    expect(table.stdout).toContain('Q2 outreach');
    expect(table.stdout).toContain('coffee shop, bakery, roastery');
    const empty = await cli(['--format', 'table', 'campaigns', 'list', '--status', 'paused']);
    expect(empty).toEqual({ code: 0, stdout: '', stderr: 'no results\n' });
  });

  it('sends --idempotency-key, so a repeated create replays the first campaign', async () => {
    const args = [
      'campaigns',
      'create',
      '--name',
      'once',
      '--objective',
      'venue_dj',
      '--idempotency-key',
      'cli-1',
    ];
    const first = await cli(args);
    const again = await cli(args);
    expect(first.code, first.stderr).toBe(0);
    expect(again.code, again.stderr).toBe(0);
    expect(json(again)).toEqual(json(first));
  });
});

describe('keys', () => {
  it('creates, renames, rotates and revokes a key', async () => {
    const created = await cli(['keys', 'create', '--name', 'ci', '--scopes', 'read,write']);
    expect(created.code, created.stderr).toBe(0);
    const key = json(created);
    expect(key).toMatchObject({ name: 'ci', scopes: ['read', 'write'], status: 'active' });
    expect(key.key).toMatch(/^is_live_/);

    const renamed = await cli(['keys', 'rename', key.id, '--name', 'ci runner']);
    expect(renamed.code, renamed.stderr).toBe(0);
    expect(json(renamed)).toMatchObject({ id: key.id, name: 'ci runner' });

    const rotated = await cli(['keys', 'rotate', key.id]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const next = json(rotated);
    expect(next).toMatchObject({ name: 'ci runner', scopes: ['read', 'write'] });
    expect(next.id).not.toBe(key.id);
    expect((await api(server.url, 'GET', '/keys/me', { key: key.key })).status).toBe(401);

    const revoked = await cli(['keys', 'revoke', next.id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(json(revoked)).toMatchObject({ id: next.id, status: 'revoked' });
    expect((await api(server.url, 'GET', '/keys/me', { key: next.key })).status).toBe(401);
  });

  it('answers the audit group under its REST name too', async () => {
    const result = await cli(['audit-log', 'list', '--action', 'rotate_key']);
    expect(result.code, result.stderr).toBe(0);
    expect(json(result).map((entry: { action: string }) => entry.action)).toEqual(['rotate_key']);
  });
});

describe('errors', () => {
  it('exits 1 with the API error code, message and request id on stderr', async () => {
    const result = await cli(['campaigns', 'get', '00000000-0000-4000-8000-000000000000']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: CAMP_001 campaign not found \(request req_\S+\)\n$/);
  });

  it('exits 1 with the scope error for a key without the scope, and for a server-side validation error', async () => {
    const reader = await createKey(server.url, server.adminKey, ['read']);
    const denied = await cli(['keys', 'list'], undefined, { IRIS_API_KEY: reader.key });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^error: APIKEY_004 /);
    const invalid = await cli(['campaigns', 'create', '--name', 'x', '--objective', 'Not Snake']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/^error: SERVER_005 .*objective_type/);
  });

  it('exits 1 when the API cannot be reached', async () => {
    const result = await cli(['keys', 'me'], undefined, { IRIS_API_URL: 'http://127.0.0.1:1' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: cannot reach http:\/\/127\.0\.0\.1:1: /);
  });

  it.each([
    ['an unknown command', ['campaigns', 'launch'], /unknown command 'launch'/],
    ['an unknown group', ['rockets', 'list'], /unknown command 'rockets'/],
    ['a group without a command', ['campaigns'], /Usage: iris campaigns/],
    ['a missing positional id', ['campaigns', 'get'], /missing required argument 'id'/],
    [
      'a missing required flag',
      ['campaigns', 'create', '--name', 'x'],
      /missing required option '--objective-type <value>'/,
    ],
    ['an unknown flag', ['keys', 'me', '--verbose'], /unknown option '--verbose'/],
    [
      'a number flag given text',
      ['campaigns', 'list', '--limit', 'ten'],
      /'ten' is invalid\. Expected a number/,
    ],
    ['an integer flag given a fraction', ['campaigns', 'list', '--limit', '2.5'], /Expected an integer/],
    [
      'an enum flag outside its choices',
      ['campaigns', 'list', '--status', 'done'],
      /Allowed choices are draft, active/,
    ],
    [
      'an enum list item outside its choices',
      ['keys', 'create', '--name', 'x', '--scopes', 'read,root'],
      /'read,root' is invalid\. Allowed choices/,
    ],
    ['an unknown output format', ['--format', 'yaml', 'keys', 'me'], /Allowed choices are json, table/],
    ['bad --json', ['keys', 'create', '--json', '{"name":'], /--json is not valid JSON/],
    ['--json that is not an object', ['keys', 'create', '--json', '[1]'], /--json must be a JSON object/],
    [
      'a missing --json file',
      ['keys', 'create', '--json', '@/nonexistent/body.json'],
      /--json @\/nonexistent\/body\.json: ENOENT/,
    ],
    ['a bad API URL', ['--api-url', 'ftp://example.com', 'keys', 'me'], /API URL must be http\(s\)/],
  ])('exits 2 on %s, with nothing on stdout', async (_name, args, message) => {
    const result = await cli(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
  });

  it('exits 2 without an API key, naming where to put one', async () => {
    const result = await runCli(['keys', 'me'], { HOME: emptyHome(), IRIS_API_URL: server.url });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no API key: pass --api-key, set IRIS_API_KEY');
  });

  it('a required field given only in --json is enough', async () => {
    const result = await cli(['keys', 'create', '--json', '{"name": "json only", "scopes": ["read"]}']);
    expect(result.code, result.stderr).toBe(0);
    expect(json(result)).toMatchObject({ name: 'json only', scopes: ['read'] });
  });
});
