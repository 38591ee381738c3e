import type { JWTPayload } from 'jose';
import type { Verifier, VerifyFailure } from './verifier.js';

/** What the Fastify hook and the Express middleware answer a request they refuse. */
export interface Refusal {
  status: 401;
  /** RFC 6750 §3: no error code when no token came; `invalid_token` when one did and failed. */
  challenge: string;
  body: { error: 'UNAUTHENTICATED'; message: string };
}

const MESSAGES: Record<VerifyFailure | 'MISSING', string> = {
  MISSING: 'Authentication required',
  TOKEN_INVALID: 'Invalid token',
  TOKEN_EXPIRED: 'Token expired',
  SESSION_REVOKED: 'Session revoked',
};

const BEARER = /^Bearer +(\S+) *$/i;

/** The claims of the request's `Authorization: Bearer <jwt>`, or the 401 to answer. */
export async function authenticate(
  verifier: Verifier,
  header: string | string[] | undefined,
): Promise<{ ok: true; claims: JWTPayload } | { ok: false; refusal: Refusal }> {
  // A header that is not one Bearer credential counts as none: the caller is asked for one.
  const token = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
  if (token === undefined) return { ok: false, refusal: refusal('MISSING') };
  const result = await verifier.verify(token);
  return result.ok ? result : { ok: false, refusal: refusal(result.reason) };
}

function refusal(reason: VerifyFailure | 'MISSING'): Refusal {
  return {
    status: 401,
    challenge: reason === 'MISSING' ? 'Bearer' : 'Bearer error="invalid_token"',
    body: { error: 'UNAUTHENTICATED', message: MESSAGES[reason] },
  };
}
