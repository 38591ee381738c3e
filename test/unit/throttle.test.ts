import { afterEach, describe, expect, it, vi } from 'vitest';
import { DomainError } from '../../src/core/errors.js';
import type { LoginAttemptStore } from '../../src/core/records.js';
import { createLoginThrottle } from '../../src/core/throttle.service.js';

/** The failures table, kept in memory: the store is the persistence boundary, not a collaborator in the core. */
function memoryAttempts(): LoginAttemptStore & { rows: Array<{ key: string; address: string; at: Date }> } {
  const rows: Array<{ key: string; address: string; at: Date }> = [];
  return {
    rows,
    async failures(key, address, windowStart) {
      const inWindow = rows.filter((row) => row.key === key && row.address === address && row.at > windowStart);
      const oldest = inWindow.reduce<Date | null>((min, row) => (!min || row.at < min ? row.at : min), null);
      return { count: inWindow.length, oldest };
    },
    async recordFailure(key, address) {
      rows.push({ key, address, at: new Date() });
    },
    async clear(key, address) {
      for (let i = rows.length - 1; i >= 0; i--) if (rows[i]!.key === key && rows[i]!.address === address) rows.splice(i, 1);
    },
  };
}

const alice = { key: 'alice', address: '192.0.2.1' };
const released = () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  return { gate, release };
};

afterEach(() => vi.useRealTimers());

describe('the login throttle', () => {
  it('runs attempts for one username and address in turn, each after the one before has settled', async () => {
    const throttle = createLoginThrottle({ attempts: memoryAttempts(), maxFailures: 5, windowSeconds: 60 });
    const order: string[] = [];
    const first = released();
    const one = throttle.inTurn(alice, async () => {
      order.push('first starts');
      await first.gate;
      order.push('first ends');
      throw new DomainError('INVALID_PASSWORD');
    });
    const two = throttle.inTurn(alice, async () => {
      order.push('second starts');
      return 'second';
    });
    await new Promise(setImmediate);
    expect(order).toEqual(['first starts']);
    first.release();
    await expect(one).rejects.toMatchObject({ code: 'INVALID_PASSWORD' });
    // A failed attempt does not stop the queue.
    await expect(two).resolves.toBe('second');
    expect(order).toEqual(['first starts', 'first ends', 'second starts']);
  });

  it('does not hold back another username or another address', async () => {
    const throttle = createLoginThrottle({ attempts: memoryAttempts(), maxFailures: 5, windowSeconds: 60 });
    const blocked = released();
    const slow = throttle.inTurn(alice, () => blocked.gate);
    await expect(throttle.inTurn({ ...alice, key: 'bob' }, async () => 'bob')).resolves.toBe('bob');
    await expect(throttle.inTurn({ ...alice, address: '192.0.2.2' }, async () => 'elsewhere')).resolves.toBe('elsewhere');
    blocked.release();
    await slow;
  });

  it('gives a burst of parallel guesses no more tries than the limit', async () => {
    const attempts = memoryAttempts();
    const throttle = createLoginThrottle({ attempts, maxFailures: 3, windowSeconds: 60 });
    const guess = () =>
      throttle.inTurn(alice, async () => {
        await throttle.admit(alice);
        const error = new DomainError('INVALID_PASSWORD');
        await throttle.failed(alice, error);
        throw error;
      });
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, guess));
    const codes = outcomes.map((outcome) => (outcome.status === 'rejected' ? (outcome.reason as DomainError).code : 'ok'));
    expect(codes).toEqual([...Array(3).fill('INVALID_PASSWORD'), ...Array(7).fill('TOO_MANY_REQUESTS')]);
    expect(attempts.rows).toHaveLength(3);
  });

  it('refuses at the limit until the oldest failure leaves the window, saying when', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-30T10:00:00Z'));
    const attempts = memoryAttempts();
    const throttle = createLoginThrottle({ attempts, maxFailures: 2, windowSeconds: 60 });
    await throttle.failed(alice, new DomainError('USER_NOT_FOUND'));
    vi.setSystemTime(new Date('2026-11-30T10:00:20Z'));
    await throttle.failed(alice, new DomainError('INVALID_PASSWORD'));
    vi.setSystemTime(new Date('2026-11-30T10:00:30Z'));
    const refusal = await throttle.admit(alice).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(DomainError);
    expect(refusal).toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      message: 'Too many failed attempts; try again in 30 seconds',
      details: { retryAfter: 30 },
    });
    // The first failure leaves the window at 10:01:00; one failure is left.
    vi.setSystemTime(new Date('2026-11-30T10:01:00.001Z'));
    await expect(throttle.admit(alice)).resolves.toBe(1);
  });

  it('counts only wrong usernames and passwords', async () => {
    const attempts = memoryAttempts();
    const throttle = createLoginThrottle({ attempts, maxFailures: 5, windowSeconds: 60 });
    for (const code of ['USER_DISABLED', 'TOO_MANY_REQUESTS', 'DATABASE_UNAVAILABLE', 'BAD_USER_INPUT'] as const) {
      await throttle.failed(alice, new DomainError(code));
    }
    await throttle.failed(alice, new Error('a fault, not a guess'));
    expect(attempts.rows).toHaveLength(0);
    await throttle.failed(alice, new DomainError('USER_NOT_FOUND'));
    await throttle.failed(alice, new DomainError('INVALID_PASSWORD'));
    await expect(throttle.admit(alice)).resolves.toBe(2);
  });

  it('clears the failures on a right password, and only those of that username and address', async () => {
    const attempts = memoryAttempts();
    const throttle = createLoginThrottle({ attempts, maxFailures: 5, windowSeconds: 60 });
    await throttle.failed(alice, new DomainError('INVALID_PASSWORD'));
    await throttle.failed({ ...alice, address: '192.0.2.2' }, new DomainError('INVALID_PASSWORD'));
    await throttle.succeeded(alice, await throttle.admit(alice));
    await expect(throttle.admit(alice)).resolves.toBe(0);
    await expect(throttle.admit({ ...alice, address: '192.0.2.2' })).resolves.toBe(1);
  });
});
