import { jwtVerify, type JWTPayload } from 'jose';
import { clientCredentialsTokens } from './client-token.js';
import { discover } from './discovery.js';
import { FeedFollower, type FeedState } from './feed.js';
import { DEFAULT_TIMEOUT_MS } from './http.js';
import { KeySet } from './keys.js';
import { DEFAULT_RETENTION_SECONDS, readRevocation, RevokedSessions } from './revocations.js';

export interface VerifierOptions {
  /** The `iss` Keyway's tokens carry (its JWT_ISSUER, or its PUBLIC_URL). */
  issuer: string;
  /** Where Keyway is reached, when not at the issuer's URL. */
  url?: string;
  /** When set, a token must carry it in `aud` (Keyway's JWT_AUDIENCE). */
  audience?: string;
  /** A machine client's credentials: with them, revocations are followed as they happen. */
  clientId?: string;
  clientSecret?: string;
  /** Leeway on `exp` and `nbf`, in seconds; 5 by default. */
  clockToleranceSeconds?: number;
  /** How long a revoked session is remembered after its revocation, in seconds; 24 h by default. */
  revocationRetentionSeconds?: number;
  /** How long each request to Keyway may take, in seconds; 5 by default. */
  requestTimeoutSeconds?: number;
  /** Told of problems after the start (the feed lost, a JWKS refetch failed): the library logs nothing itself. */
  onError?: (error: Error) => void;
}

export type VerifyFailure = 'TOKEN_INVALID' | 'TOKEN_EXPIRED' | 'SESSION_REVOKED';
export type VerifyResult = { ok: true; claims: JWTPayload } | { ok: false; reason: VerifyFailure };

export interface Verifier {
  /** Never throws: a bad token is an answer. */
  verify(token: string): Promise<VerifyResult>;
  /** Whether revocations are being followed: `off` without client credentials. */
  readonly feed: FeedState;
  /** Stops the feed and every timer. */
  close(): Promise<void>;
}

// Keyway's access tokens are typed JWT; a Security Event Token from the feed, signed by the same keys, is not one.
const ACCESS_TOKEN_TYPES = new Set(['jwt', 'application/jwt', 'at+jwt', 'application/at+jwt']);

/**
 * A verifier of Keyway's access tokens, ready: discovery and the JWKS read
 * and, with client credentials, the revocation feed's replay too. Rejects
 * with an Error saying what is wrong when any of them fails.
 */
export async function createVerifier(options: VerifierOptions): Promise<Verifier> {
  const { issuer, audience, clientId, clientSecret } = options;
  if (typeof issuer !== 'string' || issuer === '') throw new Error('createVerifier: `issuer` is required (Keyway\'s JWT_ISSUER or PUBLIC_URL)');
  if ((clientId === undefined) !== (clientSecret === undefined)) throw new Error('createVerifier: `clientId` and `clientSecret` go together');
  const url = (options.url ?? issuer).replace(/\/+$/, '');
  const timeoutMs = (options.requestTimeoutSeconds ?? DEFAULT_TIMEOUT_MS / 1000) * 1000;
  const clockTolerance = options.clockToleranceSeconds ?? 5;
  const onError = (error: Error) => {
    try {
      options.onError?.(error);
    } catch {
      // A throwing listener must not take the feed down with it.
    }
  };

  const metadata = await discover(url, issuer, timeoutMs);
  const keys = await KeySet.create({ jwksUri: metadata.jwks_uri, timeoutMs, onError });
  const revoked = new RevokedSessions(options.revocationRetentionSeconds ?? DEFAULT_RETENTION_SECONDS);
  let feed: FeedFollower | undefined;
  if (clientId !== undefined && clientSecret !== undefined) {
    const { revocation_feed_endpoint: feedUrl, token_endpoint: tokenEndpoint } = metadata;
    if (!feedUrl || !tokenEndpoint) {
      keys.close();
      revoked.close();
      const missing = feedUrl ? 'token_endpoint' : 'revocation_feed_endpoint';
      throw new Error(`Keyway at ${url} names no ${missing} in its discovery document: no revocation feed to follow (leave out clientId and clientSecret, or upgrade Keyway)`);
    }
    const check = { issuer, getKey: keys.getKey, algorithms: () => keys.algorithms };
    feed = new FeedFollower({
      url: feedUrl,
      tokens: clientCredentialsTokens({ tokenEndpoint, clientId, clientSecret, timeoutMs }),
      onError,
      async onEvent(event) {
        if (event.event !== 'session-revoked') return;
        try {
          const { sessionId, revokedAt } = await readRevocation(event.data, check);
          revoked.add(sessionId, revokedAt);
        } catch (error) {
          onError(new Error(`revocation event ${event.id ?? '(no id)'} dropped: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
        }
      },
    });
    try {
      await feed.start();
    } catch (error) {
      keys.close();
      revoked.close();
      throw error;
    }
  }

  // Rebuilt only when a JWKS fetch brings other algorithms (a new array), not per token.
  const optionsFor = (algorithms: string[]) => ({
    issuer,
    ...(audience === undefined ? {} : { audience }),
    clockTolerance,
    requiredClaims: ['exp', 'sid'],
    algorithms,
  });
  let verifyOptions = optionsFor(keys.algorithms);
  return {
    async verify(token) {
      if (typeof token !== 'string') return { ok: false, reason: 'TOKEN_INVALID' };
      if (verifyOptions.algorithms !== keys.algorithms) verifyOptions = optionsFor(keys.algorithms);
      try {
        const { payload, protectedHeader } = await jwtVerify(token, keys.getKey, verifyOptions);
        const typ = protectedHeader.typ?.toLowerCase();
        if (typ !== undefined && !ACCESS_TOKEN_TYPES.has(typ)) return { ok: false, reason: 'TOKEN_INVALID' };
        if (typeof payload.sid !== 'string') return { ok: false, reason: 'TOKEN_INVALID' };
        if (revoked.has(payload.sid)) return { ok: false, reason: 'SESSION_REVOKED' };
        return { ok: true, claims: payload };
      } catch (error) {
        return { ok: false, reason: (error as { code?: string }).code === 'ERR_JWT_EXPIRED' ? 'TOKEN_EXPIRED' : 'TOKEN_INVALID' };
      }
    },
    get feed() {
      return feed?.state ?? 'off';
    },
    async close() {
      keys.close();
      revoked.close();
      await feed?.close();
    },
  };
}
