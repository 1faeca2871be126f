/**
 * The printed mpp tables: credit debits per second with concurrent agents (against the PostgreSQL
 * target), and the credit ledger after the run (no negative balance, one campaign per credit exactly).
 */
import type { DebitRun } from './mpp-debits.ts';
import type { Ledger } from './protocol.ts';
import { fixed, formatTable } from './table.ts';

/** Debits per second wanted (on PostgreSQL, embedded or not). */
export const DEBITS_TARGET = 300;

const count = (n: number) => fixed(n, 0);

export function debitsVerdict(run: DebitRun): string {
  return run.debitsPerSecond >= DEBITS_TARGET ? 'ok' : 'below target';
}

/** What must hold whatever the speed; each entry is a failure. */
export function ledgerFailures(measured: DebitRun, warmup: DebitRun, ledger: Ledger): string[] {
  const failures: string[] = [];
  const created = measured.created + warmup.created;
  const granted = measured.granted + warmup.granted;
  if (ledger.negative > 0) failures.push(`${ledger.negative} credit accounts with balance < 0 (overdraft)`);
  for (const [name, run] of [
    ['measured', measured],
    ['warm-up', warmup],
  ] as const) {
    if (run.created > run.granted)
      failures.push(`${name}: ${run.created} campaigns for ${run.granted} credits`);
    if (run.mismatched > 0) failures.push(`${name}: ${run.mismatched} agents got another count than credits`);
    if (run.wrongBalances > 0) failures.push(`${name}: ${run.wrongBalances} 201s with a wrong balance`);
    if (run.unexpectedCount > 0) failures.push(`${name}: unexpected responses ${run.unexpected}`);
    if (run.refused !== run.agents)
      failures.push(`${name}: ${run.refused} PAYMENT_005 for ${run.agents} agents`);
  }
  if (ledger.purchased !== granted)
    failures.push(`ledger: ${ledger.purchased} credits bought, ${granted} granted`);
  if (ledger.debits !== created) failures.push(`ledger: ${ledger.debits} debit entries for ${created} 201s`);
  if (ledger.balance !== granted - created) failures.push(`ledger: ${ledger.balance} credits left`);
  if (ledger.others !== 0) failures.push(`ledger: ${ledger.others} refund/reversal/adjustment entries`);
  if (ledger.campaigns !== created)
    failures.push(`ledger: ${ledger.campaigns} agent campaigns for ${created} 201s`);
  return failures;
}

export function formatDebits(run: DebitRun): string {
  return formatTable(
    [
      { title: 'credit debits', align: 'left' },
      { title: 'agents × credits', align: 'right' },
      { title: '201', align: 'right' },
      { title: '402 PAYMENT_005', align: 'right' },
      { title: 'other', align: 'right' },
      { title: 'seconds', align: 'right' },
      { title: 'debits/s', align: 'right' },
      { title: 'target', align: 'right' },
      { title: '', align: 'left' },
      { title: '201 p50/p99 ms', align: 'right' },
      { title: 'CPU ms/req iris / clients', align: 'right' },
    ],
    [
      [
        `POST /campaigns, agent keys, ${run.clients} clients at once`,
        `${count(run.agents)} × ${count(run.granted / run.agents)} = ${count(run.granted)}`,
        count(run.created),
        count(run.refused),
        count(run.unexpectedCount),
        fixed(run.seconds, 2),
        count(run.debitsPerSecond),
        `≥ ${DEBITS_TARGET}`,
        debitsVerdict(run),
        `${fixed(run.p50Ms, 1)} / ${fixed(run.p99Ms, 1)}`,
        `${fixed(run.serverCpuMs, 2)} / ${fixed(run.clientCpuMs, 2)}`,
      ],
    ],
  );
}

export function formatLedger(measured: DebitRun, warmup: DebitRun, ledger: Ledger): string {
  const created = measured.created + warmup.created;
  const granted = measured.granted + warmup.granted;
  const failures = ledgerFailures(measured, warmup, ledger);
  return formatTable(
    [
      { title: 'credit ledger after the debits (warm-up included)', align: 'left' },
      { title: 'credits granted', align: 'right' },
      { title: '201s', align: 'right' },
      { title: 'debit entries', align: 'right' },
      { title: 'agent campaigns', align: 'right' },
      { title: 'credits left', align: 'right' },
      { title: 'balances < 0', align: 'right' },
      { title: 'agents over/under', align: 'right' },
      { title: 'target', align: 'left' },
      { title: '', align: 'left' },
    ],
    [
      [
        `${count(ledger.accounts)} credit accounts`,
        count(granted),
        count(created),
        count(ledger.debits),
        count(ledger.campaigns),
        count(ledger.balance),
        count(ledger.negative),
        count(measured.mismatched + warmup.mismatched),
        '201s = debits = credits, none < 0',
        failures.length === 0 ? 'ok' : 'FAILED',
      ],
    ],
  );
}
