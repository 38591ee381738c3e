import { LockMode } from '@mikro-orm/core';
import { DomainError } from '../core/errors.js';
import type { Permission } from '../core/permissions.js';
import type { RoleRecord, RoleStore } from '../core/records.js';
import type { Orm } from './database.js';
import { Role, User } from './entities/index.js';
import { revokeSessionsIn } from './session.repository.js';

export function createRoleRepository(orm: Orm): RoleStore {
  return {
    async list() {
      const roles = await orm.em.fork().find(Role, {}, { orderBy: { name: 'asc' } });
      return roles.map(toRoleRecord);
    },

    async upsert({ name, permissions }) {
      return orm.em.fork().transactional(async (em) => {
        const existing = await em.findOne(Role, { name }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (!existing) {
          const role = em.create(Role, { name, permissions: [...permissions] });
          await em.flush();
          return { role: toRoleRecord(role), created: true, revoked: [] };
        }
        const lost = existing.permissions.some((permission) => !permissions.includes(permission as Permission));
        existing.permissions = [...permissions];
        await em.flush();
        if (!lost) return { role: toRoleRecord(existing), created: false, revoked: [] };
        // Raised before revoking, as for any change to a user: a login that read the old permissions stores no session after this.
        await em.execute(`update users set security_version = security_version + 1 where role_name = ?`, [name]);
        const revoked = await revokeSessionsIn(em, { roleName: name }, 'role_changed');
        return { role: toRoleRecord(existing), created: false, revoked };
      });
    },

    async delete(name) {
      return orm.em.fork().transactional(async (em) => {
        const role = await em.findOne(Role, { name }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (!role) return false;
        const holders = await em.count(User, { role: name });
        if (holders > 0) {
          throw new DomainError('CONFLICT', `Role ${JSON.stringify(name)} is held by ${holders} user${holders === 1 ? '' : 's'}`);
        }
        em.remove(role);
        await em.flush();
        return true;
      });
    },
  };
}

function toRoleRecord(role: Role): RoleRecord {
  return { name: role.name, permissions: role.permissions as Permission[] };
}
