import { DomainError } from './errors.js';
import { PERMISSIONS } from './permissions.js';
import type { RoleRecord, RoleStore } from './records.js';
import type { RevocationList } from './revocations.js';
import type { RoleInput } from './schemas.js';

export type RolesService = ReturnType<typeof createRolesService>;

/** Roles are data: a name and a set of the four permissions. */
export function createRolesService(roles: RoleStore, revocations: RevocationList) {
  return {
    list(): Promise<RoleRecord[]> {
      return roles.list();
    },

    /** Taking a permission away revokes the sessions of the role's users: their tokens carry the old set. */
    async upsert(input: RoleInput): Promise<RoleRecord> {
      const permissions = PERMISSIONS.filter((permission) => input.permissions.includes(permission));
      const result = await roles.upsert({ name: input.name, permissions });
      revocations.add(result.revoked);
      return result.role;
    },

    async delete(name: string): Promise<void> {
      if (!(await roles.delete(name))) throw new DomainError('NOT_FOUND', `Role ${JSON.stringify(name)} not found`);
    },
  };
}
