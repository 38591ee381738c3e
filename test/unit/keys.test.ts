import { createHash, sign, verify } from 'node:crypto';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DomainError } from '../../src/core/errors.js';
import { generateSigningKey, KeyRing, type StoredKey } from '../../src/core/keys.js';
import { createKeysService } from '../../src/core/keys.service.js';
import type { SigningKeyStore } from '../../src/core/records.js';
import { OPERATOR, type AuditEvent } from '../../src/core/audit.js';

/**
 * Key activation and retirement, on a clock the test sets: the ring and the
 * keys service read Date.now(), so only Date is faked (key generation runs on
 * libuv's threads and is left alone).
 */

const T = Date.parse('2026-12-01T12:00:00.000Z');
const ACTIVATION_MS = 750;
const LIFETIME_S = 3600 + 5;
const LIFETIME_MS = LIFETIME_S * 1000;

type KeyPair = Pick<StoredKey, 'kid' | 'algorithm' | 'publicKey' | 'privateKey'>;
let pairs: KeyPair[];

beforeAll(async () => {
  pairs = await Promise.all([generateSigningKey(), generateSigningKey(), generateSigningKey()]);
});

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T);
});

afterEach(() => {
  vi.useRealTimers();
});

const at = (ms: number) => new Date(T + ms);
const stored = (pair: KeyPair, activatesAt: number, retiredAt: number | null = null): StoredKey => ({
  ...pair,
  createdAt: at(Math.min(activatesAt, 0)),
  activatesAt: at(activatesAt),
  retiredAt: retiredAt === null ? null : at(retiredAt),
});

/** Whether the ring signs as `kid`, with the private half of the public key it verifies `kid` with. */
function signsAs(ring: KeyRing, kid: string): boolean {
  const signer = ring.signingKey();
  const key = ring.verificationKey(kid);
  const data = Buffer.from('claims');
  return signer.kid === kid && key !== undefined && verify('sha256', data, key, sign('sha256', data, signer.key));
}

const published = (ring: KeyRing) => ring.jwks().keys.map((key) => key.kid);

describe('KeyRing with RS256 keys', () => {
  it('signs with the active key and publishes its public half only', () => {
    const [a] = pairs;
    const ring = KeyRing.forStoredKeys([stored(a!, -1000)], LIFETIME_S);
    expect(ring.algorithm).toBe('RS256');
    expect(signsAs(ring, a!.kid)).toBe(true);
    expect(ring.jwks()).toEqual({ keys: [{ kty: 'RSA', kid: a!.kid, alg: 'RS256', use: 'sig', n: expect.any(String), e: 'AQAB' }] });
    expect(JSON.stringify(ring.jwks())).not.toMatch(/"(d|p|q|dp|dq|qi)"/);
    expect(ring.verificationKey(undefined)).toBeUndefined();
    expect(ring.verificationKey('not-a-kid')).toBeUndefined();
  });

  it('publishes a pending key and verifies with it, but signs with it only from its activation', () => {
    const [a, b] = pairs;
    const ring = KeyRing.forStoredKeys([stored(a!, -1000, ACTIVATION_MS), stored(b!, ACTIVATION_MS)], LIFETIME_S);
    expect(published(ring)).toEqual([a!.kid, b!.kid]);
    expect(ring.verificationKey(b!.kid)).toBeDefined();
    expect(ring.signingKey().kid).toBe(a!.kid);

    vi.setSystemTime(T + ACTIVATION_MS - 1);
    expect(ring.signingKey().kid).toBe(a!.kid);
    vi.setSystemTime(T + ACTIVATION_MS);
    expect(signsAs(ring, b!.kid)).toBe(true);
    // The key it replaced still verifies what it signed.
    expect(ring.verificationKey(a!.kid)).toBeDefined();
  });

  it('verifies with a retired key until its last token has expired, then drops it from the JWKS', () => {
    const [a, b] = pairs;
    const ring = KeyRing.forStoredKeys([stored(a!, -1000, ACTIVATION_MS), stored(b!, ACTIVATION_MS)], LIFETIME_S);
    vi.setSystemTime(T + ACTIVATION_MS + LIFETIME_MS - 1);
    expect(ring.verificationKey(a!.kid)).toBeDefined();
    expect(published(ring)).toEqual([a!.kid, b!.kid]);

    vi.setSystemTime(T + ACTIVATION_MS + LIFETIME_MS);
    expect(ring.verificationKey(a!.kid)).toBeUndefined();
    expect(published(ring)).toEqual([b!.kid]);
    expect(signsAs(ring, b!.kid)).toBe(true);
  });

  it('leaves out a key whose lifetime ended before it was loaded', () => {
    const [a, b] = pairs;
    const ring = KeyRing.forStoredKeys([stored(a!, -2 * LIFETIME_MS, -LIFETIME_MS), stored(b!, -LIFETIME_MS)], LIFETIME_S);
    expect(ring.verificationKey(a!.kid)).toBeUndefined();
    expect(published(ring)).toEqual([b!.kid]);
  });

  it('signs with the earliest key while none has reached its activation', () => {
    const [a, b] = pairs;
    const ring = KeyRing.forStoredKeys([stored(b!, 2000), stored(a!, 1000)], LIFETIME_S);
    expect(ring.signingKey().kid).toBe(a!.kid);
    vi.setSystemTime(T + 2000);
    expect(ring.signingKey().kid).toBe(b!.kid);
  });

  it('refuses to sign with no key at all', () => {
    expect(() => KeyRing.forStoredKeys([], LIFETIME_S).signingKey()).toThrow('no signing key is loaded');
  });

  it('replace() swaps in the keys as they stand now: a rotation learned from the database', () => {
    const [a, b, c] = pairs;
    const ring = KeyRing.forStoredKeys([stored(a!, -1000)], LIFETIME_S);
    ring.replace([stored(a!, -1000, ACTIVATION_MS), stored(b!, ACTIVATION_MS)]);
    expect(published(ring)).toEqual([a!.kid, b!.kid]);
    expect(ring.signingKey().kid).toBe(a!.kid);
    vi.setSystemTime(T + ACTIVATION_MS);
    expect(ring.signingKey().kid).toBe(b!.kid);

    // A key no longer in the database verifies nothing, whatever its retirement said.
    ring.replace([stored(b!, ACTIVATION_MS, 2 * ACTIVATION_MS), stored(c!, 2 * ACTIVATION_MS)]);
    expect(ring.verificationKey(a!.kid)).toBeUndefined();
    expect(published(ring)).toEqual([b!.kid, c!.kid]);
    vi.setSystemTime(T + 2 * ACTIVATION_MS);
    expect(signsAs(ring, c!.kid)).toBe(true);
  });

  it('tells every listener of each replace()', () => {
    const [a, b] = pairs;
    const ring = KeyRing.forStoredKeys([stored(a!, -1000)], LIFETIME_S);
    const first = vi.fn();
    const second = vi.fn();
    ring.onChange(first);
    ring.onChange(second);
    expect(first).not.toHaveBeenCalled();
    ring.replace([stored(a!, -1000, 0), stored(b!, 0)]);
    ring.replace([stored(a!, -1000, 0), stored(b!, 0)]);
    expect(first).toHaveBeenCalledTimes(2);
    expect(second).toHaveBeenCalledTimes(2);
  });
});

describe('KeyRing with an HS256 secret', () => {
  const secret = 'a secret of at least thirty-two bytes, for HS256';
  const kidOf = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 16);

  it('signs and verifies with the secret under a kid that names it without revealing it', () => {
    const ring = KeyRing.forSecret(secret);
    expect(ring.algorithm).toBe('HS256');
    const { kid, key } = ring.signingKey();
    expect(kid).toBe(kidOf(secret));
    expect(key.type).toBe('secret');
    expect(key.export().toString()).toBe(secret);
    expect(ring.verificationKey(kid)).toBe(key);
    expect(KeyRing.forSecret(`${secret}!`).signingKey().kid).not.toBe(kid);
  });

  it('never publishes the secret, never retires it, and ignores replace()', () => {
    const [a] = pairs;
    const ring = KeyRing.forSecret(secret);
    const listener = vi.fn();
    ring.onChange(listener);
    ring.replace([stored(a!, -1000)]);
    vi.setSystemTime(T + 10 * 365 * 24 * 3600_000);
    expect(ring.jwks()).toEqual({ keys: [] });
    expect(ring.signingKey().kid).toBe(kidOf(secret));
    expect(ring.verificationKey(kidOf(secret))).toBeDefined();
    expect(ring.verificationKey(a!.kid)).toBeUndefined();
    expect(listener).not.toHaveBeenCalled();
  });
});

/** The database's signing keys, in memory: a rotation retires every current key at the new key's activation. */
function memoryKeyStore(initial: StoredKey[]): SigningKeyStore & { keys: StoredKey[] } {
  const keys = initial.map((key) => ({ ...key }));
  return {
    keys,
    async list() {
      return keys.map((key) => ({ ...key }));
    },
    async rotate(key, activatesAt) {
      for (const current of keys) if (!current.retiredAt) current.retiredAt = activatesAt;
      keys.push({ ...key, createdAt: new Date(), activatesAt, retiredAt: null });
    },
    async version() {
      return keys.map((key) => `${key.kid}:${key.retiredAt?.getTime() ?? ''}`).join(',');
    },
  };
}

describe('createKeysService', () => {
  const recorded: AuditEvent[] = [];
  const serviceOn = (ring: KeyRing, store?: SigningKeyStore) =>
    createKeysService({ ring, store, activationDelayMs: ACTIVATION_MS, retiredKeyLifetimeMs: LIFETIME_MS, audit: { record: (event) => void recorded.push(event) } });
  const states = async (service: ReturnType<typeof serviceOn>) =>
    (await service.list()).map(({ kid, state, publishedUntil }) => ({ kid, state, publishedUntil }));

  it('lists a key as pending, active, retired, then no more', async () => {
    const [a, b] = pairs;
    const keys = [stored(a!, -1000, ACTIVATION_MS), stored(b!, ACTIVATION_MS)];
    const service = serviceOn(KeyRing.forStoredKeys(keys, LIFETIME_S), memoryKeyStore(keys));
    const until = at(ACTIVATION_MS + LIFETIME_MS);

    expect(await states(service)).toEqual([
      { kid: a!.kid, state: 'active', publishedUntil: until },
      { kid: b!.kid, state: 'pending', publishedUntil: null },
    ]);
    vi.setSystemTime(T + ACTIVATION_MS - 1);
    expect((await states(service)).map((key) => key.state)).toEqual(['active', 'pending']);
    vi.setSystemTime(T + ACTIVATION_MS);
    expect((await states(service)).map((key) => key.state)).toEqual(['retired', 'active']);
    vi.setSystemTime(until.getTime() - 1);
    expect((await states(service)).map((key) => key.state)).toEqual(['retired', 'active']);
    vi.setSystemTime(until.getTime());
    expect(await states(service)).toEqual([{ kid: b!.kid, state: 'active', publishedUntil: null }]);
  });

  it('lists what the store holds, with its dates', async () => {
    const [a] = pairs;
    const key = stored(a!, -1000);
    const service = serviceOn(KeyRing.forStoredKeys([key], LIFETIME_S), memoryKeyStore([key]));
    expect(await service.list()).toEqual([
      { kid: a!.kid, algorithm: 'RS256', state: 'active', createdAt: key.createdAt, activatesAt: key.activatesAt, retiredAt: null, publishedUntil: null },
    ]);
  });

  it('rotates: the new key is published at once and signs after the activation delay', async () => {
    const [a] = pairs;
    const keys = [stored(a!, -1000)];
    const store = memoryKeyStore(keys);
    const ring = KeyRing.forStoredKeys(keys, LIFETIME_S);
    const service = serviceOn(ring, store);
    const versionBefore = await service.version();

    const rotated = await service.rotate(OPERATOR);
    expect(rotated).toMatchObject({ algorithm: 'RS256', state: 'pending', activatesAt: at(ACTIVATION_MS), retiredAt: null });
    expect(recorded.at(-1)).toMatchObject({ type: 'KEY_ROTATED', actor: null, client: { door: 'cli' }, details: { kid: rotated.kid } });
    expect(rotated.kid).not.toBe(a!.kid);
    expect(await service.version()).not.toBe(versionBefore);
    expect(published(ring)).toEqual([a!.kid, rotated.kid]);
    expect(ring.signingKey().kid).toBe(a!.kid);
    expect((await states(service)).map((key) => key.state)).toEqual(['active', 'pending']);

    vi.setSystemTime(T + ACTIVATION_MS);
    expect(signsAs(ring, rotated.kid)).toBe(true);
    expect(await states(service)).toEqual([
      { kid: a!.kid, state: 'retired', publishedUntil: at(ACTIVATION_MS + LIFETIME_MS) },
      { kid: rotated.kid, state: 'active', publishedUntil: null },
    ]);
  });

  it('reload() hands the ring what the store holds now', async () => {
    const [a, b] = pairs;
    const store = memoryKeyStore([stored(a!, -1000)]);
    const ring = KeyRing.forStoredKeys(await store.list(), LIFETIME_S);
    const service = serviceOn(ring, store);
    await store.rotate(b!, at(0));
    expect(published(ring)).toEqual([a!.kid]);
    await service.reload();
    expect(published(ring)).toEqual([a!.kid, b!.kid]);
    expect(ring.signingKey().kid).toBe(b!.kid);
  });

  it('in HS256 mode lists the secret as the one active key, and refuses to rotate', async () => {
    const ring = KeyRing.forSecret('a secret of at least thirty-two bytes, for HS256');
    const service = serviceOn(ring);
    expect(await service.list()).toEqual([
      { kid: ring.signingKey().kid, algorithm: 'HS256', state: 'active', createdAt: null, activatesAt: null, retiredAt: null, publishedUntil: null },
    ]);
    expect(await service.version()).toBe('hs256');
    await expect(service.rotate(OPERATOR)).rejects.toThrow(
      new DomainError('BAD_USER_INPUT', 'Tokens are signed HS256 with JWT_SECRET: rotate by changing JWT_SECRET'),
    );
    await expect(service.rotate(OPERATOR)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});
