import { describe, expect, it } from 'vitest';
import type { AccessClaims } from '../../src/core/tokens.js';
import { VerifiedTokens } from '../../src/core/tokens.js';

const claims = { sid: 's' } as AccessClaims;
const token = (n: number, length = 700) => `t${n}`.padEnd(length, 'x');

describe('the cache of verified tokens', () => {
  it('keeps at most its number of entries, forgetting the oldest first', () => {
    const cache = new VerifiedTokens(3);
    for (let n = 0; n < 5; n++) cache.set(token(n), claims);
    expect(cache.size).toBe(3);
    expect([0, 1, 2, 3, 4].map((n) => cache.get(token(n)) !== undefined)).toEqual([false, false, true, true, true]);
  });

  it('keeps at most its bytes, whatever the number of entries', () => {
    const cache = new VerifiedTokens(1_000_000, 100_000);
    for (let n = 0; n < 1000; n++) cache.set(token(n, 4000), claims);
    expect(cache.byteSize).toBeLessThanOrEqual(100_000);
    // 4000 characters and the entry's overhead: 21 fit in 100 000 bytes.
    expect(cache.size).toBe(21);
    expect(cache.get(token(999, 4000))).toBe(claims);
    expect(cache.get(token(978, 4000))).toBeUndefined();
  });

  it('counts what it forgets, so its bytes come back to zero', () => {
    const cache = new VerifiedTokens(10, 100_000);
    cache.set(token(1), claims);
    cache.set(token(1), claims);
    cache.set(token(2), claims);
    cache.delete(token(1));
    cache.delete(token(1));
    expect(cache.size).toBe(1);
    cache.delete(token(2));
    expect(cache.byteSize).toBe(0);
    cache.set(token(3), claims);
    cache.clear();
    expect([cache.size, cache.byteSize]).toEqual([0, 0]);
  });

  it('remembers nothing with a capacity of 0, or a token larger than its whole budget', () => {
    const off = new VerifiedTokens(0);
    off.set(token(1), claims);
    expect(off.get(token(1))).toBeUndefined();
    const small = new VerifiedTokens(10, 1000);
    small.set(token(1, 5000), claims);
    expect(small.size).toBe(0);
  });
});
