/**
 * The bench's load generator gives each connection its own share of a key or address pool: together the
 * shares cover the pool once, in even runs, so every key and address carries the load the bench's pool
 * sizes were computed for (bench/lib/config.ts).
 */
import { describe, expect, it } from 'vitest';
import { shareOf } from '../../bench/lib/load.ts';

const pool = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('bench load: shareOf', () => {
  it('cuts the pool into one run per connection, covering every item once', () => {
    const items = pool(5173);
    const shares = Array.from({ length: 10 }, (_, i) => shareOf(items, i, 10));
    expect(shares.flat()).toEqual(items);
    for (const share of shares.slice(0, 9)) expect(share).toHaveLength(517);
    expect(shares[9]).toHaveLength(520);
  });

  it('gives every connection one item when the pool is no larger than the connections', () => {
    expect(Array.from({ length: 5 }, (_, i) => shareOf(pool(2), i, 5))).toEqual([[0], [1], [0], [1], [0]]);
    expect(Array.from({ length: 3 }, (_, i) => shareOf(pool(3), i, 3))).toEqual([[0], [1], [2]]);
  });
});
