import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { KeyRing } from './keys.js';
import type { PermissionMap } from './permissions.js';
import type { AuthenticationMethod } from './records.js';

/**
 * A user's access token payload: a superset of both replaced APIs' tokens, so
 * a service that read StockAPI's (`id`, `username`, `role`) or B2Market's
 * (`username`, `roles` as a permission map) reads Keyway's unchanged.
 */
export interface UserClaims {
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
  /** How the session's user proved who they are (RFC 8176): `["pwd"]`, or `["pwd", "otp"]` after a second factor. */
  amr: AuthenticationMethod[];
  aud?: string;
}

/**
 * A machine client's access token payload (SPEC §13): `sub` is
 * `client:<id>`; `roles` is its role's permissions narrowed by the scope it
 * asked for; `sid` is its credential, revoked as a session is.
 */
export interface ClientClaims {
  sub: string;
  client_id: string;
  role: string;
  roles: PermissionMap;
  scope: string;
  iat: number;
  exp: number;
  iss: string;
  jti: string;
  sid: string;
  aud?: string;
}

export type AccessClaims = UserClaims | ClientClaims;

/** Whether claims are a machine client's. */
export function isClientClaims(claims: AccessClaims): claims is ClientClaims {
  return 'client_id' in claims;
}

/** What a client's token is signed for: the client, its role, the permissions granted, and its credential. */
export interface ClientSubject {
  id: number;
  clientId: string;
  role: string;
  permissions: PermissionMap;
  credentialId: string;
}

export type TokenFailure = 'TOKEN_EXPIRED' | 'TOKEN_INVALID' | 'SESSION_REVOKED';

export type TokenCheck = { ok: true; claims: AccessClaims } | { ok: false; code: TokenFailure };

/** Whom an access token speaks for: what a session signs into it, and what a door knows of its caller. */
export interface TokenSubject {
  userId: number;
  username: string;
  role: string;
  permissions: PermissionMap;
  sessionId: string;
  amr: AuthenticationMethod[];
}

export interface TokenServiceOptions {
  keys: KeyRing;
  issuer: string;
  audience?: string;
  ttlSeconds: number;
  clockToleranceSeconds: number;
  /** Whether a session has been revoked; consulted on every verification, in memory. */
  isRevoked: (sessionId: string) => boolean;
  /** How many verified tokens to remember (0: none). */
  cacheSize: number;
}

export interface TokenService {
  /** A token for `subject`, expiring no later than `notAfter` (its session's end). */
  sign(subject: TokenSubject, notAfter?: Date): { token: string; claims: UserClaims; expiresAt: Date };
  /** A machine client's token, living `ttlSeconds`. */
  signClient(subject: ClientSubject, ttlSeconds: number): { token: string; claims: ClientClaims; expiresAt: Date };
  /** A bad token is an answer, not an exception. */
  verify(token: string): TokenCheck;
  /**
   * The Security Event Token (RFC 8417) telling other services that a
   * session was revoked: CAEP's `session-revoked` event about its `sid`,
   * signed with the access tokens' key, typed `secevent+jwt` so that it can
   * never pass for an access token (it has no `exp`, no `sub`, no role).
   */
  signSecurityEvent(revocation: { sessionId: string; revokedAt: Date }): string;
}

/** CAEP's event type (OpenID Continuous Access Evaluation Profile 1.0) for a session ended. */
export const SESSION_REVOKED_EVENT = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';

export function createTokenService(options: TokenServiceOptions): TokenService {
  const { keys, issuer, audience, ttlSeconds, clockToleranceSeconds, isRevoked } = options;
  const verified = new VerifiedTokens(options.cacheSize);
  keys.onChange(() => verified.clear());

  function signed(claims: object, type = 'JWT'): string {
    const { kid, key } = keys.signingKey();
    return jwt.sign(claims, key, { algorithm: keys.algorithm, keyid: kid, header: { alg: keys.algorithm, typ: type } });
  }

  return {
    sign(subject, notAfter) {
      const iat = Math.floor(Date.now() / 1000);
      const claims: UserClaims = {
        sub: String(subject.userId),
        id: subject.userId,
        username: subject.username,
        role: subject.role,
        roles: subject.permissions,
        iat,
        exp: Math.min(iat + ttlSeconds, notAfter ? Math.floor(notAfter.getTime() / 1000) : Infinity),
        iss: issuer,
        jti: randomUUID(),
        sid: subject.sessionId,
        amr: subject.amr,
        ...(audience ? { aud: audience } : {}),
      };
      return { token: signed(claims), claims, expiresAt: new Date(claims.exp * 1000) };
    },

    signClient(subject, lifetimeSeconds) {
      const iat = Math.floor(Date.now() / 1000);
      const granted = Object.entries(subject.permissions).filter(([, allowed]) => allowed).map(([permission]) => permission);
      const claims: ClientClaims = {
        sub: `client:${subject.id}`,
        client_id: subject.clientId,
        role: subject.role,
        roles: subject.permissions,
        scope: granted.join(' '),
        iat,
        exp: iat + lifetimeSeconds,
        iss: issuer,
        jti: randomUUID(),
        sid: subject.credentialId,
        ...(audience ? { aud: audience } : {}),
      };
      return { token: signed(claims), claims, expiresAt: new Date(claims.exp * 1000) };
    },

    signSecurityEvent({ sessionId, revokedAt }) {
      const event = {
        iss: issuer,
        jti: randomUUID(),
        iat: Math.floor(Date.now() / 1000),
        ...(audience ? { aud: audience } : {}),
        // The session as Shared Signals names a subject: an opaque id, the `sid` its tokens carry.
        sub_id: { format: 'opaque', id: sessionId },
        events: { [SESSION_REVOKED_EVENT]: { event_timestamp: Math.floor(revokedAt.getTime() / 1000) } },
      };
      return signed(event, 'secevent+jwt');
    },

    verify(token) {
      // A token verified before is not verified again; its expiry and its session are, every time.
      const known = verified.get(token);
      if (known) {
        if ((known.exp + clockToleranceSeconds) * 1000 <= Date.now()) {
          verified.delete(token);
          return { ok: false, code: 'TOKEN_EXPIRED' };
        }
        return isRevoked(known.sid) ? { ok: false, code: 'SESSION_REVOKED' } : { ok: true, claims: known };
      }
      const kid = jwtHeader(token)?.kid;
      const key = keys.verificationKey(typeof kid === 'string' ? kid : undefined);
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
      if (!isClientClaims(claims)) claims.amr ??= ['pwd'];
      if (isRevoked(claims.sid)) return { ok: false, code: 'SESSION_REVOKED' };
      verified.set(token, claims);
      return { ok: true, claims };
    },
  };
}

/** What one cached entry costs besides its token's text: the claims object and the map's slot, measured roughly. */
const ENTRY_OVERHEAD_BYTES = 600;
/** The cache's bound in memory, whatever its entry count: 16 MiB. */
export const TOKEN_CACHE_MAX_BYTES = 16 * 1024 * 1024;

/**
 * Tokens whose signature, issuer and audience were checked, by their exact
 * text, so a frontend sending the same token on every request pays for one
 * RSA verification. Bounded in entries and in bytes: the oldest entry goes
 * first. Emptied whenever the keys change.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, AccessClaims>();
  private bytes = 0;

  constructor(
    private readonly capacity: number,
    private readonly maxBytes = TOKEN_CACHE_MAX_BYTES,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Roughly what the entries hold in memory. */
  get byteSize(): number {
    return this.bytes;
  }

  get(token: string): AccessClaims | undefined {
    return this.capacity > 0 ? this.entries.get(token) : undefined;
  }

  set(token: string, claims: AccessClaims): void {
    const cost = costOf(token);
    if (this.capacity === 0 || cost > this.maxBytes || this.entries.has(token)) return;
    while (this.entries.size >= this.capacity || this.bytes + cost > this.maxBytes) this.delete(this.entries.keys().next().value!);
    this.entries.set(token, claims);
    this.bytes += cost;
  }

  delete(token: string): void {
    if (this.entries.delete(token)) this.bytes -= costOf(token);
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}

function costOf(token: string): number {
  return token.length + ENTRY_OVERHEAD_BYTES;
}

/**
 * A JWT's header, decoded alone (the payload is left to `jwt.verify`), or
 * null when the first segment is not a JSON object.
 */
export function jwtHeader(token: string): Record<string, unknown> | null {
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString());
    return typeof header === 'object' && header !== null && !Array.isArray(header) ? (header as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function isAccessClaims(value: unknown): value is AccessClaims {
  if (typeof value !== 'object' || value === null) return false;
  const claims = value as Record<string, unknown>;
  const common =
    typeof claims.sub === 'string' &&
    typeof claims.role === 'string' &&
    typeof claims.sid === 'string' &&
    typeof claims.roles === 'object' &&
    claims.roles !== null;
  if (!common) return false;
  if (claims.client_id !== undefined) {
    return typeof claims.client_id === 'string' && typeof claims.scope === 'string' && /^client:\d+$/.test(claims.sub as string);
  }
  return (
    Number.isSafeInteger(claims.id) &&
    typeof claims.username === 'string' &&
    // Tokens signed before second factors existed carry none: a password, then (see verify).
    (claims.amr === undefined || (Array.isArray(claims.amr) && claims.amr.every((method) => typeof method === 'string')))
  );
}
