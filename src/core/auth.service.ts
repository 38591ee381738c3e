import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { DomainError } from './errors.js';
import type { PasswordHasher } from './password.js';
import { toPermissionMap } from './permissions.js';
import type { Principal, PrincipalResult } from './principal.js';
import type { SessionStore, UserRecord, UserStore } from './records.js';
import type { LoginInput } from './schemas.js';
import type { LoginThrottle } from './throttle.service.js';
import type { AccessClaims, TokenFailure, TokenService } from './tokens.js';
import { usernameKey } from './usernames.js';

export interface LoginResult {
  token: string;
  refreshToken: string;
  expiresAt: Date;
  user: UserRecord;
}

export type TokenVerification =
  | { valid: true; payload: AccessClaims }
  | { valid: false; code: TokenFailure };

/** Where a request came from, as far as the door can tell. */
export interface ClientInfo {
  ip: string;
  userAgent?: string;
}

export interface AuthServiceOptions {
  users: UserStore;
  sessions: SessionStore;
  passwords: PasswordHasher;
  tokens: TokenService;
  throttle: LoginThrottle;
  refreshTtlSeconds: number;
  /** Answer an unknown username exactly as a wrong password (SPEC §7). */
  hideUnknownUsers: boolean;
}

export type AuthService = ReturnType<typeof createAuthService>;

export function createAuthService(options: AuthServiceOptions) {
  const { users, sessions, passwords, tokens, throttle } = options;

  /**
   * An unknown username spends one argon2 verification too, so timing does
   * not tell it apart; a disabled user is told so only after the right password.
   */
  async function checkPasswordAndOpenSession(key: string, password: string, client: ClientInfo): Promise<LoginResult> {
    const user = await users.findForLogin(key);
    if (!user) {
      await passwords.verifyDummy(password);
      throw new DomainError(options.hideUnknownUsers ? 'INVALID_PASSWORD' : 'USER_NOT_FOUND');
    }
    if (!(await passwords.verify(user.passwordHash, password))) {
      throw new DomainError('INVALID_PASSWORD');
    }
    if (user.disabled) throw new DomainError('USER_DISABLED');

    const refreshToken = newRefreshToken();
    const sessionId = randomUUID();
    await sessions.create({
      id: sessionId,
      userId: user.id,
      refreshTokenHash: hashRefreshToken(refreshToken),
      expiresAt: new Date(Date.now() + options.refreshTtlSeconds * 1000),
      userAgent: client.userAgent?.slice(0, 512) ?? null,
      ipAddress: client.ip.slice(0, 64),
    });
    const { token, expiresAt } = tokens.sign({
      userId: user.id,
      username: user.username,
      role: user.role.name,
      permissions: toPermissionMap(user.role.permissions),
      sessionId,
    });
    const { passwordHash: _hash, ...record } = user;
    return { token, refreshToken, expiresAt, user: record };
  }

  return {
    /** Checks the password, throttled per username and client address, and opens a session. */
    login(input: LoginInput, client: ClientInfo): Promise<LoginResult> {
      const key = usernameKey(input.username);
      return throttle.attempt(key, client.ip, () => checkPasswordAndOpenSession(key, input.password, client));
    },

    /** A verdict on any token, never an exception: invalid tokens are an expected answer. */
    verify(token: string): TokenVerification {
      const check = tokens.verify(token);
      return check.ok ? { valid: true, payload: check.claims } : { valid: false, code: check.code };
    },

    /** The same verdict on the request's own bearer token, already resolved by the door. */
    verifyCaller(principal: PrincipalResult): TokenVerification {
      if (principal.ok) return { valid: true, payload: principal.principal.claims };
      const code = principal.reason === 'MISSING' || principal.reason === 'MALFORMED' ? 'TOKEN_INVALID' : principal.reason;
      return { valid: false, code };
    },

    /** The signed-in user as the database has them now. */
    async me(principal: Principal): Promise<UserRecord> {
      const user = await users.findById(principal.userId);
      if (!user) throw new DomainError('UNAUTHENTICATED', 'User no longer exists');
      return user;
    },
  };
}

/** Refresh tokens are opaque, 256 bits, prefixed so secret scanners can recognise them. */
function newRefreshToken(): string {
  return `kwrt_${randomBytes(32).toString('base64url')}`;
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
