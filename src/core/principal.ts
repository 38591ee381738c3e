import { jwtHeader, type AccessClaims, type TokenFailure, type TokenService, type TokenSubject } from './tokens.js';

/** Who is calling, as every door sees it: the token's subject, and the claims it was read from. */
export interface Principal extends TokenSubject {
  claims: AccessClaims;
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
  return {
    userId: claims.id,
    username: claims.username,
    role: claims.role,
    permissions: claims.roles,
    sessionId: claims.sid,
    amr: claims.amr,
    claims,
  };
}
