import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { KeyRing } from './keys.js';
import type { PermissionMap } from './permissions.js';

/** The access token's payload: a superset of both replaced APIs' tokens (SPEC §3). */
export interface AccessClaims {
  sub: string;
  id: number;
  username: string;
  role: string;
  roles: PermissionMap;
  iat: number;
  exp: number;
  iss: string;
  jti: string;
  sid: string;
  aud?: string;
}

export type TokenFailure = 'TOKEN_EXPIRED' | 'TOKEN_INVALID' | 'SESSION_REVOKED';

export type TokenCheck = { ok: true; claims: AccessClaims } | { ok: false; code: TokenFailure };

export interface TokenSubject {
  userId: number;
  username: string;
  role: string;
  permissions: PermissionMap;
  sessionId: string;
  /** The token expires no later than this (its session's end). */
  notAfter?: Date;
}

export interface TokenServiceOptions {
  keys: KeyRing;
  issuer: string;
  audience?: string;
  ttlSeconds: number;
  clockToleranceSeconds: number;
  /** Whether a session has been revoked; consulted on every verification, in memory. */
  isRevoked: (sessionId: string) => boolean;
}

export interface TokenService {
  sign(subject: TokenSubject): { token: string; claims: AccessClaims; expiresAt: Date };
  /** A bad token is an answer, not an exception. */
  verify(token: string): TokenCheck;
}

export function createTokenService(options: TokenServiceOptions): TokenService {
  const { keys, issuer, audience, ttlSeconds, clockToleranceSeconds, isRevoked } = options;

  return {
    sign(subject) {
      const iat = Math.floor(Date.now() / 1000);
      const claims: AccessClaims = {
        sub: String(subject.userId),
        id: subject.userId,
        username: subject.username,
        role: subject.role,
        roles: subject.permissions,
        iat,
        exp: Math.min(iat + ttlSeconds, subject.notAfter ? Math.floor(subject.notAfter.getTime() / 1000) : Infinity),
        iss: issuer,
        jti: randomUUID(),
        sid: subject.sessionId,
        ...(audience ? { aud: audience } : {}),
      };
      const { kid, key } = keys.signingKey();
      const token = jwt.sign(claims, key, { algorithm: keys.algorithm, keyid: kid });
      return { token, claims, expiresAt: new Date(claims.exp * 1000) };
    },

    verify(token) {
      const decoded = jwt.decode(token, { complete: true });
      const key = keys.verificationKey(decoded?.header.kid);
      if (!key) return { ok: false, code: 'TOKEN_INVALID' };
      let claims: unknown;
      try {
        claims = jwt.verify(token, key, {
          // Pinned: the header's `alg` never chooses (no `none`, no HS256 keyed with a public key).
          algorithms: [keys.algorithm],
          issuer,
          ...(audience ? { audience } : {}),
          clockTolerance: clockToleranceSeconds,
        });
      } catch (error) {
        return { ok: false, code: error instanceof jwt.TokenExpiredError ? 'TOKEN_EXPIRED' : 'TOKEN_INVALID' };
      }
      if (!isAccessClaims(claims)) return { ok: false, code: 'TOKEN_INVALID' };
      if (isRevoked(claims.sid)) return { ok: false, code: 'SESSION_REVOKED' };
      return { ok: true, claims };
    },
  };
}

function isAccessClaims(value: unknown): value is AccessClaims {
  if (typeof value !== 'object' || value === null) return false;
  const claims = value as Record<string, unknown>;
  return (
    typeof claims.sub === 'string' &&
    Number.isSafeInteger(claims.id) &&
    typeof claims.username === 'string' &&
    typeof claims.role === 'string' &&
    typeof claims.sid === 'string' &&
    typeof claims.roles === 'object' &&
    claims.roles !== null
  );
}
