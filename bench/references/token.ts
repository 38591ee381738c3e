import { createPublicKey, verify, type KeyObject } from 'node:crypto';

/** The public key every reference verifies with: Keyway's, handed over as a JWK in KEYWAY_JWK. */
export function publicKey(): KeyObject {
  return createPublicKey({ key: JSON.parse(process.env.KEYWAY_JWK!), format: 'jwk' });
}

/**
 * The least a service can do to verify an RS256 token: split it, check the
 * signature with node:crypto, parse the claims, check the expiry. No library.
 */
export function verifyRs256(authorization: string | undefined, key: KeyObject): Record<string, unknown> | undefined {
  const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
  const [header, payload, signature] = token?.split('.') ?? [];
  if (!header || !payload || !signature) return undefined;
  const signed = verify('sha256', Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url'));
  if (!signed) return undefined;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  return typeof claims.exp === 'number' && claims.exp * 1000 > Date.now() ? claims : undefined;
}
