import type { AuditTrail } from './audit.service.js';
import { loginOutcomeOf, type ClientInfo, type LoginResult, type PasswordCheck } from './auth.service.js';
import { DomainError } from './errors.js';
import type { UserPrincipal } from './principal.js';
import { hashSecretToken } from './refresh-tokens.js';
import type { LoginUser, MfaStore, UserStore } from './records.js';
import type { RevocationList } from './revocations.js';
import type { SecretBox } from './secret-box.js';
import type { SessionsService } from './sessions.service.js';
import type { Telemetry } from './telemetry.js';
import type { Attempt, LoginThrottle } from './throttle.service.js';
import { newMfaToken, newRecoveryCodes, newTotpSecret, otpauthUri, recoveryCodeHash, TOTP_CODE, totpStep } from './totp.js';

export interface MfaServiceOptions {
  store: MfaStore;
  users: UserStore;
  sessions: SessionsService;
  throttle: LoginThrottle;
  revocations: RevocationList;
  checkPassword: PasswordCheck;
  /** Seals TOTP secrets at rest. */
  box: SecretBox;
  /** The name authenticator apps show (TOTP_ISSUER). */
  issuer: string;
  /** Milliseconds since the epoch: what a code is checked against (tests move it). */
  now: () => number;
  audit: Pick<AuditTrail, 'record'>;
  telemetry: Telemetry;
}

export type MfaService = ReturnType<typeof createMfaService>;

/** How long a login may wait for its second factor. */
export const MFA_CHALLENGE_SECONDS = 5 * 60;

export interface TotpEnrollment {
  /** Base32, for typing into an authenticator app. */
  secret: string;
  otpauthUri: string;
}

/**
 * Second factors (TOTP, RFC 6238, with single-use recovery codes): enrolment,
 * the challenge a login with one answers with, and its completion. A code is
 * accepted once (its step is recorded; recovery codes are marked used), and
 * wrong codes are throttled per user and address like passwords, in the
 * database every door and instance shares. Secrets are sealed at rest, with
 * the user's id bound in.
 */
export function createMfaService(options: MfaServiceOptions) {
  const { store, users, sessions, throttle, revocations, box } = options;
  const owner = (userId: number) => `user:${userId}`;
  // Wrong codes are counted apart from wrong passwords: the key is no username a login could send.
  const codeAttempt = (userId: number, client: ClientInfo): Attempt => ({ key: `\u0001mfa:${userId}`, address: client.ip });

  /** The step of a six-digit `code` of the sealed secret, within the drift allowed around now; null for any other code. */
  function stepOf(sealed: string, userId: number, code: string): number | null {
    return TOTP_CODE.test(code) ? totpStep(box.open(sealed, owner(userId)), code, options.now()) : null;
  }

  /** Accepts `code` once for a user whose second factor is `secret` (sealed): a TOTP code, or an unused recovery code. */
  async function useCode(userId: number, secret: string | null | undefined, code: string): Promise<'totp' | 'recovery_code'> {
    if (!secret) throw new DomainError('INVALID_MFA_CODE');
    if (TOTP_CODE.test(code)) {
      const step = stepOf(secret, userId, code);
      if (step === null) throw new DomainError('INVALID_MFA_CODE');
      if (!(await store.useStep(userId, step))) throw new DomainError('INVALID_MFA_CODE', 'This code was already used; wait for the next one');
      return 'totp';
    }
    const hash = recoveryCodeHash(code);
    if (hash === null || !(await store.useRecoveryCode(userId, hash))) throw new DomainError('INVALID_MFA_CODE');
    return 'recovery_code';
  }

  /** A completion refused: the code or the challenge (MFA_FAILED), or the throttle (LOGIN_THROTTLED). */
  function recordFailure(client: ClientInfo, user: { id: number; username: string | null } | null, error: unknown): void {
    const outcome = loginOutcomeOf(error);
    if (!outcome) return;
    const type = outcome === 'throttled' ? 'LOGIN_THROTTLED' : 'MFA_FAILED';
    const details = type === 'MFA_FAILED' ? { reason: (error as DomainError).code } : { stage: 'mfa' };
    options.audit.record({ type, actor: null, userId: user?.id ?? null, username: user?.username ?? null, client, details });
    options.telemetry.login(client.door, outcome);
  }

  /** Runs `check` in the user's turn for codes, counting a wrong code as a guess. */
  function throttled<T>(attempt: Attempt, check: () => Promise<T>): Promise<T> {
    return throttle.inTurn(attempt, async () => {
      const failures = await throttle.admit(attempt);
      try {
        const result = await check();
        await throttle.succeeded(attempt, failures);
        return result;
      } catch (error) {
        await throttle.failed(attempt, error);
        throw error;
      }
    });
  }

  return {
    /** Opens the challenge of a login whose password was right; answers its single-use `mfaToken`. */
    async challenge(user: LoginUser): Promise<string> {
      const token = newMfaToken();
      const now = options.now();
      await store.openChallenge(hashSecretToken(token), { userId: user.id, securityVersion: user.securityVersion }, new Date(now + MFA_CHALLENGE_SECONDS * 1000));
      return token;
    },

    /** Completes a challenged login with a TOTP or recovery code: the session it opens says `amr: ["pwd", "otp"]`. */
    async completeLogin(mfaToken: string, code: string, client: ClientInfo): Promise<LoginResult> {
      const tokenHash = hashSecretToken(mfaToken);
      const challenge = await store.findChallenge(tokenHash, new Date(options.now()));
      if (!challenge) {
        const error = new DomainError('INVALID_MFA_TOKEN');
        recordFailure(client, null, error);
        throw error;
      }
      let user: LoginUser | null = null;
      try {
        return await throttled(codeAttempt(challenge.userId, client), async () => {
          const [found, totp] = await Promise.all([users.findLoginUser(challenge.userId), store.totpOf(challenge.userId)]);
          user = found;
          // Changed since the password was checked (disabled, a new password, the second factor reset): sign in again.
          if (!found || found.securityVersion !== challenge.securityVersion) throw new DomainError('INVALID_MFA_TOKEN');
          const method = await useCode(found.id, totp?.secret, code);
          if (!(await store.takeChallenge(tokenHash, new Date(options.now())))) throw new DomainError('INVALID_MFA_TOKEN');
          // Stored only while the security version is still the challenge's (sessions.open).
          const opened = await sessions.open(found, client, ['pwd', 'otp']);
          if (!opened) throw new DomainError('INVALID_MFA_TOKEN');
          const subject = { actor: found.username, userId: found.id, username: found.username, client };
          options.audit.record({ type: 'MFA_SUCCEEDED', ...subject, details: { method } });
          options.audit.record({ type: 'LOGIN_SUCCEEDED', ...subject, details: { sessionId: opened.id, amr: ['pwd', 'otp'] } });
          options.telemetry.login(client.door, 'success');
          return opened.pair;
        });
      } catch (error) {
        recordFailure(client, user ?? { id: challenge.userId, username: null }, error);
        throw error;
      }
    },

    /** A new secret for the caller, pending until `confirmTotp` gets a code of it. */
    async startTotp(principal: UserPrincipal): Promise<TotpEnrollment> {
      const state = await store.totpOf(principal.userId);
      if (!state) throw new DomainError('UNAUTHENTICATED', 'User no longer exists');
      if (state.secret) throw new DomainError('CONFLICT', 'Two-factor authentication is already on; turn it off first');
      const secret = newTotpSecret();
      await store.setPending(principal.userId, box.seal(secret, owner(principal.userId)));
      return { secret, otpauthUri: otpauthUri(secret, principal.username, options.issuer) };
    },

    /**
     * Turns the pending secret on with a first code of it, and answers ten
     * recovery codes, shown this once. The caller's other sessions are revoked.
     */
    async confirmTotp(principal: UserPrincipal, code: string, client: ClientInfo): Promise<string[]> {
      return throttled(codeAttempt(principal.userId, client), async () => {
        const state = await store.totpOf(principal.userId);
        if (!state) throw new DomainError('UNAUTHENTICATED', 'User no longer exists');
        if (state.secret) throw new DomainError('CONFLICT', 'Two-factor authentication is already on');
        if (!state.pending) throw new DomainError('BAD_USER_INPUT', 'Start an enrolment first (startTotpEnrollment)', { fields: { code: ['no enrolment is pending'] } });
        const step = stepOf(state.pending, principal.userId, code);
        if (step === null) throw new DomainError('INVALID_MFA_CODE');
        const { codes, hashes } = newRecoveryCodes();
        const revoked = await store.enable(principal.userId, { pending: state.pending, step, recoveryCodeHashes: hashes, exceptSessionId: principal.sessionId });
        if (revoked === 'changed') throw new DomainError('CONFLICT', 'Another enrolment replaced this one; start again');
        revocations.add(revoked);
        options.audit.record({ type: 'MFA_ENABLED', actor: principal.username, userId: principal.userId, username: principal.username, client, details: { method: 'totp' } });
        return codes;
      });
    },

    /**
     * Turns the caller's second factor off, after their password: the change an
     * admin's reset makes, with the caller's own session kept, as a password
     * change keeps it.
     */
    async disable(principal: UserPrincipal, password: string, client: ClientInfo): Promise<void> {
      const user = await options.checkPassword(principal, password, client);
      if (!user.totpEnabled) throw new DomainError('CONFLICT', 'Two-factor authentication is not on');
      const result = await users.update(user.id, { resetMfa: true }, () => ({
        revokeSessions: { reason: 'mfa_changed', exceptSessionId: principal.sessionId },
      }));
      if (typeof result === 'string') throw new DomainError('UNAUTHENTICATED', 'User no longer exists');
      revocations.add(result.revoked);
      options.audit.record({ type: 'MFA_DISABLED', actor: user.username, userId: user.id, username: user.username, client, details: { by: 'self' } });
    },

    /** Ten new recovery codes for the caller, after their password; the old ones stop working. */
    async regenerateRecoveryCodes(principal: UserPrincipal, password: string, client: ClientInfo): Promise<string[]> {
      const user = await options.checkPassword(principal, password, client);
      if (!user.totpEnabled) throw new DomainError('CONFLICT', 'Two-factor authentication is not on');
      const { codes, hashes } = newRecoveryCodes();
      await store.replaceRecoveryCodes(user.id, hashes);
      return codes;
    },
  };
}
