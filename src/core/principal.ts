import { DomainError } from './errors.js';
import type { PermissionMap } from './permissions.js';
import type { AuthenticationMethod } from './records.js';
import {
  isClientClaims,
  jwtHeader,
  type AccessClaims,
  type ClientClaims,
  type TokenFailure,
  type TokenService,
  type TokenSubject,
  type UserClaims,
} from './tokens.js';

/** A signed-in user: the token's subject, and the claims it was read from. */
export interface UserPrincipal extends TokenSubject {
  kind: 'user';
  claims: UserClaims;
}

/** A machine client (SPEC §13): its role's permissions as its token grants them; no user, no session, no second factor. */
export interface ClientPrincipal {
  kind: 'client';
  /** The client's number (`sub` is `client:<id>`). */
  id: number;
  clientId: string;
  role: string;
  permissions: PermissionMap;
  /** Its credential: revoked as a session is. */
  sessionId: string;
  amr: AuthenticationMethod[];
  claims: ClientClaims;
}

/** Who is calling, as every door sees it. */
export type Principal = UserPrincipal | ClientPrincipal;

/** The caller of an operation only users have (their sessions, password, second factor); a client is refused. */
export function requireUser(principal: Principal): UserPrincipal {
  if (principal.kind === 'user') return principal;
  throw new DomainError('FORBIDDEN', 'A machine client has no user account: this operation is for users');
}

/** How the audit trail names a caller: a username, or `client:<clientId>`. */
export function nameOf(principal: Principal): string {
  return principal.kind === 'user' ? principal.username : `client:${principal.clientId}`;
}

/** Why there is no principal: no header, a header that is not `Bearer <jwt>`, or a token that fails. */
export type PrincipalFailure = 'MISSING' | 'MALFORMED' | TokenFailure;

export type PrincipalResult = { ok: true; principal: Principal } | { ok: false; reason: PrincipalFailure };

const BEARER = /^Bearer +([^\s]+) *$/i;
// Three base64url segments, the signature possibly empty (an `alg: none` token is still a JWT, and fails later).
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** The one way every door finds its caller: REST hooks, the Apollo context and the tRPC context call it. */
export function resolvePrincipal(tokens: TokenService, header: string | undefined): PrincipalResult {
  if (header === undefined || header === '') return { ok: false, reason: 'MISSING' };
  const token = BEARER.exec(header)?.[1];
  if (!token || !JWT_SHAPE.test(token)) return { ok: false, reason: 'MALFORMED' };
  const check = tokens.verify(token);
  if (check.ok) return { ok: true, principal: toPrincipal(check.claims) };
  // Telling "not a JWT at all" from "a JWT that fails" costs a decode: only on the way out.
  return { ok: false, reason: check.code === 'TOKEN_INVALID' && jwtHeader(token) === null ? 'MALFORMED' : check.code };
}

function toPrincipal(claims: AccessClaims): Principal {
  if (isClientClaims(claims)) {
    const { sub, client_id: clientId, role, roles: permissions, sid: sessionId } = claims;
    return { kind: 'client', id: Number(sub.slice('client:'.length)), clientId, role, permissions, sessionId, amr: [], claims };
  }
  return {
    kind: 'user',
    userId: claims.id,
    username: claims.username,
    role: claims.role,
    permissions: claims.roles,
    sessionId: claims.sid,
    amr: claims.amr,
    claims,
  };
}
