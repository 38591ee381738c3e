import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RevocationList } from '../../src/core/revocations.js';

/** The revoked sessions an instance remembers, on a clock the test sets (add() reads Date.now()). */

const NOW = Date.parse('2026-12-01T12:00:00.000Z');
const RETAIN_MS = 4 * 3600_000 + 5_000;
const ago = (ms: number) => new Date(NOW - ms);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});

afterEach(() => {
  vi.useRealTimers();
});

describe('RevocationList', () => {
  it('knows a session once it is added, and only that session', () => {
    const list = new RevocationList(RETAIN_MS);
    expect(list.has('s1')).toBe(false);
    list.learn([{ sessionId: 's1', sequence: 1, revokedAt: ago(0) }]);
    expect(list.has('s1')).toBe(true);
    expect(list.has('s2')).toBe(false);
    expect(list.size).toBe(1);
  });

  it('takes several at once, leaving out those revoked longer ago than its retention', () => {
    const list = new RevocationList(RETAIN_MS);
    list.learn([
      { sessionId: 'recent', sequence: 2, revokedAt: ago(1000) },
      { sessionId: 'last-moment', sequence: 3, revokedAt: ago(RETAIN_MS - 1) },
      { sessionId: 'exactly-done', sequence: 4, revokedAt: ago(RETAIN_MS) },
      { sessionId: 'long-done', sequence: 5, revokedAt: ago(10 * RETAIN_MS) },
    ]);
    expect(['recent', 'last-moment', 'exactly-done', 'long-done'].filter((id) => list.has(id))).toEqual(['recent', 'last-moment']);
    expect(list.size).toBe(2);
  });

  it('forgets a session when pruned at the end of its retention, not before', () => {
    const list = new RevocationList(RETAIN_MS);
    list.learn([{ sessionId: 's1', sequence: 6, revokedAt: ago(0) }]);
    list.prune(NOW + RETAIN_MS - 1);
    expect(list.has('s1')).toBe(true);
    list.prune(NOW + RETAIN_MS);
    expect(list.has('s1')).toBe(false);
    expect(list.size).toBe(0);
  });

  it('prunes by the clock when given no time', () => {
    const list = new RevocationList(RETAIN_MS);
    list.learn([
      { sessionId: 'older', sequence: 7, revokedAt: ago(60_000) },
      { sessionId: 'newer', sequence: 8, revokedAt: ago(0) },
    ]);
    vi.setSystemTime(NOW + RETAIN_MS - 60_000);
    list.prune();
    expect([list.has('older'), list.has('newer')]).toEqual([false, true]);
    vi.setSystemTime(NOW + RETAIN_MS);
    list.prune();
    expect(list.size).toBe(0);
  });

  it('keeps the later of two revocations of one session, whichever comes first', () => {
    const later = new RevocationList(RETAIN_MS);
    later.learn([{ sessionId: 's1', sequence: 9, revokedAt: ago(60_000) }]);
    later.learn([{ sessionId: 's1', sequence: 10, revokedAt: ago(0) }]);
    const earlier = new RevocationList(RETAIN_MS);
    earlier.learn([{ sessionId: 's1', sequence: 11, revokedAt: ago(0) }]);
    earlier.learn([{ sessionId: 's1', sequence: 12, revokedAt: ago(60_000) }]);
    for (const list of [later, earlier]) {
      expect(list.size).toBe(1);
      list.prune(NOW + RETAIN_MS - 1);
      expect(list.has('s1')).toBe(true);
      list.prune(NOW + RETAIN_MS);
      expect(list.has('s1')).toBe(false);
    }
  });

  it('once pruned, ignores the same revocation read again from the feed, but takes a new one', () => {
    const list = new RevocationList(RETAIN_MS);
    const first = { sessionId: 's1', sequence: 13, revokedAt: ago(0) };
    list.learn([first]);
    vi.setSystemTime(NOW + RETAIN_MS);
    list.prune();
    list.learn([first]);
    expect(list.has('s1')).toBe(false);
    list.learn([{ sessionId: 's1', sequence: 14, revokedAt: new Date(NOW + RETAIN_MS) }]);
    expect(list.has('s1')).toBe(true);
  });

  it('tells its listeners of each revocation in force the first time it learns it, not again', () => {
    const list = new RevocationList(RETAIN_MS);
    const told: string[] = [];
    list.onLearned((entries) => told.push(...entries.map((entry) => `${entry.sessionId}#${entry.sequence}`)));
    list.learn([{ sessionId: 's1', sequence: 7, revokedAt: ago(0) }]);
    list.add([{ sessionId: 's1', sequence: 7, revokedAt: ago(0), userId: 1, reason: 'logout' }]);
    list.learn([
      { sessionId: 's2', sequence: 9, revokedAt: ago(1000) },
      { sessionId: 'gone', sequence: 3, revokedAt: ago(RETAIN_MS) },
    ]);
    expect(told).toEqual(['s1#7', 's2#9']);
  });
});
