import { eventBy, type Actor } from './audit.js';
import type { AuditTrail } from './audit.service.js';
import { DomainError } from './errors.js';
import { generateSigningKey, type KeyRing, type SigningAlgorithm } from './keys.js';
import type { SigningKeyStore } from './records.js';

export interface KeyInfo {
  kid: string;
  algorithm: SigningAlgorithm;
  /** `pending`: published, verifying, not signing yet; `active`: signing; `retired`: verifying its tokens until they expire. */
  state: 'pending' | 'active' | 'retired';
  createdAt: Date | null;
  activatesAt: Date | null;
  retiredAt: Date | null;
  /** When it leaves the JWKS (null: not before a newer key takes over). */
  publishedUntil: Date | null;
}

export interface KeysServiceOptions {
  ring: KeyRing;
  /** Absent in HS256 mode: the secret comes from JWT_SECRET. */
  store?: SigningKeyStore;
  /** How long a new key is published before it signs, so every instance already verifies with it. */
  activationDelayMs: number;
  /** How long a retired key keeps verifying: the longest life of a token it signed. */
  retiredKeyLifetimeMs: number;
  audit: Pick<AuditTrail, 'record'>;
}

export type KeysService = ReturnType<typeof createKeysService>;

export function createKeysService(options: KeysServiceOptions) {
  const { ring, store } = options;

  async function reload(): Promise<void> {
    if (store) ring.replace(await store.list());
  }

  return {
    reload,
    version: () => (store ? store.version() : Promise.resolve('hs256')),

    async list(): Promise<KeyInfo[]> {
      if (!store) {
        const { kid } = ring.signingKey();
        return [{ kid, algorithm: 'HS256', state: 'active', createdAt: null, activatesAt: null, retiredAt: null, publishedUntil: null }];
      }
      const now = Date.now();
      return (await store.list())
        .map((key) => {
          const publishedUntil = key.retiredAt ? new Date(key.retiredAt.getTime() + options.retiredKeyLifetimeMs) : null;
          const state: KeyInfo['state'] =
            key.activatesAt.getTime() > now ? 'pending' : key.retiredAt && key.retiredAt.getTime() <= now ? 'retired' : 'active';
          return { kid: key.kid, algorithm: key.algorithm, state, createdAt: key.createdAt, activatesAt: key.activatesAt, retiredAt: key.retiredAt, publishedUntil };
        })
        .filter((key) => !key.publishedUntil || key.publishedUntil.getTime() > now);
    },

    /** A new key pair: published now, signing after the activation delay, the current key retired then. */
    async rotate(by: Actor): Promise<KeyInfo> {
      if (!store) throw new DomainError('BAD_USER_INPUT', 'Tokens are signed HS256 with JWT_SECRET: rotate by changing JWT_SECRET');
      const key = await generateSigningKey();
      const activatesAt = new Date(Date.now() + options.activationDelayMs);
      await store.rotate(key, activatesAt);
      await reload();
      options.audit.record(eventBy(by, 'KEY_ROTATED', null, { kid: key.kid, activatesAt: activatesAt.toISOString() }));
      return { kid: key.kid, algorithm: 'RS256', state: 'pending', createdAt: new Date(), activatesAt, retiredAt: null, publishedUntil: null };
    },
  };
}
