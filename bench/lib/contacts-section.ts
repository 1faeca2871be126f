/**
 * The contacts section, on both database modes: the run's server, and the other one when it can be had
 * (an embedded cluster started for the section when the run is on DATABASE_URL; the PostgreSQL server at
 * BENCH_POSTGRES_URL when it is on the embedded cluster). On each, an iris of its own on a fresh
 * database: sequential POST /contacts/bulk of 500 rows (all new; half merging into contacts the account
 * has), then GET /contacts?search= over 50,000 contacts of another account seeded straight into the table.
 */
import postgres from 'postgres';
import { z } from 'zod';
import { PLANS } from '../../src/domain/billing/plans.ts';
import { MAX_IMPORT } from '../../src/operations/contacts/bulk-import.ts';
import { BURST_LIMIT, CLASS_LIMITS, GLOBAL_LIMIT } from '../../src/pipeline/rate-limit/limits.ts';
import { type BenchDatabaseServer, postgresServer, startEmbeddedServer } from './bench-database.ts';
import { type ChildServer, startChild } from './child-server.ts';
import type { BenchConfig } from './config.ts';
import {
  halfMergedBatch,
  type ImportRow,
  newBatch,
  SEARCH_MATCHES,
  SEARCH_TERM,
  SEEDED_CONTACTS,
  seedContacts,
} from './contacts-data.ts';
import { type ContactsRun, contactsFailures, databaseLabel, formatContacts } from './contacts-report.ts';
import { type LatencyResult, latencyOf } from './paid.ts';
import { PipelineReady } from './protocol.ts';
import { createScratchDatabase } from './scratch-database.ts';
import { fixed } from './table.ts';

/** Unmeasured, then measured imports of each kind (new, half merged), one of each per iteration. */
const IMPORT_WARMUP = 2;
const IMPORTS = 15;
/** Write keys of the importing account, used in turn. */
const IMPORT_KEYS = 4;
/** The importing account's plan: its period limit holds every row the section creates. */
const IMPORT_PLAN = 'agency';
const SEARCH_WARMUP = 10;
const SEARCHES = 200;
/** GET /contacts's default page size (PaginationInput). */
const PAGE = 20;
/** Two accounts: the bootstrap one with 25 keys (the search's), then one with its admin key only. */
const KEY_COUNT = 26;

/** Requests one key may send in all: one window of each per-key limit, so no 429 however fast. */
const PER_KEY = Math.min(BURST_LIMIT.limit, GLOBAL_LIMIT.limit);
const IMPORT_REQUESTS = 2 * (IMPORT_WARMUP + IMPORTS);
const IMPORTED_ROWS = (IMPORT_WARMUP + IMPORTS) * (MAX_IMPORT + MAX_IMPORT / 2);

export interface ContactsSection {
  /** The section's fresh database on the run's server. */
  scratch: string | undefined;
  bodies: string[];
  setup: string[];
  tables: string[];
  failures: string[];
}

const KeyOwner = z.object({ data: z.object({ user_id: z.uuid() }) });
const CreatedKey = z.object({ data: z.object({ key: z.string() }) });
const ImportCounts = z.object({
  data: z.object({ created: z.number(), merged: z.number(), invalid: z.number() }),
});
const SearchPage = z.object({
  data: z.array(z.object({ company: z.string().nullable() })),
  meta: z.object({ pagination: z.object({ has_more: z.boolean() }) }),
});

interface Timed {
  status: number;
  ms: number;
  text: string;
  /** Bytes of the request body. */
  sent: number;
}

/** One request, timed from the send to the last byte of the body (fetch keeps connections alive). */
async function timed(url: string, key: string, body?: string): Promise<Timed> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const started = performance.now();
  const response = await fetch(url, { method: body === undefined ? 'GET' : 'POST', headers, body });
  const text = await response.text();
  const ms = performance.now() - started;
  return { status: response.status, ms, text, sent: body === undefined ? 0 : Buffer.byteLength(body) };
}

function expectJson<S extends z.ZodType>(label: string, answer: Timed, schema: S): z.output<S> {
  const parsed = answer.status < 300 ? schema.safeParse(JSON.parse(answer.text)) : undefined;
  if (!parsed?.success) throw new Error(`${label}: ${answer.status} ${answer.text.slice(0, 300)}`);
  return parsed.data;
}

/** Latencies of the measured answers that were right; the others are failures. */
class Tally {
  private latencies: number[] = [];
  private failed: number[] = [];
  private sample = '';
  /** Body sizes of the last right answer and its request, for the report. */
  bytes = { sent: 0, received: 0 };

  add(answer: Timed, right: boolean, measured: boolean): void {
    if (!right) {
      this.failed.push(answer.status);
      this.sample ||= answer.text.slice(0, 300);
    } else if (measured) {
      this.latencies.push(answer.ms);
      this.bytes = { sent: answer.sent, received: Buffer.byteLength(answer.text) };
    }
  }

  result(): LatencyResult {
    return latencyOf(this.latencies, this.failed, this.sample);
  }
}

function counted(answer: Timed, created: number, merged: number): boolean {
  if (answer.status !== 200) return false;
  const parsed = ImportCounts.safeParse(JSON.parse(answer.text));
  return (
    parsed.success &&
    parsed.data.data.created === created &&
    parsed.data.data.merged === merged &&
    parsed.data.data.invalid === 0
  );
}

/** Each iteration: MAX_IMPORT new rows, then half of them again (merged) with as many new ones. */
async function measureImports(url: string, keys: readonly string[]) {
  const created = new Tally();
  const merged = new Tally();
  let sent = 0;
  // The body is serialised before the clock starts: the client's work is not the server's latency.
  const send = (rows: readonly ImportRow[]) =>
    timed(`${url}/contacts/bulk`, keys[sent++ % keys.length] as string, JSON.stringify({ contacts: rows }));
  for (let i = 0; i < IMPORT_WARMUP + IMPORTS; i++) {
    const measured = i >= IMPORT_WARMUP;
    const fresh = newBatch(`c${i}`);
    const first = await send(fresh);
    created.add(first, counted(first, MAX_IMPORT, 0), measured);
    const second = await send(halfMergedBatch(`m${i}`, fresh));
    merged.add(second, counted(second, MAX_IMPORT / 2, MAX_IMPORT / 2), measured);
  }
  const kB = (bytes: number) => `${fixed(bytes / 1024, 0)} kB`;
  return {
    created: created.result(),
    merged: merged.result(),
    body: `POST /contacts/bulk ${kB(created.bytes.sent)}, answer ${kB(created.bytes.received)}`,
  };
}

/** The default page of the search: PAGE contacts, all at the searched company, more to come. */
function searchPage(answer: Timed): boolean {
  if (answer.status !== 200) return false;
  const parsed = SearchPage.safeParse(JSON.parse(answer.text));
  return (
    parsed.success &&
    parsed.data.data.length === PAGE &&
    parsed.data.data.every((contact) => contact.company?.toLowerCase().includes(SEARCH_TERM)) &&
    parsed.data.meta.pagination.has_more
  );
}

async function measureSearch(url: string, keys: readonly string[]) {
  const path = `${url}/contacts?search=${SEARCH_TERM}`;
  // First, that the term matches exactly SEARCH_MATCHES contacts (one page of 100).
  const all = expectJson(
    'GET /contacts?search (all)',
    await timed(`${path}&limit=100`, keys[0] as string),
    SearchPage,
  );
  if (all.data.length !== SEARCH_MATCHES) {
    throw new Error(`search: ${all.data.length} contacts match "${SEARCH_TERM}", expected ${SEARCH_MATCHES}`);
  }
  const tally = new Tally();
  for (let i = 0; i < SEARCH_WARMUP + SEARCHES; i++) {
    const answer = await timed(path, keys[(i + 1) % keys.length] as string);
    tally.add(answer, searchPage(answer), i >= SEARCH_WARMUP);
  }
  return { search: tally.result(), body: `GET /contacts?search ${tally.bytes.received} B` };
}

/**
 * The section's requests per key, counted: each key stays inside one window of every per-key limit
 * (burst, global, contact mutations), so no 429 can happen however fast iris answers; and the rows
 * imported stay under the importing plan's contacts per period (CONTACT_009).
 */
function checkBudgets(searchKeys: number): void {
  // Imports, and the touch (GET /keys/me) of every key; the admin key also creates the write keys.
  const perImportKey = Math.ceil(IMPORT_REQUESTS / IMPORT_KEYS);
  const perSearchKey = 1 + Math.ceil((1 + SEARCH_WARMUP + SEARCHES) / searchKeys);
  const problems = [
    perImportKey > Math.min(PER_KEY, CLASS_LIMITS.contactMutations.limit)
      ? `${perImportKey} imports per key`
      : '',
    perSearchKey > PER_KEY ? `${perSearchKey} searches per key` : '',
    1 + IMPORT_KEYS > PER_KEY ? `${1 + IMPORT_KEYS} requests of the admin key` : '',
    IMPORTED_ROWS > PLANS[IMPORT_PLAN].limits.contacts ? `${IMPORTED_ROWS} contacts imported` : '',
  ].filter((problem) => problem !== '');
  if (problems.length > 0) throw new Error(`contacts: over the limits: ${problems.join(', ')}`);
}

/** Which account each key belongs to (GET /keys/me, which also uses each key once before measuring). */
async function ownersOf(url: string, keys: readonly string[]): Promise<string[]> {
  return Promise.all(
    keys.map(async (key) => {
      const me = expectJson('GET /keys/me', await timed(`${url}/keys/me`, key), KeyOwner);
      return me.data.user_id;
    }),
  );
}

/** Write keys created with the account's admin key, each used once (last_used_at written) by the warm-up. */
async function writeKeys(url: string, adminKey: string): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 1; i <= IMPORT_KEYS; i++) {
    const body = JSON.stringify({ name: `bench import ${i}`, scopes: ['write'] });
    const created = expectJson('POST /keys', await timed(`${url}/keys`, adminKey, body), CreatedKey);
    keys.push(created.data.key);
  }
  return keys;
}

/** The rails are off whatever the shell exports: none changes the contacts routes. */
const NO_RAILS = {
  X402_PAY_TO: undefined,
  X402_SETTLER_PRIVATE_KEY: undefined,
  X402_RPC_URL: undefined,
  MPP_SECRET_KEY: undefined,
  STRIPE_SECRET_KEY: undefined,
};

async function measureOn(
  server: BenchDatabaseServer,
  cleanups: (() => Promise<void>)[],
  log: (message: string) => void,
): Promise<ContactsRun> {
  const scratch = await createScratchDatabase(server.url);
  cleanups.push(() => scratch.drop());
  log(`contacts: created database ${scratch.display} (${server.kind})`);
  const iris: ChildServer<PipelineReady> = await startChild(
    'pipeline-server',
    'pipeline-server.ts',
    PipelineReady,
    { DATABASE_URL: scratch.url, ...NO_RAILS, BENCH_KEY_COUNT: String(KEY_COUNT) },
  );
  cleanups.push(iris.stop);
  const sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
  cleanups.push(() => sql.end({ timeout: 5 }));
  const [setting] = await sql<{ server_version: string }[]>`show server_version`;
  const version = setting?.server_version.split(' ')[0] ?? '?';

  const { url, keys } = iris.ready;
  const owners = await ownersOf(url, keys);
  const searchUser = owners[0] as string;
  const searchKeys = keys.filter((_, i) => owners[i] === searchUser);
  const importAt = owners.findIndex((owner) => owner !== searchUser);
  const importAdmin = keys[importAt];
  if (importAdmin === undefined) throw new Error('contacts: iris started with one account only');
  checkBudgets(searchKeys.length);
  await sql`update users set plan = ${IMPORT_PLAN} where id = ${owners[importAt] as string}::uuid`;
  const importKeys = await writeKeys(url, importAdmin);

  log(`contacts: ${IMPORT_WARMUP} + ${IMPORTS} imports of each kind, sequential`);
  const { body: importBody, ...imports } = await measureImports(url, importKeys);
  log(`contacts: seeding ${SEEDED_CONTACTS} contacts`);
  const started = performance.now();
  await seedContacts(sql, searchUser);
  const seedSeconds = (performance.now() - started) / 1000;
  log(`contacts: ${SEARCH_WARMUP} + ${SEARCHES} searches, sequential`);
  const { search, body: searchBody } = await measureSearch(url, searchKeys);
  return {
    kind: server.kind,
    version,
    scratch: scratch.display,
    ...imports,
    search,
    seedSeconds,
    bodies: `${importBody}; ${searchBody}`,
  };
}

/** The section's database servers, embedded first; each is opened when its turn comes. */
function serversOf(config: BenchConfig, server: BenchDatabaseServer): (() => Promise<BenchDatabaseServer>)[] {
  const run = async () => server;
  if (server.kind === 'postgres') return [startEmbeddedServer, run];
  const other = config.postgresUrl;
  return other ? [run, async () => postgresServer(other)] : [run];
}

/**
 * Runs the section on each database mode; what it starts is registered in `cleanups`, and `cleanUp`
 * (which stops it all) runs after each mode, so one iris and one extra server at most run at a time.
 */
export async function runContactsSection(
  config: BenchConfig,
  server: BenchDatabaseServer,
  cleanups: (() => Promise<void>)[],
  cleanUp: () => Promise<void>,
  log: (message: string) => void,
): Promise<ContactsSection> {
  const runs: ContactsRun[] = [];
  for (const open of serversOf(config, server)) {
    const database = await open();
    if (database !== server) cleanups.push(() => database.stop());
    runs.push(await measureOn(database, cleanups, log));
    await cleanUp();
  }
  const half = MAX_IMPORT / 2;
  const perRun = runs.map((run) => `${databaseLabel(run)} ${fixed(run.seedSeconds, 1)} s`).join(', ');
  return {
    scratch: runs.find((run) => run.kind === server.kind)?.scratch,
    bodies: runs[0] ? [runs[0].bodies] : [],
    setup: [
      `contacts: per database mode an iris of its own on a fresh database (${runs
        .map((run) => `${databaseLabel(run)}: ${run.scratch}`)
        .join('; ')})` +
        (server.kind === 'embedded' && !config.postgresUrl
          ? '; PostgreSQL not run: set BENCH_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres)'
          : ''),
      `contacts import: sequential POST /contacts/bulk of ${MAX_IMPORT} rows (email, first and last name, ` +
        `company, tags, attributes); per iteration ${MAX_IMPORT} new emails, then ${half} of them again with a ` +
        `title, a tag and an attribute more (merged) and ${half} new; ${IMPORT_WARMUP} unmeasured + ${IMPORTS} ` +
        `measured iterations; the account on the ${IMPORT_PLAN} plan (${fixed(PLANS[IMPORT_PLAN].limits.contacts, 0)} ` +
        `contacts a period, ${fixed(IMPORTED_ROWS, 0)} imported), ${IMPORT_KEYS} write keys in turn, ` +
        `${Math.ceil(IMPORT_REQUESTS / IMPORT_KEYS)} imports each: inside one window of each per-key limit, no 429; ` +
        `run before the search's contacts are seeded`,
      `contacts search: ${fixed(SEEDED_CONTACTS, 0)} contacts of another account written with one insert … ` +
        `select from generate_series, then analyze (${perRun}); "${SEARCH_TERM}" is the company of every ` +
        `${SEEDED_CONTACTS / SEARCH_MATCHES}th (${SEARCH_MATCHES} matches, checked), the default page of ${PAGE} ` +
        `answered; ${SEARCH_WARMUP} unmeasured + ${SEARCHES} measured, sequential, the account's keys in turn; ` +
        `latency from the send to the last byte of the body, fetch keep-alive`,
    ],
    tables: [formatContacts(runs)],
    failures: contactsFailures(runs).map((failure) => `contacts ${failure}`),
  };
}
