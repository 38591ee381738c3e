import { randomUUID } from 'node:crypto';
import { eventBy, type Actor } from './audit.js';
import type { AuditTrail } from './audit.service.js';
import type { ClientInfo, LoginResult } from './auth.service.js';
import { DomainError } from './errors.js';
import { ADMIN_ROLE, toPermissionMap } from './permissions.js';
import type { UserPrincipal } from './principal.js';
import type {
  AuthenticationMethod,
  LoginUser,
  RefreshVerdict,
  SessionInfo,
  SessionRecord,
  SessionStore,
  UserRecord,
  UserStore,
} from './records.js';
import { hashSecretToken, RefreshTokens, sameHash } from './refresh-tokens.js';
import type { RevocationList } from './revocations.js';
import type { TokenService } from './tokens.js';

export interface SessionsServiceOptions {
  sessions: SessionStore;
  users: UserStore;
  tokens: TokenService;
  refreshTokens: RefreshTokens;
  revocations: RevocationList;
  refreshTtlSeconds: number;
  reuseIntervalSeconds: number;
  audit: Pick<AuditTrail, 'record'>;
}

export type SessionsService = ReturnType<typeof createSessionsService>;

/** A session as listed to a caller: `current` marks the one their token belongs to. */
export interface ListedSession extends SessionInfo {
  current: boolean;
}

export interface OpenedSession {
  id: string;
  pair: LoginResult;
}

/**
 * Sessions: a login opens one; refreshing rotates its refresh token; reusing
 * a rotated token revokes it, unless inside the reuse interval, where the
 * session's current pair is answered again (two tabs refreshing at once);
 * logout revokes it. Every revocation is in this instance's list at once.
 */
export function createSessionsService(options: SessionsServiceOptions) {
  const { sessions, users, tokens, refreshTokens, revocations, audit } = options;

  function pairFor(user: UserRecord, session: Pick<SessionRecord, 'id' | 'generation' | 'expiresAt' | 'amr'>): LoginResult {
    const subject = {
      userId: user.id,
      username: user.username,
      role: user.role.name,
      permissions: toPermissionMap(user.role.permissions),
      sessionId: session.id,
      amr: session.amr,
    };
    // An access token never outlives its session.
    const { token, expiresAt } = tokens.sign(subject, session.expiresAt);
    return { token, refreshToken: refreshTokens.issue(session.id, session.generation), expiresAt, user };
  }

  return {
    /**
     * Opens a session for a login whose password is still being checked.
     * While argon2 runs on its thread the event loop and the database are
     * idle, so the login signs the session's tokens and stores its row then,
     * and answers the moment argon2 says yes. Nothing is handed out before
     * that; a check that fails calls `discard`. The row alone is no
     * credential: its refresh token exists only in the answer never sent.
     * Null when the user changed since the login read them (disabled, a new
     * role, password or permissions, deleted): the tokens signed for the old
     * state are thrown away, nothing is stored.
     */
    async open(user: LoginUser, client: ClientInfo, amr: AuthenticationMethod[]): Promise<OpenedSession | null> {
      const session = { id: randomUUID(), generation: 0, expiresAt: new Date(Date.now() + options.refreshTtlSeconds * 1000), amr };
      const pair = pairFor(user, session);
      const stored = await sessions.create({
        id: session.id,
        userId: user.id,
        securityVersion: user.securityVersion,
        refreshTokenHash: hashSecretToken(pair.refreshToken),
        expiresAt: session.expiresAt,
        userAgent: client.userAgent?.slice(0, 512) ?? null,
        ipAddress: client.ip.slice(0, 64),
        amr,
      });
      return stored ? { id: session.id, pair } : null;
    },

    /** Deletes a session opened for a login that then failed. */
    discard(sessionId: string): Promise<void> {
      return sessions.discard(sessionId);
    },

    async refresh(refreshToken: string, client: ClientInfo): Promise<LoginResult> {
      const presented = refreshTokens.parse(refreshToken);
      if (!presented) throw new DomainError('UNAUTHENTICATED', 'Invalid refresh token');
      const hash = hashSecretToken(refreshToken);
      const reuseMs = options.reuseIntervalSeconds * 1000;
      const { verdict, session, revoked } = await sessions.refresh(presented.sessionId, (current, now) =>
        decideRefresh({ generation: presented.generation, hash }, current, now, reuseMs, (generation) =>
          hashSecretToken(refreshTokens.issue(presented.sessionId, generation)),
        ),
      );
      if (verdict.action === 'refuse' || !session) {
        throw new DomainError('UNAUTHENTICATED', 'Refresh token expired or revoked');
      }
      if (verdict.action === 'revoke') {
        revocations.add(revoked);
        const owner = await users.findById(session.userId).catch(() => null);
        audit.record({ type: 'REFRESH_REUSE_DETECTED', actor: null, userId: session.userId, username: owner?.username ?? null, client, details: { sessionId: session.id } });
        throw new DomainError('UNAUTHENTICATED', 'Refresh token reused: the session is revoked');
      }
      const user = await users.findById(session.userId);
      if (!user) throw new DomainError('UNAUTHENTICATED', 'Refresh token expired or revoked');
      if (user.disabled) throw new DomainError('USER_DISABLED');
      return pairFor(user, session);
    },

    /** Revokes the caller's session, or every session of theirs. */
    async logout(principal: UserPrincipal, allSessions: boolean, client: ClientInfo): Promise<void> {
      const revoked = await sessions.revoke(
        allSessions ? { userId: principal.userId } : { sessionId: principal.sessionId },
        allSessions ? 'logout_all' : 'logout',
      );
      revocations.add(revoked);
      const { userId, username, sessionId } = principal;
      audit.record({ type: 'LOGOUT', actor: username, userId, username, client, details: allSessions ? { allSessions, count: revoked.length } : { sessionId } });
    },

    /**
     * A user's live sessions; `current` marks the one of `currentSessionId` (the
     * caller's own). Whether the user exists is asked only when none is live:
     * a caller listing their own sessions has one, and costs one query.
     */
    async list(userId: number, currentSessionId?: string): Promise<ListedSession[]> {
      const live = await sessions.listLive(userId);
      if (live.length === 0 && !(await users.findById(userId))) throw new DomainError('NOT_FOUND', 'No such user');
      return live.map((session) => ({ ...session, current: session.id === currentSessionId }));
    },

    /**
     * Revokes one live session: the caller's own, or anyone's for an admin or the operator.
     * Someone else's session is no different from none at all to anyone else,
     * so its id cannot be probed.
     */
    async revoke(by: Actor, sessionId: string): Promise<void> {
      const { principal } = by;
      // The operator at the command line and an admin end anyone's; a user, their own; a machine client has none.
      const whose = !principal || principal.role === ADMIN_ROLE ? {} : principal.kind === 'user' ? { userId: principal.userId } : null;
      if (!whose) throw new DomainError('NOT_FOUND', 'No such session');
      const [revoked] = await sessions.revoke({ sessionId, ...whose }, 'session_revoked');
      if (!revoked) throw new DomainError('NOT_FOUND', 'No such session');
      revocations.add([revoked]);
      // A session always has its user (only a machine client's credential has none).
      const userId = revoked.userId!;
      const self = principal?.kind === 'user' && principal.userId === userId ? principal : null;
      const owner = self ?? (await users.findById(userId).catch(() => null));
      audit.record(eventBy(by, 'SESSION_REVOKED', { id: userId, username: owner?.username ?? null }, { sessionId }));
    },

    /** Revokes every session of a user (an administrator's decision). */
    async revokeAll(user: UserRecord, by: Actor): Promise<number> {
      const revoked = await sessions.revoke({ userId: user.id }, 'admin');
      revocations.add(revoked);
      audit.record(eventBy(by, 'SESSION_REVOKED', user, { allSessions: true, count: revoked.length }));
      return revoked.length;
    },
  };
}

/**
 * What a refresh does, given the session as it stands: the current token
 * rotates; the previous one, inside the reuse interval, gets the current pair
 * again; any other genuine token of the session is a reuse and revokes it.
 */
export function decideRefresh(
  presented: { generation: number; hash: string },
  session: SessionRecord | null,
  now: Date,
  reuseMs: number,
  hashOfGeneration: (generation: number) => string,
): RefreshVerdict {
  if (!session || session.revokedAt || session.expiresAt <= now) return { action: 'refuse' };
  if (presented.generation === session.generation && sameHash(session.refreshTokenHash, presented.hash)) {
    const generation = session.generation + 1;
    return { action: 'rotate', generation, refreshTokenHash: hashOfGeneration(generation) };
  }
  const sinceRotation = session.rotatedAt ? now.getTime() - session.rotatedAt.getTime() : Infinity;
  if (
    presented.generation === session.generation - 1 &&
    sameHash(session.previousRefreshTokenHash, presented.hash) &&
    sinceRotation <= reuseMs
  ) {
    return { action: 'keep' };
  }
  return { action: 'revoke' };
}
