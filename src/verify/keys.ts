import { createLocalJWKSet, errors, type JWK, type JWTVerifyGetKey } from 'jose';
import { isRecord, request } from './http.js';

/** An unknown `kid` refetches the JWKS at most this often, however many tokens name unknown keys. */
export const REFETCH_INTERVAL_MS = 5000;
/** The JWKS is also read again this often, so retired keys leave and new ones arrive before they sign. */
const REFRESH_INTERVAL_MS = 5 * 60_000;

// Asymmetric signing algorithms only: a JWKS never holds a shared secret, and `none` never verifies.
const ALGORITHMS = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']);

export interface KeySetOptions {
  jwksUri: string;
  timeoutMs: number;
  onError: (error: Error) => void;
}

/**
 * Keyway's public keys, from its JWKS: the key a token names by `kid`, and
 * the algorithms those keys are for (a token's own `alg` never chooses).
 */
export class KeySet {
  /** The algorithms of the keys held, to pin in every verification. */
  algorithms: string[] = [];
  private local!: JWTVerifyGetKey;
  private lastRefetch = -Infinity;
  private refetching: Promise<boolean> | undefined;
  private readonly refresher: NodeJS.Timeout;

  private constructor(private readonly options: KeySetOptions) {
    this.refresher = setInterval(() => void this.load().catch(options.onError), REFRESH_INTERVAL_MS).unref();
  }

  /** The keys, read once; rejects when the JWKS cannot be read or holds no key to verify with. */
  static async create(options: KeySetOptions): Promise<KeySet> {
    const keys = new KeySet(options);
    try {
      await keys.load();
    } catch (error) {
      keys.close();
      throw error;
    }
    return keys;
  }

  /** For jose's `jwtVerify`: the key of the token's `kid`, after one refetch when it is unknown. */
  readonly getKey: JWTVerifyGetKey = (header, token) =>
    // Not an async function: the known key, the path of nearly every token, costs no extra promise.
    Promise.resolve(this.local(header, token)).catch(async (error: unknown) => {
      if (!(error instanceof errors.JWKSNoMatchingKey) || !(await this.refetch())) throw error;
      return this.local(header, token);
    });

  close(): void {
    clearInterval(this.refresher);
  }

  /** One refetch shared by every token that asks meanwhile; false when one happened less than 5 s ago. */
  private refetch(): Promise<boolean> {
    if (this.refetching) return this.refetching;
    if (performance.now() - this.lastRefetch < REFETCH_INTERVAL_MS) return Promise.resolve(false);
    this.lastRefetch = performance.now();
    this.refetching = this.load()
      .then(
        () => true,
        (error: Error) => {
          this.options.onError(error);
          return false;
        },
      )
      .finally(() => (this.refetching = undefined));
    return this.refetching;
  }

  private async load(): Promise<void> {
    const { jwksUri, timeoutMs } = this.options;
    const answer = await request(jwksUri, { headers: { accept: 'application/json' } }, timeoutMs, "Keyway's JWKS");
    if (answer.status !== 200 || !isRecord(answer.body) || !Array.isArray(answer.body.keys)) {
      throw new Error(`Keyway's JWKS (${jwksUri}) answered ${answer.status} without a key set`);
    }
    const keys = (answer.body.keys as unknown[]).filter(isRecord).map(withAlgorithm).filter((key) => key !== undefined);
    if (keys.length === 0) {
      throw new Error(
        answer.body.keys.length === 0
          ? `Keyway's JWKS (${jwksUri}) publishes no keys: Keyway signs with JWT_SECRET (HS256), a shared secret it never publishes. ` +
              'Unset JWT_SECRET on Keyway so that it signs RS256 with keys it publishes'
          : `Keyway's JWKS (${jwksUri}) holds no public signing key this verifier can use`,
      );
    }
    this.local = createLocalJWKSet({ keys });
    this.algorithms = [...new Set(keys.map((key) => key.alg!))];
  }
}

/** A signing key with its algorithm stated (RS256 for an RSA key that names none); undefined for any other key. */
function withAlgorithm(key: Record<string, unknown>): JWK | undefined {
  if (key.use !== undefined && key.use !== 'sig') return undefined;
  if (key.d !== undefined || key.k !== undefined) return undefined;
  const alg = typeof key.alg === 'string' ? key.alg : key.kty === 'RSA' ? 'RS256' : undefined;
  return alg && ALGORITHMS.has(alg) ? ({ ...key, alg } as JWK) : undefined;
}
