import { randomUUID } from 'node:crypto';
import { DomainError } from './errors.js';
import type { PasswordHasher } from './password.js';
import type { Principal, PrincipalResult } from './principal.js';
import type { LoginUser, UserRecord, UserStore } from './records.js';
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

/** Work a password check does for the user found while argon2 runs, and how to take it back. */
interface Alongside<T> {
  start(user: LoginUser): Promise<T>;
  /** After a failed check; `started` is undefined when `start` never ran or failed. */
  undo(started: T | undefined): Promise<void>;
}

const NOTHING_ALONGSIDE: Alongside<UserRecord> = { start: async (user) => user, undo: async () => {} };

/**
 * How many times a login reads the user again after an administrator's
 * change overtook it. Each time takes a change committed in the few
 * milliseconds between the login's read and its insert; past this, the
 * account is being changed faster than anyone can sign in to it.
 */
const LOGIN_READS = 3;

export function createAuthService(options: AuthServiceOptions) {
  const { users, sessions, passwords, tokens, throttle } = options;

  /**
   * The password check of a login and of a password change. An unknown
   * username spends one argon2 verification too, so timing does not tell it
   * apart; a disabled user is told so only after the right password. While
   * argon2 runs on its thread, the throttle's count is read (a refusal wins)
   * and `alongside` starts the caller's work for the user found; a check that
   * fails takes that work back.
   */
  async function checkPassword<T>(key: string, password: string, admit: () => Promise<unknown>, alongside: Alongside<T>): Promise<T> {
    const found = await users.findForLogin(key);
    let started: Promise<T> | undefined;
    try {
      if (!found) {
        await Promise.all([passwords.verifyDummy(password), admit()]);
        throw new DomainError(options.hideUnknownUsers ? 'INVALID_PASSWORD' : 'USER_NOT_FOUND');
      }
      const { passwordHash, ...user } = found;
      const verification = passwords.verify(passwordHash, password);
      const counted = admit();
      started = alongside.start(user);
      const [matches, , done] = await Promise.all([verification, counted, started]);
      if (!matches) throw new DomainError('INVALID_PASSWORD');
      if (user.disabled) throw new DomainError('USER_DISABLED');
      return done;
    } catch (error) {
      // Whatever `start` got done is taken back; a failed undo leaves nothing usable behind.
      await alongside.undo(await started?.catch(() => undefined)).catch(() => {});
      throw error;
    }
  }

  return {
    /** Checks the password, throttled per username and client address, and opens a session. */
    login(input: LoginInput, client: ClientInfo): Promise<LoginResult> {
      const key = usernameKey(input.username);
      return throttle.attempt(key, client.ip, async (admit) => {
        for (let read = 1; ; read++) {
          const session = await checkPassword(key, input.password, admit, {
            start: (user) => sessions.open(user, client),
            // For an unknown username a session that never was is deleted, so both failures cost the same.
            undo: (opened) => sessions.discard(opened?.id ?? randomUUID()),
          });
          if (session) return session.pair;
          // The user was changed (and their sessions revoked) after the read: the tokens signed for the
          // old state are dropped, and the login starts over from the user as they are now.
          if (read === LOGIN_READS) throw new Error('The account kept changing while signing in');
        }
      });
    },

    /**
     * Changes the caller's password after checking the current one (throttled
     * like a login: a stolen access token must not buy unlimited guesses) and
     * revokes every other session of theirs.
     */
    async changePassword(principal: Principal, input: { current: string; next: string }, client: ClientInfo): Promise<void> {
      const key = usernameKey(principal.username);
      const user = await throttle.attempt(key, client.ip, (admit) => checkPassword(key, input.current, admit, NOTHING_ALONGSIDE));
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
