/**
 * The ledger against a tiny in-memory model, over random sequences of purchases, debits, refunds and
 * replays of earlier references: balances always agree, never go negative, and a replayed reference
 * changes nothing. Seeds are printed by fast-check on failure; a failing seed becomes a named test.
 */

import { eq } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditAccounts } from '../../db/schema-credits.ts';
import { agentIdentities } from '../../db/schema-payments.ts';
import { InsufficientCredits, postEntry } from '../../src/domain/credits/ledger.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

let database: TestDatabase;
const identities: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  for (let i = 0; i < 3; i++) {
    const [row] = await database.db
      .insert(agentIdentities)
      .values({ kind: 'mpp', subject: `property-${i}-${Date.now()}` })
      .returning({ id: agentIdentities.id });
    identities.push(row?.id as string);
  }
});
afterAll(() => database?.close());

type Step =
  | { op: 'purchase'; who: number; credits: number }
  | { op: 'debit'; who: number }
  | { op: 'refund'; who: number; of: number }
  | { op: 'replay'; of: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('purchase' as const), who: fc.nat(2), credits: fc.constantFrom(1, 5) }),
  fc.record({ op: fc.constant('debit' as const), who: fc.nat(2) }),
  fc.record({ op: fc.constant('refund' as const), who: fc.nat(2), of: fc.nat(40) }),
  fc.record({ op: fc.constant('replay' as const), of: fc.nat(40) }),
);

interface Posted {
  who: number;
  kind: 'purchase' | 'debit' | 'refund';
  credits: number;
  reference: string;
}

describe('credit ledger model', () => {
  it('agrees with the model, never overdraws, ignores replays', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        run += 1;
        const model = new Map<number, number>();
        const posted: Posted[] = [];
        const refunded = new Set<string>();
        const baseline = new Map<number, number>();
        for (let who = 0; who < 3; who++) {
          const [row] = await database.db
            .select({ balance: creditAccounts.balance })
            .from(creditAccounts)
            .where(eq(creditAccounts.identityId, identities[who] as string));
          baseline.set(who, row?.balance ?? 0);
          model.set(who, row?.balance ?? 0);
        }
        const apply = async (entry: Posted, kindOf: 'purchase' | 'debit' | 'refund') => {
          const expectedBefore = model.get(entry.who) ?? 0;
          try {
            const result = await database.db.transaction((tx) =>
              postEntry(tx, {
                identityId: identities[entry.who] as string,
                kind: kindOf,
                credits: entry.credits,
                reference: entry.reference,
                at: new Date(),
              }),
            );
            const seen = posted.some((p) => p.reference === entry.reference);
            if (seen) {
              expect(result.duplicate).toBe(true);
              expect(result.balance).toBe(expectedBefore);
              return;
            }
            expect(result.duplicate).toBe(false);
            model.set(entry.who, expectedBefore + entry.credits);
            posted.push(entry);
            expect(result.balance).toBe(model.get(entry.who));
          } catch (error) {
            if (!(error instanceof InsufficientCredits)) throw error;
            expect(expectedBefore + entry.credits).toBeLessThan(0);
          }
        };
        for (const [i, s] of steps.entries()) {
          const ref = `run${run}-${i}`;
          if (s.op === 'purchase')
            await apply(
              { who: s.who, kind: 'purchase', credits: s.credits, reference: `${ref}-p` },
              'purchase',
            );
          if (s.op === 'debit')
            await apply({ who: s.who, kind: 'debit', credits: -1, reference: `${ref}-d` }, 'debit');
          if (s.op === 'refund') {
            const debits = posted.filter((p) => p.kind === 'debit' && p.who === s.who);
            const debit = debits[s.of % Math.max(1, debits.length)];
            if (debit && !refunded.has(debit.reference)) {
              refunded.add(debit.reference);
              await apply(
                { who: s.who, kind: 'refund', credits: 1, reference: `${debit.reference}-refund` },
                'refund',
              );
            }
          }
          if (s.op === 'replay' && posted.length > 0) {
            const earlier = posted[s.of % posted.length] as Posted;
            await apply(earlier, earlier.kind);
          }
        }
        for (let who = 0; who < 3; who++) {
          const [row] = await database.db
            .select({ balance: creditAccounts.balance })
            .from(creditAccounts)
            .where(eq(creditAccounts.identityId, identities[who] as string));
          const balance = row?.balance ?? 0;
          expect(balance).toBe(model.get(who));
          expect(balance).toBeGreaterThanOrEqual(0);
          expect(balance - (baseline.get(who) ?? 0)).toBe(
            posted.filter((p) => p.who === who).reduce((sum, p) => sum + p.credits, 0),
          );
        }
      }),
      { numRuns: 40 },
    );
  });
});
