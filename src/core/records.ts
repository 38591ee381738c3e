import type { StoredKey } from './keys.js';
import type { Permission } from './permissions.js';

/** What the core reads and writes, in persistence-neutral shapes; db/ implements the stores. */

export interface RoleRecord {
  name: string;
  permissions: Permission[];
}

export interface UserRecord {
  id: number;
  username: string;
  role: RoleRecord;
  disabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * A user as a login reads them, with the counter every change that revokes
 * their sessions raises: the login's session is stored only while it holds.
 */
export interface LoginUser extends UserRecord {
  securityVersion: number;
  /** Whether a login needs a second factor (a confirmed TOTP secret). */
  totpEnabled: boolean;
}

/** How a session's user proved who they are (RFC 8176): a password, then perhaps a one-time code. */
export type AuthenticationMethod = 'pwd' | 'otp';

export interface ProductRecord {
  id: number;
  sku: string;
  name: string;
  description: string;
  /** A decimal string with two places, never a float. */
  price: string;
  stock: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewSession {
  id: string;
  userId: number;
  /** The user's security version the login read. */
  securityVersion: number;
  refreshTokenHash: string;
  expiresAt: Date;
  userAgent: string | null;
  ipAddress: string | null;
  amr: AuthenticationMethod[];
}

export interface SessionRecord {
  id: string;
  userId: number;
  generation: number;
  refreshTokenHash: string;
  previousRefreshTokenHash: string | null;
  rotatedAt: Date | null;
  expiresAt: Date;
  revokedAt: Date | null;
  amr: AuthenticationMethod[];
}

/** A live session as its user and admins see it (never its tokens). */
export interface SessionInfo {
  id: string;
  createdAt: Date;
  /** When it was last refreshed; when it was opened, if never. */
  lastUsedAt: Date;
  expiresAt: Date;
  ipAddress: string | null;
  userAgent: string | null;
}

export type RevocationReason =
  | 'logout'
  | 'session_revoked'
  | 'logout_all'
  | 'refresh_reuse'
  | 'password_changed'
  | 'role_changed'
  | 'user_disabled'
  | 'user_deleted'
  | 'mfa_changed'
  | 'mfa_reset'
  | 'admin'
  | 'client_disabled'
  | 'client_deleted'
  | 'client_secret_rotated'
  | 'client_role_changed';

export interface RevokedSession {
  sessionId: string;
  /** Whose session it was; null for a machine client's credential. */
  userId: number | null;
  reason: RevocationReason;
  revokedAt: Date;
  /** Its place in the feed, the same on every instance: the event id a subscriber resumes after. */
  sequence: number;
}

/** What a refresh does to its session, decided by the core while the session is held. */
export type RefreshVerdict =
  | { action: 'rotate'; generation: number; refreshTokenHash: string }
  | { action: 'keep' }
  | { action: 'revoke' }
  | { action: 'refuse' };

/** Which sessions to revoke: one (of that user's, when `userId` is given), all of a user's (but the caller's own, on a password change), or all of a role's. */
export type SessionSelector =
  | { sessionId: string; userId?: number }
  | { userId: number; exceptSessionId?: string }
  | { roleName: string };

export interface NewUser {
  username: string;
  usernameKey: string;
  /** `lookalikeKey` of the username. */
  usernameSkeleton: string;
  passwordHash: string;
  role: string;
}

export interface UserChanges {
  role?: string;
  disabled?: boolean;
  passwordHash?: string;
  /** Turns the second factor off: the TOTP secret, a pending one and the recovery codes go. */
  resetMfa?: boolean;
}

/**
 * Decides on a change to a user, seeing the user as they stand while no
 * other change to admins can interleave: throws to refuse it, or names the
 * sessions to revoke with it, in the same transaction.
 */
export type UserChangePlan = (
  before: UserRecord,
  enabledAdmins: number,
) => { revokeSessions?: { reason: RevocationReason; exceptSessionId?: string } };

export interface UserStore {
  findForLogin(usernameKey: string): Promise<(LoginUser & { passwordHash: string }) | null>;
  /** The user as a login reads them, by id (a login completing its second factor). */
  findLoginUser(id: number): Promise<LoginUser | null>;
  findById(id: number): Promise<UserRecord | null>;
  findByUsernameKey(usernameKey: string): Promise<UserRecord | null>;
  /** The user created, or why not: the unique indexes on the username's key and skeleton decide, race-free. */
  create(user: NewUser): Promise<UserRecord | 'username_taken' | 'looks_like_another' | 'unknown_role'>;
  /**
   * Applies `changes` as `plan` decides, in one transaction that holds the
   * enabled admins' rows; a change that revokes sessions raises the user's
   * security version before revoking them.
   */
  update(
    id: number,
    changes: UserChanges,
    plan: UserChangePlan,
  ): Promise<{ user: UserRecord; revoked: RevokedSession[] } | 'no_such_user' | 'unknown_role'>;
  /** By id; with `search`, only usernames containing it, case aside. */
  list(page: { limit: number; offset: number; search?: string }): Promise<UserRecord[]>;
  /** Deletes the user as `plan` allows, holding their row, then revoking their sessions, in one transaction. */
  delete(id: number, plan: UserChangePlan): Promise<{ revoked: RevokedSession[] } | 'no_such_user'>;
}

/**
 * Decides on a change to a role's permissions, seeing the role as it stands
 * while no other change to it can interleave: names the sessions to revoke
 * with it, in the same transaction.
 */
export type RoleChangePlan = (before: RoleRecord) => { revokeSessions?: { reason: RevocationReason } };

export interface RoleStore {
  list(): Promise<RoleRecord[]>;
  /**
   * Creates the role, or changes its permissions as `plan` decides; when the
   * plan revokes sessions, the security version of everyone holding the role
   * is raised first, in the same transaction, so no login that read the old
   * permissions stores a session after it.
   */
  save(role: RoleRecord, plan: RoleChangePlan): Promise<{ role: RoleRecord; created: boolean; revoked: RevokedSession[] }>;
  /** Deletes a role no user or client holds; otherwise answers how many users (or, with none, clients) hold it. */
  delete(name: string): Promise<'deleted' | 'no_such_role' | { holders: number; clients?: boolean }>;
}

export interface SessionStore {
  /**
   * Stores a login's session, unless the user's security version is no
   * longer the one the login read (or the user is gone): false then, and
   * nothing is stored. Atomic against the changes that raise it, so a session
   * is either stored before such a change (which then revokes it) or not at all.
   */
  create(session: NewSession): Promise<boolean>;
  /** Deletes a session that was never handed out (a login that failed after storing it). */
  discard(sessionId: string): Promise<void>;
  /**
   * Holds the session (no other refresh of it can interleave), asks `decide`
   * what to do, applies it, and answers the verdict with the session as it
   * stands afterwards (and, revoked, its revocation as recorded).
   */
  refresh(
    sessionId: string,
    decide: (session: SessionRecord | null, now: Date) => RefreshVerdict,
  ): Promise<{ verdict: RefreshVerdict; session: SessionRecord | null; revoked: RevokedSession[] }>;
  /** A user's live sessions (neither revoked nor expired), the most recently used first. */
  listLive(userId: number): Promise<SessionInfo[]>;
  /** Revokes live sessions and records them in the feed every instance reads. */
  revoke(selector: SessionSelector, reason: RevocationReason): Promise<RevokedSession[]>;
  /** The feed: revocations recorded in the last `seconds`, by the database's clock. */
  revokedSince(seconds: number): Promise<RevokedSession[]>;
  /**
   * The revocations of the last `seconds` (those still in force), in sequence
   * order, `limit` at a time from `cursor` on. With `after`, only those
   * recorded after that one: a later sequence, or an earlier one committed
   * late (up to a minute before it); every one when `after` is unknown.
   */
  revocationsAfter(query: { after?: number; cursor: number; limit: number; seconds: number }): Promise<RevokedSession[]>;
  /** Forgets feed entries no token can need any more. */
  pruneRevocations(olderThanSeconds: number): Promise<void>;
}

/** Failed logins, per username key and client address (the throttle's count). */
export interface LoginAttemptStore {
  /** The failures inside the window, and when the oldest of them happened. */
  failures(key: string, address: string, windowStart: Date): Promise<{ count: number; oldest: Date | null }>;
  recordFailure(key: string, address: string): Promise<void>;
  /** A success resets the count. */
  clear(key: string, address: string): Promise<void>;
}

export interface SigningKeyStore {
  /** Every key, private halves included: they are parsed once into the key ring. */
  list(): Promise<StoredKey[]>;
  /** Adds a key that signs from `activatesAt`, retiring every current key at that moment. */
  rotate(key: Pick<StoredKey, 'kid' | 'algorithm' | 'publicKey' | 'privateKey'>, activatesAt: Date): Promise<void>;
  /** A cheap fingerprint of the keys: it changes when a key is added or retired. */
  version(): Promise<string>;
}

type ProductFields = Omit<ProductRecord, 'id' | 'createdAt' | 'updatedAt'>;

export interface ProductStore {
  list(page: { limit: number; offset: number }): Promise<{ items: ProductRecord[]; total: number }>;
  findById(id: number): Promise<ProductRecord | null>;
  create(product: ProductFields): Promise<ProductRecord | 'sku_taken'>;
  update(id: number, changes: Partial<ProductFields>): Promise<ProductRecord | 'no_such_product' | 'sku_taken'>;
  delete(id: number): Promise<boolean>;
}

/** A user's TOTP secrets, sealed (core/secret-box.ts). */
export interface TotpState {
  secret: string | null;
  pending: string | null;
}

/** A login waiting for its second factor. */
export interface MfaChallengeRecord {
  userId: number;
  securityVersion: number;
}

/** Second factors: TOTP secrets, the steps used, recovery codes, and logins' challenges. */
export interface MfaStore {
  totpOf(userId: number): Promise<TotpState | null>;
  /** Keeps a new secret until a code confirms it (replacing any earlier pending one). */
  setPending(userId: number, sealed: string): Promise<void>;
  /**
   * Turns on the pending secret `pending` (unless another enrolment replaced it
   * meanwhile: 'changed'), records `step` as used, replaces the recovery codes,
   * raises the security version and revokes every session but `exceptSessionId`,
   * in one transaction.
   */
  enable(
    userId: number,
    change: { pending: string; step: number; recoveryCodeHashes: string[]; exceptSessionId: string },
  ): Promise<RevokedSession[] | 'changed'>;
  /** Records `step` as used, unless it or a later one already was: false then (a replayed code). */
  useStep(userId: number, step: number): Promise<boolean>;
  /** Marks the recovery code used, if it is one of the user's unused ones. */
  useRecoveryCode(userId: number, codeHash: string): Promise<boolean>;
  replaceRecoveryCodes(userId: number, codeHashes: string[]): Promise<void>;
  openChallenge(tokenHash: string, challenge: MfaChallengeRecord, expiresAt: Date): Promise<void>;
  /** The challenge, if it has not expired by `now` nor been taken. */
  findChallenge(tokenHash: string, now: Date): Promise<MfaChallengeRecord | null>;
  /** Takes (deletes) the challenge: true for the one call that took it before `now` passed its expiry. */
  takeChallenge(tokenHash: string, now: Date): Promise<boolean>;
  pruneChallenges(now: Date): Promise<void>;
}

/** A machine client (SPEC §13) as the core sees it; its secret only as a hash. */
export interface ClientRecord {
  id: number;
  clientId: string;
  name: string;
  role: RoleRecord;
  disabled: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
  /** The `sid` of the tokens issued to it now; drawn anew whenever they are revoked. */
  credentialId: string;
}

export interface NewClient {
  clientId: string;
  name: string;
  role: string;
  secretHash: string;
  credentialId: string;
}

export interface ClientChanges {
  name?: string;
  role?: string;
  disabled?: boolean;
  /** A new secret's hash: the old secret stops working. */
  secretHash?: string;
}

export interface ClientStore {
  list(): Promise<ClientRecord[]>;
  create(client: NewClient): Promise<ClientRecord | 'unknown_role'>;
  findByClientId(clientId: string): Promise<ClientRecord | null>;
  /** The client and its secret's hash, for the client-credentials grant. */
  findForGrant(clientId: string): Promise<(ClientRecord & { secretHash: string }) | null>;
  /** Records that the client obtained a token now. */
  touch(id: number): Promise<void>;
  /**
   * Applies `changes` to the client held for it; with `revoke`, records its
   * current credential in the revocation feed and draws `newCredentialId`.
   */
  update(
    id: number,
    changes: ClientChanges,
    revoke: { reason: RevocationReason; newCredentialId: string } | null,
  ): Promise<{ client: ClientRecord; revoked: RevokedSession[] } | 'no_such_client' | 'unknown_role'>;
  /** Deletes the client and records its credential in the revocation feed. */
  delete(id: number): Promise<{ client: ClientRecord; revoked: RevokedSession[] } | 'no_such_client'>;
}
