import { DomainError } from './errors.js';

export interface LoginAttemptStore {
  /** Records an attempt and returns the attempts (this one included) inside the window, and the oldest's time. */
  record(key: string, address: string, windowStart: Date): Promise<{ id: string; count: number; oldest: Date }>;
  /** Drops one attempt (a refused one does not count against the window). */
  forget(id: string): Promise<void>;
  /** A success resets the count. */
  clear(key: string, address: string): Promise<void>;
}

const GUESSES = new Set(['USER_NOT_FOUND', 'INVALID_PASSWORD']);

export interface ThrottleOptions {
  attempts: LoginAttemptStore;
  maxFailures: number;
  windowSeconds: number;
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;

/**
 * Login throttling per (username, client address), kept in the database so
 * every door and every instance counts alike. An attempt is recorded before
 * the password is checked, so a burst of parallel requests gets no more tries
 * than a patient attacker: at most `maxFailures` attempts are under way or
 * failed inside any window.
 */
export function createLoginThrottle(options: ThrottleOptions) {
  const { attempts, maxFailures, windowSeconds } = options;
  return {
    async attempt<T>(key: string, address: string, login: () => Promise<T>): Promise<T> {
      const now = Date.now();
      const recorded = await attempts.record(key, address, new Date(now - windowSeconds * 1000));
      if (recorded.count > maxFailures) {
        await attempts.forget(recorded.id);
        const retryAfter = Math.max(1, Math.ceil((recorded.oldest.getTime() + windowSeconds * 1000 - now) / 1000));
        throw new DomainError('TOO_MANY_REQUESTS', `Too many failed attempts; try again in ${retryAfter} seconds`, {
          retryAfter,
        });
      }
      let result: T;
      try {
        result = await login();
      } catch (error) {
        // Only a wrong username or password counts; a disabled account or a fault is not a guess.
        if (!(error instanceof DomainError && GUESSES.has(error.code))) await attempts.forget(recorded.id).catch(() => {});
        throw error;
      }
      await attempts.clear(key, address);
      return result;
    },
  };
}
