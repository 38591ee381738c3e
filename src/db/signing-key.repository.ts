import type { StoredKey } from '../core/keys.js';
import type { Orm } from './database.js';
import { SigningKey } from './entities/index.js';

export interface SigningKeyStore {
  /** Every key, the private halves included: they are loaded once into the key ring. */
  list(): Promise<StoredKey[]>;
  insert(key: Omit<StoredKey, 'createdAt' | 'retiredAt'>): Promise<void>;
}

export function createSigningKeyRepository(orm: Orm): SigningKeyStore {
  return {
    async list() {
      const keys = await orm.em.fork().find(SigningKey, {}, { populate: ['privateKey'], orderBy: { createdAt: 'asc' } });
      return keys.map((key) => ({
        kid: key.kid,
        algorithm: 'RS256' as const,
        publicKey: key.publicKey,
        privateKey: key.privateKey,
        createdAt: key.createdAt,
        retiredAt: key.retiredAt ?? null,
      }));
    },

    async insert(key) {
      const em = orm.em.fork();
      em.create(SigningKey, { ...key, retiredAt: null });
      await em.flush();
    },
  };
}
