import { LockMode } from '@mikro-orm/core';
import type { Permission } from '../core/permissions.js';
import type { RoleRecord, RoleStore } from '../core/records.js';
import type { Orm } from './database.js';
import { Role, User } from './entities/index.js';
import { REVOCATION_COLUMNS, revokeSessionsIn, toRevokedSession, type RevocationRow } from './session.repository.js';

export function createRoleRepository(orm: Orm): RoleStore {
  return {
    async list() {
      const roles = await orm.em.fork().find(Role, {}, { orderBy: { name: 'asc' } });
      return roles.map(toRoleRecord);
    },

    async save({ name, permissions }, plan) {
      return orm.em.fork().transactional(async (em) => {
        // Inserted unless it exists, then held either way: two saves of a new role cannot both create it.
        const inserted = await em.execute<{ name: string }[]>(
          `insert into roles (name, permissions, created_at, updated_at) values (?, ?, now(), now())
           on conflict (name) do nothing returning name`,
          [name, `{${permissions.join(',')}}`],
        );
        const role = await em.findOneOrFail(Role, { name }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (inserted.length === 1) return { role: toRoleRecord(role), created: true, revoked: [] };
        const { revokeSessions } = plan(toRoleRecord(role));
        role.permissions = [...permissions];
        await em.flush();
        if (!revokeSessions) return { role: toRoleRecord(role), created: false, revoked: [] };
        // Raised before revoking, as for any change to a user: a login that read the old permissions stores no session after this.
        await em.execute(`update users set security_version = security_version + 1 where role_name = ?`, [name]);
        const revoked = await revokeSessionsIn(em, { roleName: name }, revokeSessions.reason);
        // The role's machine clients too: their tokens carry the old permissions. Each draws a new credential.
        const clients = await em.execute<RevocationRow[]>(
          `with held as (select id, credential_id from clients where role_name = ? for update),
                renewed as (update clients c set credential_id = gen_random_uuid() from held where c.id = held.id)
           insert into session_revocations (session_id, user_id, reason, revoked_at)
           select credential_id, null, ?, now() from held
           on conflict (session_id) do nothing
           returning ${REVOCATION_COLUMNS}`,
          [name, revokeSessions.reason],
        );
        return { role: toRoleRecord(role), created: false, revoked: [...revoked, ...clients.map(toRevokedSession)] };
      });
    },

    async delete(name) {
      return orm.em.fork().transactional(async (em) => {
        const role = await em.findOne(Role, { name }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (!role) return 'no_such_role';
        const holders = await em.count(User, { role: name });
        if (holders > 0) return { holders };
        // Machine clients hold roles too (their foreign key would refuse the delete).
        const [{ clients }] = await em.execute<[{ clients: string | number }]>('select count(*) as clients from clients where role_name = ?', [name]);
        if (Number(clients) > 0) return { holders: Number(clients), clients: true };
        em.remove(role);
        await em.flush();
        return 'deleted';
      });
    },
  };
}

function toRoleRecord(role: Role): RoleRecord {
  return { name: role.name, permissions: role.permissions as Permission[] };
}
