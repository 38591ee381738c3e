import { afterEach, describe, expect, it, vi } from 'vitest';
import { RevocationList } from '../../src/core/revocations.js';
import { startPruning } from '../../src/core/sync.js';

afterEach(() => vi.useRealTimers());

describe('pruning of revocations', () => {
  it('forgets, at each interval, what no token can need, in memory and in the feed table', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.parse('2026-12-01T12:00:00Z'));
    const revocations = new RevocationList(10_000);
    revocations.learn([{ sessionId: 'old', sequence: 1, revokedAt: new Date() }]);
    const pruned: number[] = [];
    const pruning = startPruning({
      sessions: { pruneRevocations: async (olderThanSeconds) => void pruned.push(olderThanSeconds) },
      revocations,
      retainSeconds: 10,
      intervalMs: 60_000,
      onError: (error) => {
        throw error;
      },
    });
    revocations.learn([{ sessionId: 'young', sequence: 2, revokedAt: new Date(Date.now() + 55_000) }]);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(pruned).toEqual([]);
    expect(revocations.size).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(pruned).toEqual([10]);
    expect(['old', 'young'].filter((id) => revocations.has(id))).toEqual(['young']);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(pruned).toEqual([10, 10]);
    expect(revocations.size).toBe(0);
    await pruning.stop();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(pruned).toHaveLength(2);
  });

  it('reports a failed delete and keeps pruning', async () => {
    vi.useFakeTimers();
    const errors: unknown[] = [];
    let calls = 0;
    const pruning = startPruning({
      sessions: {
        pruneRevocations: async () => {
          if (++calls === 1) throw new Error('database away');
        },
      },
      revocations: new RevocationList(1000),
      retainSeconds: 1,
      intervalMs: 1000,
      onError: (error) => errors.push(error),
    });
    await vi.advanceTimersByTimeAsync(2000);
    expect(calls).toBe(2);
    expect(errors).toEqual([new Error('database away')]);
    await pruning.stop();
  });
});
