import { randomBytes } from 'node:crypto';
import { hash, verify, type Algorithm, type Options } from '@node-rs/argon2';

// OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane.
const ARGON2ID: Options = { algorithm: 2 as Algorithm, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_BYTES = 1024;

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(passwordHash: string, password: string): Promise<boolean>;
  /** Spends one verification against a hash of nothing, so a missing user costs what a wrong password costs. */
  verifyDummy(password: string): Promise<void>;
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
  const hasher: PasswordHasher = {
    hash: (password) => limit(() => hash(password, ARGON2ID)),
    verify: (passwordHash, password) =>
      limit(() => verify(passwordHash, password, ARGON2ID)).catch(() => false),
    async verifyDummy(password) {
      await hasher.verify(await dummyHash, password);
    },
  };
  return hasher;
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
