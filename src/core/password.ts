import { randomBytes } from 'node:crypto';
import { hash, verify, type Algorithm, type Options } from '@node-rs/argon2';

// OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane.
const ARGON2ID: Options = { algorithm: 2 as Algorithm, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_BYTES = 1024;

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /**
   * Whether `password` matches the hash. Without a hash (no such user) it
   * spends one verification against a hash of nothing and answers false, so
   * a missing user costs what a wrong password costs.
   */
  verify(passwordHash: string | undefined, password: string): Promise<boolean>;
}

/**
 * argon2id on libuv's thread pool, never on the event loop. At most
 * `concurrency` hashes run at once (below the core count), so a burst of
 * logins cannot starve token verification of CPU.
 */
export function createPasswordHasher(concurrency: number): PasswordHasher {
  const limit = createLimiter(concurrency);
  // Made at once, so even the first unknown username costs one verification, not a hash and a verification.
  const dummyHash = limit(() => hash(randomBytes(16).toString('base64url'), ARGON2ID));
  return {
    hash: (password) => limit(() => hash(password, ARGON2ID)),
    async verify(passwordHash, password) {
      const stored = passwordHash ?? (await dummyHash);
      const matches = await limit(() => verify(stored, password, ARGON2ID)).catch(() => false);
      return matches && passwordHash !== undefined;
    },
  };
}

function createLimiter(concurrency: number) {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async function limit<T>(task: () => Promise<T>): Promise<T> {
    if (running >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
