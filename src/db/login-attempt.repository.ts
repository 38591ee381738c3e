import { randomUUID } from 'node:crypto';
import type { LoginAttemptStore } from '../core/records.js';
import type { Orm } from './database.js';
import { LoginAttempt } from './entities/index.js';

const PRUNE_EVERY = 100;
/** Failures older than this are of no use to any window (LOGIN_FAILURE_WINDOW is at most a day). */
const KEEP_SECONDS = 86_400;

/** Failed logins, one row each, per username key and client address. */
export function createLoginAttemptRepository(orm: Orm): LoginAttemptStore {
  let recorded = 0;
  return {
    async failures(usernameKey, ipAddress, windowStart) {
      const [row] = await orm.em.fork().execute<{ count: number; oldest: Date | string | null }[]>(
        `select count(*)::int as count, min(attempted_at) as oldest from login_attempts
          where username_key = ? and ip_address = ? and attempted_at > ?`,
        [usernameKey, ipAddress, windowStart],
      );
      return { count: row?.count ?? 0, oldest: row?.oldest ? new Date(row.oldest) : null };
    },

    async recordFailure(usernameKey, ipAddress) {
      const em = orm.em.fork();
      await em.insert(LoginAttempt, { id: randomUUID(), usernameKey, ipAddress, attemptedAt: new Date() });
      // Now and then, from every instance, drop what no window can need.
      if (++recorded % PRUNE_EVERY === 0) {
        await em.nativeDelete(LoginAttempt, { attemptedAt: { $lt: new Date(Date.now() - KEEP_SECONDS * 1000) } });
      }
    },

    async clear(usernameKey, ipAddress) {
      await orm.em.fork().nativeDelete(LoginAttempt, { usernameKey, ipAddress });
    },
  };
}
