import { randomUUID } from 'node:crypto';
import { DomainError } from './errors.js';
import type { PasswordHasher } from './password.js';
import type { Principal, PrincipalResult } from './principal.js';
import type { LoginUser, UserRecord, UserStore } from './records.js';
import type { RevocationList } from './revocations.js';
import type { LoginInput } from './schemas.js';
import type { SessionsService } from './sessions.service.js';
import type { Attempt, LoginThrottle } from './throttle.service.js';
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

export interface PasswordCheckOptions {
  users: UserStore;
  passwords: PasswordHasher;
  throttle: LoginThrottle;
  /** Answer an unknown username exactly as a wrong password, so usernames cannot be probed (HIDE_UNKNOWN_USERS). */
  hideUnknownUsers: boolean;
}

export interface AuthServiceOptions extends PasswordCheckOptions {
  sessions: SessionsService;
  tokens: TokenService;
  revocations: RevocationList;
  /** Opens the challenge a user with a second factor answers after their password; answers its `mfaToken`. */
  challenge(user: LoginUser): Promise<string>;
}

/**
 * The verdict on a password check, in order: a throttle's refusal wins
 * whatever the password; an unknown user and a wrong password cost the
 * same and read the same when `hideUnknownUsers` is set; a disabled user
 * is told so only after the right password. Answers the failures counted
 * before this attempt.
 */
function judge(
  hideUnknownUsers: boolean,
  user: LoginUser | null,
  admitted: PromiseSettledResult<number>,
  matched: PromiseSettledResult<boolean>,
): number {
  const failures = valueOf(admitted);
  if (!user) throw new DomainError(hideUnknownUsers ? 'INVALID_PASSWORD' : 'USER_NOT_FOUND');
  if (!valueOf(matched)) throw new DomainError('INVALID_PASSWORD');
  if (user.disabled) throw new DomainError('USER_DISABLED');
  return failures;
}

export type PasswordCheck = (principal: Principal, password: string, client: ClientInfo) => Promise<LoginUser>;

/**
 * Checks a signed-in caller's password again before a change that needs it
 * (a new password, turning a second factor off), throttled like a login: a
 * stolen access token must not buy unlimited guesses.
 */
export function createPasswordCheck({ users, passwords, throttle, hideUnknownUsers }: PasswordCheckOptions): PasswordCheck {
  return (principal, password, client) => {
    const attempt = { key: usernameKey(principal.username), address: client.ip };
    return throttle.inTurn(attempt, async () => {
      const found = await users.findForLogin(attempt.key);
      const [admitted, matched] = await Promise.allSettled([throttle.admit(attempt), passwords.verify(found?.passwordHash, password)]);
      try {
        await throttle.succeeded(attempt, judge(hideUnknownUsers, found, admitted, matched));
        return found!;
      } catch (error) {
        await throttle.failed(attempt, error);
        throw error;
      }
    });
  };
}

export type AuthService = ReturnType<typeof createAuthService>;

/**
 * How many times a login reads the user again after an administrator's
 * change overtook it. Each time takes a change committed in the few
 * milliseconds between the login's read and its insert; past this, the
 * account is being changed faster than anyone can sign in to it.
 */
const LOGIN_READS = 3;

export function createAuthService(options: AuthServiceOptions) {
  const { users, sessions, passwords, tokens, throttle } = options;
  const checkPassword = createPasswordCheck(options);

  /**
   * One login, its turn come (attempts for one username and address run one
   * at a time). argon2 runs on its own thread; meanwhile the event loop and
   * the database are free, so the throttle's count is read and the session
   * is signed and stored beside it, and the answer leaves the moment argon2
   * says yes. Nothing is handed out before the verdict; a login that fails
   * deletes its session. 'overtaken' when an administrator's change to the
   * user committed after the read: no session was stored for the old state.
   * A user with a second factor gets no session here but a challenge's
   * `mfaToken`, once the password is right.
   */
  async function loginOnce(attempt: Attempt, password: string, client: ClientInfo): Promise<LoginResult | { mfaToken: string } | 'overtaken'> {
    const user = await users.findForLogin(attempt.key);
    const [admitted, matched, opened] = await Promise.allSettled([
      throttle.admit(attempt),
      passwords.verify(user?.passwordHash, password),
      user && !user.totpEnabled ? sessions.open(user, client, ['pwd']) : Promise.resolve(null),
    ]);
    const session = opened.status === 'fulfilled' ? opened.value : null;
    try {
      const failures = judge(options.hideUnknownUsers, user, admitted, matched);
      if (user!.totpEnabled) {
        await throttle.succeeded(attempt, failures);
        return { mfaToken: await options.challenge(user!) };
      }
      if (!valueOf(opened)) return 'overtaken';
      await throttle.succeeded(attempt, failures);
      return session!.pair;
    } catch (error) {
      // For an unknown username a session that never was is deleted, so both failures cost the same.
      await sessions.discard(session?.id ?? randomUUID()).catch(() => {});
      await throttle.failed(attempt, error);
      throw error;
    }
  }

  return {
    /** Checks the password, throttled per username and client address, and opens a session. */
    login(input: LoginInput, client: ClientInfo): Promise<LoginResult> {
      const attempt = { key: usernameKey(input.username), address: client.ip };
      return throttle.inTurn(attempt, async () => {
        for (let read = 1; read <= LOGIN_READS; read++) {
          const result = await loginOnce(attempt, input.password, client);
          if (result === 'overtaken') continue;
          // Answered as an error on every door, in its own words, with the challenge's token.
          if ('mfaToken' in result) throw new DomainError('MFA_REQUIRED', undefined, result);
          return result;
        }
        throw new Error('The account kept changing while signing in');
      });
    },

    /**
     * Changes the caller's password after checking the current one (throttled
     * like a login: a stolen access token must not buy unlimited guesses) and
     * revokes every other session of theirs.
     */
    async changePassword(principal: Principal, input: { current: string; next: string }, client: ClientInfo): Promise<void> {
      const user = await checkPassword(principal, input.current, client);
      const result = await users.update(user.id, { passwordHash: await passwords.hash(input.next) }, () => ({
        revokeSessions: { reason: 'password_changed', exceptSessionId: principal.sessionId },
      }));
      if (typeof result === 'string') throw new DomainError('UNAUTHENTICATED', 'User no longer exists');
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

/** A settled promise's value, or its error thrown. */
function valueOf<T>(settled: PromiseSettledResult<T>): T {
  if (settled.status === 'rejected') throw settled.reason;
  return settled.value;
}
