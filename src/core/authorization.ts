import { DomainError } from './errors.js';
import type { Permission } from './permissions.js';
import type { Principal, PrincipalFailure, PrincipalResult } from './principal.js';

/**
 * What an operation demands: one of `roles` (when given), every one of
 * `permissions`, and with `mfa` a session signed in with a second factor.
 * With `clients`, any machine client is let in whatever its role (`roles`
 * then speaks of users only).
 */
export interface Requirement {
  roles?: readonly string[];
  permissions?: readonly Permission[];
  mfa?: boolean | null;
  clients?: boolean | null;
}

const FAILURE_MESSAGES: Record<PrincipalFailure, string> = {
  MISSING: 'Authentication required',
  MALFORMED: 'Authorization header must be "Bearer <jwt>"',
  TOKEN_INVALID: 'Invalid token',
  TOKEN_EXPIRED: 'Token expired',
  SESSION_REVOKED: 'Session revoked',
};

/** The caller, or the precise reason there is none (TOKEN_EXPIRED apart from every other failure). */
export function requirePrincipal(result: PrincipalResult): Principal {
  if (result.ok) return result.principal;
  const code = result.reason === 'TOKEN_EXPIRED' ? 'TOKEN_EXPIRED' : 'UNAUTHENTICATED';
  throw new DomainError(code, FAILURE_MESSAGES[result.reason]);
}

export function authorize(principal: Principal, requirement: Requirement): void {
  const { roles, permissions = [] } = requirement;
  const anyRole = requirement.clients === true && principal.kind === 'client';
  if (!anyRole && roles && roles.length > 0 && !roles.includes(principal.role)) {
    throw new DomainError('FORBIDDEN', `Requires role ${roles.join(' or ')}${requirement.clients ? ', or a machine client' : ''}`);
  }
  const missing = permissions.filter((permission) => !principal.permissions[permission]);
  if (missing.length > 0) {
    throw new DomainError('FORBIDDEN', `Requires permission ${missing.join(', ')}`);
  }
  if (requirement.mfa && !principal.amr.includes('otp')) throw new DomainError('MFA_STEP_UP_REQUIRED');
}
