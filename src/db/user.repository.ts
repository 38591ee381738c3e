import { ADMIN_ROLE, type Permission } from '../core/permissions.js';
import type { LoginUser, UserRecord, UserStore } from '../core/records.js';
import type { Orm } from './database.js';
import { violatedUniqueConstraint } from './errors.js';
import { revokeSessionsIn } from './session.repository.js';

/**
 * Users, read and written as SQL through MikroORM's connection (the entity
 * stays the schema's and the migrations'): every read is one statement and
 * one mapping, with no unit of work, identity map or hydration on the way,
 * which cost more than PGlite's own work on `auth.me` and the lists.
 */
export function createUserRepository(orm: Orm): UserStore {
  const connection = () => orm.em.getConnection();
  // `get` answers undefined when no row matches.
  const oneRow = (sql: string, params: unknown[]) => connection().execute<UserRow>(sql, params, 'get') as Promise<UserRow | undefined>;
  const rowById = (id: number) => oneRow(`${SELECT_USER} where u.id = ?`, [id]);
  const findById = async (id: number) => {
    const row = await rowById(id);
    return row ? toUserRecord(row) : null;
  };

  return {
    async findForLogin(usernameKey) {
      const row = await oneRow(`select ${USER_COLUMNS}, u.password_hash ${FROM_USERS} where u.username_key = ?`, [usernameKey]);
      return row ? { ...toLoginUser(row), passwordHash: row.password_hash! } : null;
    },

    findById,

    async findLoginUser(id) {
      const row = await rowById(id);
      return row ? toLoginUser(row) : null;
    },

    async findByUsernameKey(usernameKey) {
      const row = await oneRow(`${SELECT_USER} where u.username_key = ?`, [usernameKey]);
      return row ? toUserRecord(row) : null;
    },

    async create({ username, usernameKey, usernameSkeleton, passwordHash, role }) {
      let inserted: Array<{ id: number }>;
      try {
        inserted = await connection().execute(
          `insert into users (username, username_key, username_skeleton, password_hash, role_name, disabled, security_version, created_at, updated_at)
           select ?, ?, ?, ?, name, false, 0, now(), now() from roles where name = ?
           returning id`,
          [username, usernameKey, usernameSkeleton, passwordHash, role],
          'all',
        );
      } catch (error) {
        const constraint = violatedUniqueConstraint(error);
        if (constraint === undefined) throw error;
        // The unique indexes decide, race-free. A taken name ("ADMIN") also looks like its owner: taken is the answer.
        if (constraint !== 'users_username_skeleton_unique') return 'username_taken';
        const [{ taken }] = await connection().execute<[{ taken: boolean }]>(
          'select exists (select 1 from users where username_key = ?) as taken',
          [usernameKey],
        );
        return taken ? 'username_taken' : 'looks_like_another';
      }
      // Nothing inserted: the role named does not exist.
      if (inserted.length === 0) return 'unknown_role';
      return (await findById(inserted[0]!.id))!;
    },

    async list({ limit, offset, search }) {
      const rows = search
        ? await connection().execute<UserRow[]>(
            `${SELECT_USER} where position(lower(?) in lower(u.username)) > 0 order by u.id limit ? offset ?`,
            [search, limit, offset],
          )
        : await connection().execute<UserRow[]>(`${SELECT_USER} order by u.id limit ? offset ?`, [limit, offset]);
      return rows.map(toUserRecord);
    },

    async delete(id, plan) {
      return orm.em.fork().transactional(async (em) => {
        const admins = await lockEnabledAdmins(em);
        const user = await lockUser(em, id);
        if (!user) return 'no_such_user';
        plan(user, admins);
        // Revoked first: the feed keeps the record after the sessions go with the user.
        const revoked = await revokeSessionsIn(em, { userId: id }, 'user_deleted');
        await em.execute('delete from users where id = ?', [id]);
        return { revoked };
      });
    },

    async update(id, changes, plan) {
      return orm.em.fork().transactional(async (em) => {
        // The new role is held first: a role losing a permission holds the role, then its holders' rows
        // (role.repository.ts), and holding the admins' rows before the role could deadlock with it.
        const roleExists =
          changes.role === undefined ? true : (await em.execute('select 1 from roles where name = ? for share', [changes.role])).length === 1;
        const admins = await lockEnabledAdmins(em);
        const user = await lockUser(em, id);
        if (!user) return 'no_such_user';
        const { revokeSessions } = plan(user, admins);
        if (!roleExists) return 'unknown_role';
        // A login that read the user before this change stores no session after it (session.repository.ts).
        await em.execute(
          `update users set role_name = coalesce(?, role_name), disabled = coalesce(?, disabled),
                  password_hash = coalesce(?, password_hash), security_version = security_version + ?, updated_at = now()
            where id = ?`,
          [changes.role ?? null, changes.disabled ?? null, changes.passwordHash ?? null, revokeSessions ? 1 : 0, id],
        );
        if (changes.resetMfa) {
          await em.execute('update users set totp_secret = null, totp_pending_secret = null, totp_last_step = null where id = ?', [id]);
          await em.execute('delete from recovery_codes where user_id = ?', [id]);
        }
        const revoked = revokeSessions
          ? await revokeSessionsIn(em, { userId: id, exceptSessionId: revokeSessions.exceptSessionId }, revokeSessions.reason)
          : [];
        const [after] = await em.execute<UserRow[]>(`${SELECT_USER} where u.id = ?`, [id]);
        return { user: toUserRecord(after!), revoked };
      });
    },
  };
}

type Transaction = { execute<T>(sql: string, params?: unknown[]): Promise<T> };

/**
 * The user, held until commit before their sessions are revoked: a login
 * storing its session holds the row too, so it either commits first (and is
 * revoked here) or waits and finds the user changed or gone.
 */
async function lockUser(em: Transaction, id: number): Promise<UserRecord | null> {
  const [row] = await em.execute<UserRow[]>(`${SELECT_USER} where u.id = ? for update of u`, [id]);
  return row ? toUserRecord(row) : null;
}

/** Holding the enabled admins' rows serialises every change that could remove the last one. */
async function lockEnabledAdmins(em: Transaction): Promise<number> {
  const admins = await em.execute<unknown[]>('select id from users where role_name = ? and not disabled for update', [ADMIN_ROLE]);
  return admins.length;
}

/** A user with their role, as every read selects it (a login adds the password's hash). */
const USER_COLUMNS =
  'u.id, u.username, u.disabled, u.security_version, u.totp_secret is not null as totp_enabled, u.created_at, u.updated_at, r.name as role_name, r.permissions';
const FROM_USERS = 'from users u join roles r on r.name = u.role_name';
const SELECT_USER = `select ${USER_COLUMNS} ${FROM_USERS}`;

interface UserRow {
  id: number;
  username: string;
  disabled: boolean;
  security_version: number;
  totp_enabled: boolean;
  // Timestamps arrive as PostgreSQL's text, which MikroORM's type parsers keep.
  created_at: Date | string;
  updated_at: Date | string;
  role_name: string;
  permissions: Permission[];
  password_hash?: string;
}

function toUserRecord(row: UserRow): UserRecord {
  return {
    id: row.id,
    username: row.username,
    role: { name: row.role_name, permissions: row.permissions },
    disabled: row.disabled,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

function toLoginUser(row: UserRow): LoginUser {
  return { ...toUserRecord(row), securityVersion: row.security_version, totpEnabled: row.totp_enabled };
}
