import { eventBy, type Actor } from './audit.js';
import type { AuditTrail } from './audit.service.js';
import { DomainError } from './errors.js';
import { PERMISSIONS } from './permissions.js';
import type { RoleRecord, RoleStore } from './records.js';
import type { RevocationList } from './revocations.js';
import type { RoleInput } from './schemas.js';

export type RolesService = ReturnType<typeof createRolesService>;

/** Roles are data: a name and a set of the four permissions. */
export function createRolesService(roles: RoleStore, revocations: RevocationList, audit: Pick<AuditTrail, 'record'>) {
  return {
    list(): Promise<RoleRecord[]> {
      return roles.list();
    },

    /** Taking a permission away revokes the sessions of the role's users: their tokens carry the old set. */
    async upsert(input: RoleInput, by: Actor): Promise<RoleRecord> {
      const permissions = PERMISSIONS.filter((permission) => input.permissions.includes(permission));
      const result = await roles.save({ name: input.name, permissions }, (before) =>
        before.permissions.some((permission) => !permissions.includes(permission)) ? { revokeSessions: { reason: 'role_changed' } } : {},
      );
      revocations.add(result.revoked);
      audit.record(eventBy(by, 'ROLE_UPSERTED', null, { role: result.role.name, permissions, created: result.created, sessionsRevoked: result.revoked.length }));
      return result.role;
    },

    /** A role someone holds stays: deleting it would leave them with none. */
    async delete(name: string, by: Actor): Promise<void> {
      const result = await roles.delete(name);
      if (result === 'no_such_role') throw new DomainError('NOT_FOUND', `Role ${JSON.stringify(name)} not found`);
      if (result !== 'deleted') {
        const { holders, clients } = result;
        const who = clients ? 'client' : 'user';
        throw new DomainError('CONFLICT', `Role ${JSON.stringify(name)} is held by ${holders} ${who}${holders === 1 ? '' : 's'}`);
      }
      audit.record(eventBy(by, 'ROLE_DELETED', null, { role: name }));
    },
  };
}
