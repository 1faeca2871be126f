/**
 * The per-process memory of committed identities: answers what it was told, per kind, and stays within
 * its bound by forgetting the oldest (a forgotten payer just costs the upsert again).
 */
import { describe, expect, it } from 'vitest';
import { KnownIdentities } from '../../src/domain/agents/identities.ts';

describe('KnownIdentities', () => {
  it('remembers identities per kind and keys per identity, within its bound', () => {
    const known = new KnownIdentities(2);
    expect(known.idOf('wallet', '0xA')).toBeUndefined();
    known.remember('wallet', '0xA', 'id-a');
    known.remember('wallet', '0xA', 'id-other');
    expect(known.idOf('wallet', '0xA')).toBe('id-a');
    expect(known.idOf('mpp', '0xA')).toBeUndefined();
    known.remember('wallet', '0xB', 'id-b');
    known.remember('wallet', '0xC', 'id-c');
    expect(known.idOf('wallet', '0xA')).toBeUndefined();
    expect([known.idOf('wallet', '0xB'), known.idOf('wallet', '0xC')]).toEqual(['id-b', 'id-c']);

    expect(known.hasKey('id-a')).toBe(false);
    for (const id of ['id-a', 'id-b', 'id-c']) known.rememberKey(id);
    expect([known.hasKey('id-a'), known.hasKey('id-b'), known.hasKey('id-c')]).toEqual([false, true, true]);
  });
});
