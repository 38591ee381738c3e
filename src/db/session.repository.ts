import { LockMode } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { RevocationReason, RevokedSession, SessionRecord, SessionSelector, SessionStore } from '../core/records.js';
import type { Orm } from './database.js';
import { Session } from './entities/index.js';

export function createSessionRepository(orm: Orm): SessionStore {
  return {
    async create(session) {
      // One statement, not a unit of work's begin, insert, commit, and written as SQL: it is on every login's path.
      const stored = await orm.em.getConnection().execute<{ id: string }[]>(
        STORE_SESSION_SQL,
        [
          session.id,
          session.userId,
          session.refreshTokenHash,
          new Date(),
          session.expiresAt,
          session.userAgent,
          session.ipAddress,
          session.amr.join(' '),
          session.userId,
          session.securityVersion,
        ],
        'all',
      );
      return stored.length === 1;
    },

    async discard(sessionId) {
      await orm.em.getConnection().execute(`delete from sessions where id = ?`, [sessionId], 'run');
    },

    async refresh(sessionId, decide) {
      return orm.em.fork().transactional(async (em) => {
        // Held until commit: two tabs refreshing at once are answered one after the other.
        const session = await em.findOne(Session, { id: sessionId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        const now = new Date();
        const verdict = decide(session ? toSessionRecord(session) : null, now);
        if (session && verdict.action === 'rotate') {
          session.previousRefreshTokenHash = session.refreshTokenHash;
          session.refreshTokenHash = verdict.refreshTokenHash;
          session.generation = verdict.generation;
          session.rotatedAt = now;
          await em.flush();
        }
        const revoked = verdict.action === 'revoke' ? await revokeSessionsIn(em, { sessionId }, 'refresh_reuse') : [];
        return { verdict, session: session ? toSessionRecord(session) : null, revoked };
      });
    },

    async listLive(userId) {
      const rows = await orm.em.getConnection().execute<SessionRow[]>(LIVE_SESSIONS_SQL, [userId], 'all');
      return rows.map((row) => ({
        id: row.id,
        createdAt: new Date(row.created_at),
        lastUsedAt: new Date(row.last_used_at),
        expiresAt: new Date(row.expires_at),
        ipAddress: row.ip_address,
        userAgent: row.user_agent,
      }));
    },

    revoke(selector, reason) {
      return revokeSessionsIn(orm.em.fork(), selector, reason);
    },

    async revokedSince(seconds) {
      const rows = await orm.em
        .fork()
        .execute<RevocationRow[]>(
          `select ${REVOCATION_COLUMNS} from session_revocations where revoked_at > now() - make_interval(secs => ?)`,
          [seconds],
        );
      return rows.map(toRevokedSession);
    },

    async revocationsAfter({ after, cursor, limit, seconds }) {
      // A transaction that began before `after`'s (so an earlier revoked_at) may have committed after it: a
      // minute of such overlap is sent again, as the instances' polling re-reads it (core/sync.ts).
      const since =
        after === undefined
          ? ''
          : `and (sequence > ? or revoked_at >= coalesce((select revoked_at - interval '1 minute' from session_revocations where sequence = ?), '-infinity'))`;
      const rows = await orm.em.fork().execute<RevocationRow[]>(
        `select ${REVOCATION_COLUMNS} from session_revocations
          where revoked_at > now() - make_interval(secs => ?) and sequence > ? ${since}
          order by sequence limit ?`,
        after === undefined ? [seconds, cursor, limit] : [seconds, cursor, after, after, limit],
      );
      return rows.map(toRevokedSession);
    },

    async pruneRevocations(olderThanSeconds) {
      await orm.em
        .fork()
        .execute(`delete from session_revocations where revoked_at < now() - make_interval(secs => ?)`, [olderThanSeconds]);
    },
  };
}

/**
 * A login's session, stored only while its user's security version is the one
 * the login read. `for share` is what makes it atomic against a change: a
 * change raising the version takes the user's row first, so this statement
 * either holds the row before the change (which then waits, and revokes the
 * committed session after) or waits for the change to commit, sees the new
 * version, and stores nothing. Without the lock the statement would read the
 * old version while the change is under way, and commit a session the
 * change's revocation had already looked past.
 */
const STORE_SESSION_SQL = `insert into sessions (id, user_id, refresh_token_hash, generation, created_at, expires_at, user_agent, ip_address, amr)
  select ?, ?, ?, 0, ?, ?, ?, ?, ?
   where exists (select 1 from users where id = ? and security_version = ? for share)
  returning id`;

interface SessionRow {
  id: string;
  created_at: Date | string;
  last_used_at: Date | string;
  expires_at: Date | string;
  ip_address: string | null;
  user_agent: string | null;
}

// A refresh is the session's use: an access token is verified without the database, so no row records each one.
const LIVE_SESSIONS_SQL = `select id, created_at, coalesce(rotated_at, created_at) as last_used_at, expires_at, ip_address, user_agent
  from sessions where user_id = ? and revoked_at is null and expires_at > now()
  order by last_used_at desc, id`;

/**
 * Revokes the live sessions `selector` names and records each in the feed,
 * in one statement, inside whatever transaction `em` belongs to.
 */
export async function revokeSessionsIn(
  em: SqlEntityManager,
  selector: SessionSelector,
  reason: RevocationReason,
): Promise<RevokedSession[]> {
  const [where, params]: [string, unknown[]] =
    'sessionId' in selector
      ? selector.userId === undefined
        ? ['id = ?', [selector.sessionId]]
        : ['id = ? and user_id = ?', [selector.sessionId, selector.userId]]
      : 'roleName' in selector
        ? ['user_id in (select id from users where role_name = ?)', [selector.roleName]]
        : selector.exceptSessionId
          ? ['user_id = ? and id <> ?', [selector.userId, selector.exceptSessionId]]
          : ['user_id = ?', [selector.userId]];
  const rows = await em.execute<RevocationRow[]>(
    `with revoked as (
       update sessions set revoked_at = now(), revoked_reason = ?
        where revoked_at is null and expires_at > now() and ${where}
        returning id, user_id, revoked_at)
     insert into session_revocations (session_id, user_id, reason, revoked_at)
     select id, user_id, ?, revoked_at from revoked
     on conflict (session_id) do nothing
     returning ${REVOCATION_COLUMNS}`,
    [reason, ...params, reason],
  );
  return rows.map(toRevokedSession);
}

/** What every statement reading or recording a revocation returns of it. */
export const REVOCATION_COLUMNS = 'session_id, user_id, reason, revoked_at, sequence';

export interface RevocationRow {
  session_id: string;
  user_id: number | null;
  reason: string;
  revoked_at: Date | string;
  sequence: number | string;
}

export function toRevokedSession(row: RevocationRow): RevokedSession {
  return {
    sessionId: row.session_id,
    userId: row.user_id,
    reason: row.reason as RevocationReason,
    revokedAt: new Date(row.revoked_at),
    sequence: Number(row.sequence),
  };
}

function toSessionRecord(session: Session): SessionRecord {
  return {
    id: session.id,
    userId: session.user.id,
    generation: session.generation,
    refreshTokenHash: session.refreshTokenHash,
    previousRefreshTokenHash: session.previousRefreshTokenHash ?? null,
    rotatedAt: session.rotatedAt ?? null,
    expiresAt: session.expiresAt,
    revokedAt: session.revokedAt ?? null,
    amr: session.amr.split(' ') as SessionRecord['amr'],
  };
}
