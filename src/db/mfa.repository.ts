import type { MfaStore } from '../core/records.js';
import type { Orm } from './database.js';
import { revokeSessionsIn } from './session.repository.js';

/** Second factors as SQL through MikroORM's connection; each change that must be atomic is one statement or one transaction. */
export function createMfaRepository(orm: Orm): MfaStore {
  const connection = () => orm.em.getConnection();

  return {
    async totpOf(userId) {
      const [row] = await connection().execute<{ totp_secret: string | null; totp_pending_secret: string | null }[]>(
        'select totp_secret, totp_pending_secret from users where id = ?',
        [userId],
      );
      return row ? { secret: row.totp_secret, pending: row.totp_pending_secret } : null;
    },

    async setPending(userId, sealed) {
      await connection().execute('update users set totp_pending_secret = ? where id = ? and totp_secret is null', [sealed, userId], 'run');
    },

    async enable(userId, { pending, step, recoveryCodeHashes, exceptSessionId }) {
      return orm.em.fork().transactional(async (em) => {
        // The user's row is held first, as every change that revokes sessions holds it (user.repository.ts).
        const turnedOn = await em.execute<unknown[]>(
          `update users set totp_secret = totp_pending_secret, totp_pending_secret = null, totp_last_step = ?,
                  security_version = security_version + 1, updated_at = now()
            where id = ? and totp_secret is null and totp_pending_secret = ?
            returning id`,
          [step, userId, pending],
        );
        if (turnedOn.length === 0) return 'changed';
        await replaceCodes(em, userId, recoveryCodeHashes);
        return revokeSessionsIn(em, { userId, exceptSessionId }, 'mfa_changed');
      });
    },

    async useStep(userId, step) {
      // One statement: of two requests with the same code, on any instances, one finds the step still unused.
      const used = await connection().execute<unknown[]>(
        `update users set totp_last_step = ? where id = ? and totp_secret is not null and (totp_last_step is null or totp_last_step < ?) returning id`,
        [step, userId, step],
      );
      return used.length === 1;
    },

    async useRecoveryCode(userId, codeHash) {
      const used = await connection().execute<unknown[]>(
        'update recovery_codes set used_at = now() where user_id = ? and code_hash = ? and used_at is null returning id',
        [userId, codeHash],
      );
      return used.length === 1;
    },

    async replaceRecoveryCodes(userId, codeHashes) {
      await orm.em.fork().transactional((em) => replaceCodes(em, userId, codeHashes));
    },

    async openChallenge(tokenHash, { userId, securityVersion }, expiresAt) {
      await connection().execute(
        'insert into mfa_challenges (token_hash, user_id, security_version, expires_at) values (?, ?, ?, ?)',
        [tokenHash, userId, securityVersion, expiresAt],
        'run',
      );
    },

    async findChallenge(tokenHash, now) {
      const [row] = await connection().execute<{ user_id: number; security_version: number }[]>(
        'select user_id, security_version from mfa_challenges where token_hash = ? and expires_at > ?',
        [tokenHash, now],
      );
      return row ? { userId: row.user_id, securityVersion: row.security_version } : null;
    },

    async takeChallenge(tokenHash, now) {
      const taken = await connection().execute<unknown[]>('delete from mfa_challenges where token_hash = ? and expires_at > ? returning user_id', [
        tokenHash,
        now,
      ]);
      return taken.length === 1;
    },

    async pruneChallenges(now) {
      await connection().execute('delete from mfa_challenges where expires_at <= ?', [now], 'run');
    },
  };
}

type Transaction = { execute<T>(sql: string, params?: unknown[]): Promise<T> };

async function replaceCodes(em: Transaction, userId: number, codeHashes: string[]): Promise<void> {
  await em.execute('delete from recovery_codes where user_id = ?', [userId]);
  if (codeHashes.length === 0) return;
  await em.execute(
    `insert into recovery_codes (user_id, code_hash, created_at) values ${codeHashes.map(() => '(?, ?, now())').join(', ')}`,
    codeHashes.flatMap((hash) => [userId, hash]),
  );
}
