import { LockMode } from '@mikro-orm/core';
import { ADMIN_ROLE, type Permission } from '../core/permissions.js';
import type { UserRecord, UserStore } from '../core/records.js';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { Orm } from './database.js';
import { Role, User } from './entities/index.js';
import { violatedUniqueConstraint } from './errors.js';
import { revokeSessionsIn } from './session.repository.js';

export function createUserRepository(orm: Orm): UserStore {
  return {
    async findForLogin(usernameKey) {
      const row = await orm.em.getConnection().execute<LoginRow>(LOGIN_ROW_SQL, [usernameKey], 'get');
      // `get` answers undefined when no row matches.
      if (!row) return null;
      return {
        id: row.id,
        username: row.username,
        passwordHash: row.password_hash,
        disabled: row.disabled,
        securityVersion: row.security_version,
        createdAt: new Date(row.created_at),
        updatedAt: new Date(row.updated_at),
        role: { name: row.role_name, permissions: row.permissions },
      };
    },

    async findById(id) {
      const user = await orm.em.fork().findOne(User, { id }, { populate: ['role'] });
      return user ? toUserRecord(user) : null;
    },

    async findByUsernameKey(usernameKey) {
      const user = await orm.em.fork().findOne(User, { usernameKey }, { populate: ['role'] });
      return user ? toUserRecord(user) : null;
    },

    async create({ username, usernameKey, usernameSkeleton, passwordHash, role }) {
      const em = orm.em.fork();
      const roleEntity = await em.findOne(Role, { name: role });
      if (!roleEntity) return 'unknown_role';
      const user = em.create(User, { username, usernameKey, usernameSkeleton, passwordHash, role: roleEntity, disabled: false });
      try {
        await em.flush();
      } catch (error) {
        const constraint = violatedUniqueConstraint(error);
        if (constraint === undefined) throw error;
        // The unique indexes decide, race-free. A taken name ("ADMIN") also looks like its owner: taken is the answer.
        const lookalike = constraint === 'users_username_skeleton_unique';
        return lookalike && (await orm.em.fork().count(User, { usernameKey })) === 0 ? 'looks_like_another' : 'username_taken';
      }
      return toUserRecord(user);
    },

    async list({ limit, offset }) {
      const users = await orm.em.fork().find(User, {}, { populate: ['role'], orderBy: { id: 'asc' }, limit, offset });
      return users.map(toUserRecord);
    },

    async delete(id, plan) {
      return orm.em.fork().transactional(async (em) => {
        const admins = await lockEnabledAdmins(em);
        const user = await lockUser(em, id);
        if (!user) return 'no_such_user';
        plan(toUserRecord(user), admins);
        // Revoked first: the feed keeps the record after the sessions go with the user.
        const revoked = await revokeSessionsIn(em, { userId: id }, 'user_deleted');
        await em.nativeDelete(User, { id });
        return { revoked };
      });
    },

    async update(id, changes, plan) {
      return orm.em.fork().transactional(async (em) => {
        // The new role is held first: a role losing a permission holds the role, then its holders' rows
        // (role.repository.ts), and holding the admins' rows before the role could deadlock with it.
        const role = changes.role === undefined ? undefined : await em.findOne(Role, { name: changes.role }, { lockMode: LockMode.PESSIMISTIC_READ });
        const admins = await lockEnabledAdmins(em);
        const user = await lockUser(em, id);
        if (!user) return 'no_such_user';
        const { revokeSessions } = plan(toUserRecord(user), admins);
        if (role === null) return 'unknown_role';
        if (role) em.assign(user, { role });
        if (changes.disabled !== undefined) user.disabled = changes.disabled;
        if (changes.passwordHash !== undefined) user.passwordHash = changes.passwordHash;
        // A login that read the user before this change stores no session after it (session.repository.ts).
        if (revokeSessions) user.securityVersion += 1;
        await em.flush();
        const revoked = revokeSessions
          ? await revokeSessionsIn(em, { userId: id, exceptSessionId: revokeSessions.exceptSessionId }, revokeSessions.reason)
          : [];
        return { user: toUserRecord(user), revoked };
      });
    },
  };
}

/**
 * The user, held until commit before their sessions are revoked: a login
 * storing its session holds the row too, so it either commits first (and is
 * revoked here) or waits and finds the user changed or gone.
 */
async function lockUser(em: SqlEntityManager, id: number): Promise<User | null> {
  const user = await em.findOne(User, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (user) await em.populate(user, ['role']);
  return user;
}

/** Holding the enabled admins' rows serialises every change that could remove the last one. */
async function lockEnabledAdmins(em: SqlEntityManager): Promise<number> {
  const admins = await em.find(User, { role: ADMIN_ROLE, disabled: false }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  return admins.length;
}

/**
 * On every login's path, so written as SQL: building it with the query
 * builder and mapping its row took longer than PGlite's lookup itself.
 */
const LOGIN_ROW_SQL = `select u.id, u.username, u.password_hash, u.disabled, u.security_version, u.created_at, u.updated_at,
         r.name as role_name, r.permissions
    from users u join roles r on r.name = u.role_name
   where u.username_key = ?`;

interface LoginRow {
  id: number;
  username: string;
  password_hash: string;
  disabled: boolean;
  security_version: number;
  created_at: Date | string;
  updated_at: Date | string;
  role_name: string;
  permissions: Permission[];
}

function toUserRecord(user: User): UserRecord {
  const role = user.role.getEntity();
  return {
    id: user.id,
    username: user.username,
    role: { name: role.name, permissions: role.permissions as Permission[] },
    disabled: user.disabled,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}
