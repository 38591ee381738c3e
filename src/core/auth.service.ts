import { randomUUID } from 'node:crypto';
import type { AuditTrail } from './audit.service.js';
import { DomainError } from './errors.js';
import type { PasswordHasher } from './password.js';
import type { PrincipalResult, UserPrincipal } from './principal.js';
import type { LoginUser, UserRecord, UserStore } from './records.js';
import type { RevocationList } from './revocations.js';
import type { LoginInput } from './schemas.js';
import type { SessionsService } from './sessions.service.js';
import type { LoginOutcome, Telemetry } from './telemetry.js';
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

/** The ways in: the replaced APIs' routes, GraphQL, tRPC, the command line, and OAuth's token endpoint. */
export type Door = 'rest' | 'graphql' | 'trpc' | 'cli' | 'oauth';

/** Where a request came from, as far as the door can tell. */
export interface ClientInfo {
  /** The client's address; empty for the command line, which has none. */
  ip: string;
  userAgent?: string;
  door: Door;
}

/** The command line's requests, in its own process or through a server's control socket. */
export const COMMAND_LINE: ClientInfo = { ip: '', door: 'cli' };

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
  audit: Pick<AuditTrail, 'record'>;
  telemetry: Telemetry;
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

export type PasswordCheck = (principal: UserPrincipal, password: string, client: ClientInfo) => Promise<LoginUser>;

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
  async function loginOnce(attempt: Attempt, input: LoginInput, client: ClientInfo): Promise<LoginResult | { mfaToken: string } | 'overtaken'> {
    const user = await users.findForLogin(attempt.key);
    const [admitted, matched, opened] = await Promise.allSettled([
      throttle.admit(attempt),
      passwords.verify(user?.passwordHash, input.password),
      user && !user.totpEnabled ? sessions.open(user, client, ['pwd']) : Promise.resolve(null),
    ]);
    const session = opened.status === 'fulfilled' ? opened.value : null;
    try {
      const failures = judge(options.hideUnknownUsers, user, admitted, matched);
      if (user!.totpEnabled) {
        await throttle.succeeded(attempt, failures);
        const mfaToken = await options.challenge(user!);
        options.telemetry.login(client.door, 'mfa_required');
        return { mfaToken };
      }
      if (!valueOf(opened)) return 'overtaken';
      await throttle.succeeded(attempt, failures);
      recordLogin(client, user!, session!.id, ['pwd']);
      return session!.pair;
    } catch (error) {
      // For an unknown username a session that never was is deleted, so both failures cost the same.
      await sessions.discard(session?.id ?? randomUUID()).catch(() => {});
      await throttle.failed(attempt, error);
      recordFailure(client, user ?? { id: null, username: input.username }, error);
      throw error;
    }
  }

  /** A login that opened a session, with a second factor or without. */
  function recordLogin(client: ClientInfo, user: LoginUser, sessionId: string, amr: string[]): void {
    options.audit.record({ type: 'LOGIN_SUCCEEDED', actor: user.username, userId: user.id, username: user.username, client, details: { sessionId, amr } });
    options.telemetry.login(client.door, 'success');
  }

  /** A login refused: a throttle's refusal, or a wrong password, an unknown user, a disabled one (the reason in the details). */
  function recordFailure(client: ClientInfo, user: { id: number | null; username: string }, error: unknown): void {
    const outcome = loginOutcomeOf(error);
    if (!outcome) return;
    const { id: userId, username } = user;
    const type = outcome === 'throttled' ? 'LOGIN_THROTTLED' : 'LOGIN_FAILED';
    options.audit.record({ type, actor: null, userId, username, client, details: type === 'LOGIN_FAILED' ? { reason: (error as DomainError).code } : {} });
    options.telemetry.login(client.door, outcome);
  }

  return {
    /** Checks the password, throttled per username and client address, and opens a session. */
    login(input: LoginInput, client: ClientInfo): Promise<LoginResult> {
      const attempt = { key: usernameKey(input.username), address: client.ip };
      return throttle.inTurn(attempt, async () => {
        for (let read = 1; read <= LOGIN_READS; read++) {
          const result = await loginOnce(attempt, input, client);
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
    async changePassword(principal: UserPrincipal, input: { current: string; next: string }, client: ClientInfo): Promise<void> {
      const user = await checkPassword(principal, input.current, client);
      const result = await users.update(user.id, { passwordHash: await passwords.hash(input.next) }, () => ({
        revokeSessions: { reason: 'password_changed', exceptSessionId: principal.sessionId },
      }));
      if (typeof result === 'string') throw new DomainError('UNAUTHENTICATED', 'User no longer exists');
      options.revocations.add(result.revoked);
      options.audit.record({ type: 'PASSWORD_CHANGED', actor: user.username, userId: user.id, username: user.username, client, details: { by: 'self' } });
    },

    /** A verdict on any token, never an exception: invalid tokens are an expected answer. */
    verify(token: string, door: Door): TokenVerification {
      const check = tokens.verify(token);
      options.telemetry.verification(door, check.ok);
      return check.ok ? { valid: true, payload: check.claims } : { valid: false, code: check.code };
    },

    /** The same verdict on the request's own bearer token, already resolved by the door. */
    verifyCaller(principal: PrincipalResult): TokenVerification {
      if (principal.ok) return { valid: true, payload: principal.principal.claims };
      const code = principal.reason === 'MISSING' || principal.reason === 'MALFORMED' ? 'TOKEN_INVALID' : principal.reason;
      return { valid: false, code };
    },

    /** The signed-in user as the database has them now. */
    async me(principal: UserPrincipal): Promise<UserRecord> {
      const user = await users.findById(principal.userId);
      if (!user) throw new DomainError('UNAUTHENTICATED', 'User no longer exists');
      return user;
    },
  };
}

/** How a refused login counts: a throttle's refusal, or a failure the caller caused; null for the server's own errors. */
export function loginOutcomeOf(error: unknown): Exclude<LoginOutcome, 'success' | 'mfa_required'> | null {
  if (!(error instanceof DomainError)) return null;
  if (error.code === 'TOO_MANY_REQUESTS') return 'throttled';
  return error.code === 'DATABASE_UNAVAILABLE' || error.code === 'INTERNAL_SERVER_ERROR' ? null : 'failure';
}

/** A settled promise's value, or its error thrown. */
function valueOf<T>(settled: PromiseSettledResult<T>): T {
  if (settled.status === 'rejected') throw settled.reason;
  return settled.value;
}
