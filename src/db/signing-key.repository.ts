import type { SigningKeyStore } from '../core/records.js';
import type { Orm } from './database.js';
import { SigningKey } from './entities/index.js';

export function createSigningKeyRepository(orm: Orm): SigningKeyStore {
  return {
    async list() {
      const keys = await orm.em.fork().find(SigningKey, {}, { populate: ['privateKey'], orderBy: { activatesAt: 'asc' } });
      return keys.map((key) => ({
        kid: key.kid,
        algorithm: 'RS256' as const,
        publicKey: key.publicKey,
        privateKey: key.privateKey,
        createdAt: key.createdAt,
        activatesAt: key.activatesAt,
        retiredAt: key.retiredAt ?? null,
      }));
    },

    async rotate(key, activatesAt) {
      await orm.em.fork().transactional(async (em) => {
        // Two rotations at once must not both leave their key unretired.
        await em.execute('lock table "signing_keys" in share row exclusive mode');
        await em.nativeUpdate(SigningKey, { retiredAt: null }, { retiredAt: activatesAt });
        em.create(SigningKey, { ...key, activatesAt, retiredAt: null });
        await em.flush();
      });
    },

    async version() {
      const [row] = await orm.em
        .fork()
        .execute<{ n: number; activated: unknown; retired: unknown }[]>(
          'select count(*)::int as n, max(activates_at) as activated, max(retired_at) as retired from signing_keys',
        );
      return JSON.stringify(row);
    },
  };
}
