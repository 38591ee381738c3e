import { DomainError } from './errors.js';
import type { LoginAttemptStore } from './records.js';

export interface ThrottleOptions {
  attempts: LoginAttemptStore;
  maxFailures: number;
  windowSeconds: number;
}

/** A password check, throttled per username (its key) and client address. */
export interface Attempt {
  key: string;
  address: string;
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;

/** Only a wrong username, password or second-factor code counts; a disabled account or a fault is not a guess. */
const GUESSES = new Set(['USER_NOT_FOUND', 'INVALID_PASSWORD', 'INVALID_MFA_CODE']);

/**
 * Login throttling per (username, client address). Failures are counted in
 * the database, so every door and every instance sees one count. On each
 * instance, attempts for one (username, address) run in turn, each seeing
 * the failures before it: a burst of parallel guesses gets no more tries
 * than a patient attacker, and a burst of parallel right passwords
 * (services starting together under one account) all get in.
 */
export function createLoginThrottle(options: ThrottleOptions) {
  const { attempts, maxFailures, windowSeconds } = options;
  const queues = new Map<string, Promise<unknown>>();

  return {
    /** Runs `check` once every earlier attempt for the same username and address has settled. */
    inTurn<T>({ key, address }: Attempt, check: () => Promise<T>): Promise<T> {
      const queue = `${key}\u0000${address}`;
      const previous = queues.get(queue) ?? Promise.resolve();
      const current = previous.catch(() => {}).then(check);
      queues.set(queue, current);
      void current.catch(() => {}).finally(() => {
        if (queues.get(queue) === current) queues.delete(queue);
      });
      return current;
    },

    /**
     * The failures inside the window, or TOO_MANY_REQUESTS once they reach
     * the limit. (A refused attempt's argon2 run finishes unused: a throttle
     * per username cannot guard the CPU, since an attacker can pick new
     * usernames; PASSWORD_HASH_CONCURRENCY does.)
     */
    async admit({ key, address }: Attempt): Promise<number> {
      const now = Date.now();
      const { count, oldest } = await attempts.failures(key, address, new Date(now - windowSeconds * 1000));
      if (count < maxFailures) return count;
      const until = (oldest?.getTime() ?? now) + windowSeconds * 1000;
      const retryAfter = Math.max(1, Math.ceil((until - now) / 1000));
      throw new DomainError('TOO_MANY_REQUESTS', `Too many failed attempts; try again in ${retryAfter} seconds`, { retryAfter });
    },

    /** Counts a failed attempt when it was a guess (a wrong username or password). */
    async failed({ key, address }: Attempt, error: unknown): Promise<void> {
      if (error instanceof DomainError && GUESSES.has(error.code)) await attempts.recordFailure(key, address);
    },

    /** A right password clears the failures counted before it. */
    async succeeded({ key, address }: Attempt, failuresBefore: number): Promise<void> {
      if (failuresBefore > 0) await attempts.clear(key, address);
    },
  };
}
