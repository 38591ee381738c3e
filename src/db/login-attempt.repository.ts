import { randomUUID } from 'node:crypto';
import type { LoginAttemptStore } from '../core/throttle.service.js';
import type { Orm } from './database.js';
import { LoginAttempt } from './entities/index.js';

const PRUNE_EVERY = 100;

export function createLoginAttemptRepository(orm: Orm): LoginAttemptStore {
  let recorded = 0;
  return {
    async record(usernameKey, ipAddress, windowStart) {
      const em = orm.em.fork();
      const id = randomUUID();
      await em.insert(LoginAttempt, { id, usernameKey, ipAddress, attemptedAt: new Date() });
      const [row] = await em.execute<{ count: number; oldest: Date | string | null }[]>(
        `select count(*)::int as count, min(attempted_at) as oldest from login_attempts
          where username_key = ? and ip_address = ? and attempted_at > ?`,
        [usernameKey, ipAddress, windowStart],
      );
      // Attempts older than any window are of no use; prune them now and then, from every instance.
      if (++recorded % PRUNE_EVERY === 0) await em.nativeDelete(LoginAttempt, { attemptedAt: { $lte: windowStart } });
      return { id, count: row?.count ?? 1, oldest: new Date(row?.oldest ?? Date.now()) };
    },

    async forget(id) {
      await orm.em.fork().nativeDelete(LoginAttempt, { id });
    },

    async clear(usernameKey, ipAddress) {
      await orm.em.fork().nativeDelete(LoginAttempt, { usernameKey, ipAddress });
    },
  };
}
