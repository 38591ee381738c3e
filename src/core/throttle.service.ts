import { DomainError } from './errors.js';

export interface LoginAttemptStore {
  /** The failures inside the window, and when the oldest of them happened. */
  failures(key: string, address: string, windowStart: Date): Promise<{ count: number; oldest: Date | null }>;
  recordFailure(key: string, address: string): Promise<void>;
  /** A success resets the count. */
  clear(key: string, address: string): Promise<void>;
}

export interface ThrottleOptions {
  attempts: LoginAttemptStore;
  maxFailures: number;
  windowSeconds: number;
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;

/** Only a wrong username or password counts; a disabled account or a fault is not a guess. */
const GUESSES = new Set(['USER_NOT_FOUND', 'INVALID_PASSWORD']);

/**
 * Login throttling per (username, client address). Failures are counted in
 * the database, so every door and every instance sees one count. On each
 * instance, attempts for one (username, address) run one at a time, each
 * seeing the failures before it: a burst of parallel guesses gets no more
 * tries than a patient attacker, and a burst of parallel right passwords
 * (services starting together under one account) all get in.
 */
export function createLoginThrottle(options: ThrottleOptions) {
  const { attempts, maxFailures, windowSeconds } = options;
  const queues = new Map<string, Promise<unknown>>();

  /** Runs `work` after every earlier call for the same key has settled. */
  function serialised<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = queues.get(key) ?? Promise.resolve();
    const current = previous.catch(() => {}).then(work);
    queues.set(key, current);
    void current.catch(() => {}).finally(() => {
      if (queues.get(key) === current) queues.delete(key);
    });
    return current;
  }

  /** The failures inside the window; refuses when they have reached the limit. */
  async function check(key: string, address: string, now: number): Promise<number> {
    const { count, oldest } = await attempts.failures(key, address, new Date(now - windowSeconds * 1000));
    if (count >= maxFailures) {
      const until = (oldest?.getTime() ?? now) + windowSeconds * 1000;
      const retryAfter = Math.max(1, Math.ceil((until - now) / 1000));
      throw new DomainError('TOO_MANY_REQUESTS', `Too many failed attempts; try again in ${retryAfter} seconds`, { retryAfter });
    }
    return count;
  }

  return {
    /**
     * Runs `login` under the throttle. `login` calls `admit` once its password
     * check is under way and awaits it beside the check: the count of failures
     * is read while argon2 runs on its thread, costing the login no time, and
     * a refusal wins whatever the password was. (A refused attempt's argon2
     * run finishes unused: a throttle per username cannot guard the CPU, since
     * an attacker can pick new usernames; PASSWORD_HASH_CONCURRENCY does.)
     */
    attempt<T>(key: string, address: string, login: (admit: () => Promise<number>) => Promise<T>): Promise<T> {
      return serialised(`${key}\u0000${address}`, async () => {
        let verdict: Promise<number> | undefined;
        const admit = () => (verdict ??= check(key, address, Date.now()));
        let result: T;
        try {
          result = await login(admit);
          // Here too, so a `login` that forgot to ask cannot answer past the limit.
          await admit();
        } catch (error) {
          if (error instanceof DomainError && GUESSES.has(error.code)) await attempts.recordFailure(key, address);
          throw error;
        }
        if ((await admit()) > 0) await attempts.clear(key, address);
        return result;
      });
    },
  };
}
