import { DomainError } from './errors.js';
import type { PasswordHasher } from './password.js';
import type { Principal, PrincipalResult } from './principal.js';
import type { UserRecord, UserStore } from './records.js';
import type { RevocationList } from './revocations.js';
import type { LoginInput } from './schemas.js';
import type { SessionsService } from './sessions.service.js';
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
  sessions: SessionsService;
  passwords: PasswordHasher;
  tokens: TokenService;
  throttle: LoginThrottle;
  revocations: RevocationList;
  /** Answer an unknown username exactly as a wrong password (SPEC §7). */
  hideUnknownUsers: boolean;
}

export type AuthService = ReturnType<typeof createAuthService>;

export function createAuthService(options: AuthServiceOptions) {
  const { users, sessions, passwords, tokens, throttle } = options;

  /**
   * The password check of a login and of a password change. An unknown
   * username spends one argon2 verification too, so timing does not tell it
   * apart; a disabled user is told so only after the right password. The
   * throttle's count is read while argon2 runs (a refusal wins).
   */
  async function checkPassword(key: string, password: string, admit: () => Promise<unknown>): Promise<UserRecord> {
    const user = await users.findForLogin(key);
    const verification = user ? passwords.verify(user.passwordHash, password) : passwords.verifyDummy(password).then(() => false);
    const [matches] = await Promise.all([verification, admit()]);
    if (!user) throw new DomainError(options.hideUnknownUsers ? 'INVALID_PASSWORD' : 'USER_NOT_FOUND');
    if (!matches) throw new DomainError('INVALID_PASSWORD');
    if (user.disabled) throw new DomainError('USER_DISABLED');
    const { passwordHash: _hash, ...record } = user;
    return record;
  }

  return {
    /** Checks the password, throttled per username and client address, and opens a session. */
    login(input: LoginInput, client: ClientInfo): Promise<LoginResult> {
      const key = usernameKey(input.username);
      return throttle.attempt(key, client.ip, async (admit) => sessions.open(await checkPassword(key, input.password, admit), client));
    },

    /**
     * Changes the caller's password after checking the current one (throttled
     * like a login: a stolen access token must not buy unlimited guesses) and
     * revokes every other session of theirs.
     */
    async changePassword(principal: Principal, input: { current: string; next: string }, client: ClientInfo): Promise<void> {
      const key = usernameKey(principal.username);
      const user = await throttle.attempt(key, client.ip, (admit) => checkPassword(key, input.current, admit));
      const result = await users.update(user.id, { passwordHash: await passwords.hash(input.next) }, () => ({
        revokeSessions: { reason: 'password_changed', exceptSessionId: principal.sessionId },
      }));
      if (!result) throw new DomainError('UNAUTHENTICATED', 'User no longer exists');
      options.revocations.add(result.revoked);
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
