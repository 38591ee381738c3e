import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPair,
  type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';

export type SigningAlgorithm = 'RS256' | 'HS256';

/** A key as the database stores it (PEM text). */
export interface StoredKey {
  kid: string;
  algorithm: 'RS256';
  publicKey: string;
  privateKey: string;
  createdAt: Date;
  /** When it starts signing: a little after its creation, so every instance verifies with it first. */
  activatesAt: Date;
  /** When a newer key took over signing. */
  retiredAt: Date | null;
}

export interface PublicJwk {
  kty: string;
  kid: string;
  alg: SigningAlgorithm;
  use: 'sig';
  n?: string;
  e?: string;
}

interface VerificationKey {
  key: KeyObject;
  /** When the key stops verifying: its retirement plus the longest life of a token it signed. */
  usableUntil: number;
  jwk?: PublicJwk;
}

interface SigningCandidate {
  kid: string;
  key: KeyObject;
  activatesAt: number;
}

/**
 * The keys in use, parsed once into KeyObjects (a PEM parsed per verification
 * costs as much as the verification itself). Either one HS256 secret, or the
 * RS256 keys of the database: of the keys whose activation has come, the
 * latest signs; every key still usable verifies and is published in the JWKS,
 * a key waiting for its activation included.
 */
export class KeyRing {
  private signers: SigningCandidate[] = [];
  private readonly verifying = new Map<string, VerificationKey>();
  private readonly listeners: Array<() => void> = [];

  private constructor(
    readonly algorithm: SigningAlgorithm,
    private readonly tokenLifetimeMs: number,
  ) {}

  static forSecret(secret: string): KeyRing {
    const ring = new KeyRing('HS256', Infinity);
    const key = createSecretKey(Buffer.from(secret));
    // The kid names the secret without revealing it, so a token from an older secret is told apart.
    const kid = createHash('sha256').update(secret).digest('base64url').slice(0, 16);
    ring.signers = [{ kid, key, activatesAt: 0 }];
    ring.verifying.set(kid, { key, usableUntil: Infinity });
    return ring;
  }

  static forStoredKeys(keys: StoredKey[], tokenLifetimeSeconds: number): KeyRing {
    const ring = new KeyRing('RS256', tokenLifetimeSeconds * 1000);
    ring.replace(keys);
    return ring;
  }

  /** Swaps in the keys the database holds now (after a rotation). */
  replace(keys: StoredKey[]): void {
    if (this.algorithm !== 'RS256') return;
    const now = Date.now();
    const signers: SigningCandidate[] = [];
    this.verifying.clear();
    for (const stored of [...keys].sort((a, b) => a.activatesAt.getTime() - b.activatesAt.getTime())) {
      const usableUntil = stored.retiredAt ? stored.retiredAt.getTime() + this.tokenLifetimeMs : Infinity;
      if (usableUntil <= now) continue;
      const key = createPublicKey(stored.publicKey);
      this.verifying.set(stored.kid, { key, usableUntil, jwk: toJwk(stored.kid, key) });
      if (!stored.retiredAt || stored.retiredAt.getTime() > now) {
        signers.push({ kid: stored.kid, key: createPrivateKey(stored.privateKey), activatesAt: stored.activatesAt.getTime() });
      }
    }
    this.signers = signers;
    for (const listener of this.listeners) listener();
  }

  /** Called whenever the keys change (anything verified with the old set is to be verified again). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** The key to sign with now: the latest whose activation has come (the earliest, if none has yet). */
  signingKey(): { kid: string; key: KeyObject } {
    const now = Date.now();
    let chosen = this.signers[0];
    for (const candidate of this.signers) if (candidate.activatesAt <= now) chosen = candidate;
    if (!chosen) throw new Error('no signing key is loaded');
    return chosen;
  }

  verificationKey(kid: string | undefined): KeyObject | undefined {
    if (kid === undefined) return undefined;
    const entry = this.verifying.get(kid);
    return entry && entry.usableUntil > Date.now() ? entry.key : undefined;
  }

  /** The public keys, for `/.well-known/jwks.json`. Empty in HS256 mode: a shared secret is never published. */
  jwks(): { keys: PublicJwk[] } {
    const now = Date.now();
    const keys = [...this.verifying.values()].filter((entry) => entry.usableUntil > now && entry.jwk);
    return { keys: keys.map((entry) => entry.jwk!) };
  }
}

function toJwk(kid: string, key: KeyObject): PublicJwk {
  const { kty, n, e } = key.export({ format: 'jwk' });
  return { kty: kty!, kid, alg: 'RS256', use: 'sig', n, e };
}

const generateRsaKeyPair = promisify(generateKeyPair);

/** A new RS256 key pair; its kid is the RFC 7638 thumbprint of the public key. */
export async function generateSigningKey(): Promise<Pick<StoredKey, 'kid' | 'algorithm' | 'publicKey' | 'privateKey'>> {
  const { publicKey, privateKey } = await generateRsaKeyPair('rsa', { modulusLength: 2048 });
  const { e, kty, n } = publicKey.export({ format: 'jwk' });
  const kid = createHash('sha256').update(JSON.stringify({ e, kty, n })).digest('base64url');
  return {
    kid,
    algorithm: 'RS256',
    publicKey: publicKey.export({ format: 'pem', type: 'spki' }) as string,
    privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
  };
}
