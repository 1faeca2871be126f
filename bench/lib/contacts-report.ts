/**
 * The printed contacts table: per database mode, the p50 of a 500-row bulk import (all new, half merged)
 * and of a search over 50,000 contacts, against their targets.
 */
import { MAX_IMPORT } from '../../src/operations/contacts/bulk-import.ts';
import type { BenchDatabaseServer } from './bench-database.ts';
import { SEARCH_MATCHES, SEARCH_TERM, SEEDED_CONTACTS } from './contacts-data.ts';
import type { LatencyResult } from './paid.ts';
import { fixed, formatTable } from './table.ts';

/** p50 wanted for an import of MAX_IMPORT rows (on PostgreSQL, embedded or not). */
export const IMPORT_TARGET_MS = 500;
/** p50 wanted for a search over SEEDED_CONTACTS contacts (on PostgreSQL, embedded or not). */
export const SEARCH_TARGET_MS = 20;

export interface ContactsRun {
  kind: BenchDatabaseServer['kind'];
  /** The server's own, e.g. `15.20`. */
  version: string;
  /** The run's fresh database, without credentials. */
  scratch: string;
  /** Imports of MAX_IMPORT new rows. */
  created: LatencyResult;
  /** Imports of MAX_IMPORT rows, half of them merging into contacts the account has. */
  merged: LatencyResult;
  search: LatencyResult;
  seedSeconds: number;
  /** Sizes of the request and answer bodies, for the report. */
  bodies: string;
}

export function databaseLabel(run: Pick<ContactsRun, 'kind' | 'version'>): string {
  return `${run.kind === 'embedded' ? 'embedded' : 'PostgreSQL'} ${run.version}`;
}

interface Case {
  name: string;
  result: LatencyResult;
  targetMs: number;
}

function casesOf(run: ContactsRun): Case[] {
  const half = MAX_IMPORT / 2;
  return [
    { name: `POST /contacts/bulk, ${MAX_IMPORT} new`, result: run.created, targetMs: IMPORT_TARGET_MS },
    {
      name: `POST /contacts/bulk, ${half} new + ${half} merged`,
      result: run.merged,
      targetMs: IMPORT_TARGET_MS,
    },
    {
      name: `GET /contacts?search=${SEARCH_TERM} (${SEARCH_MATCHES} of ${fixed(SEEDED_CONTACTS, 0)})`,
      result: run.search,
      targetMs: SEARCH_TARGET_MS,
    },
  ];
}

export function formatContacts(runs: readonly ContactsRun[]): string {
  const rows = runs.flatMap((run) =>
    casesOf(run).map(({ name, result, targetMs }) => [
      name,
      databaseLabel(run),
      `${fixed(result.p50Ms, 1)} / ${fixed(result.p95Ms, 1)} / ${fixed(result.p99Ms, 1)}`,
      `≤ ${targetMs}`,
      result.p50Ms <= targetMs ? 'ok' : 'over target',
      String(result.samples),
      String(result.failures),
    ]),
  );
  return formatTable(
    [
      { title: 'contacts', align: 'left' },
      { title: 'database', align: 'left' },
      { title: 'p50/p95/p99 ms', align: 'right' },
      { title: 'target p50 ms', align: 'right' },
      { title: '', align: 'left' },
      { title: 'samples', align: 'right' },
      { title: 'failures', align: 'right' },
    ],
    rows,
  );
}

/** One line per case that saw an unexpected answer. */
export function contactsFailures(runs: readonly ContactsRun[]): string[] {
  return runs.flatMap((run) =>
    casesOf(run)
      .filter(({ result }) => result.failures > 0)
      .map(({ name, result }) => `${name} (${databaseLabel(run)}): ${result.failureDetail}`),
  );
}
