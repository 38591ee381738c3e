import { DomainError } from './errors.js';
import type { PasswordHasher } from './password.js';
import { ADMIN_ROLE } from './permissions.js';
import type { UserChangeGuard, UserRecord, UserStore } from './records.js';
import type { CreateUserInput, UpdateUserInput } from './schemas.js';
import { usernameKey } from './usernames.js';

export type UsersService = ReturnType<typeof createUsersService>;

/** User administration; who may call it is the doors' guards' business (`admin`). */
export function createUsersService(users: UserStore, passwords: PasswordHasher) {
  return {
    async create(input: CreateUserInput): Promise<UserRecord> {
      return users.create({
        username: input.username,
        usernameKey: usernameKey(input.username),
        passwordHash: await passwords.hash(input.password),
        role: input.role,
      });
    },

    async update(id: number, changes: UpdateUserInput): Promise<UserRecord> {
      const passwordHash = changes.password === undefined ? undefined : await passwords.hash(changes.password);
      const updated = await users.update(
        id,
        { role: changes.role, disabled: changes.disabled, passwordHash },
        keepsAnEnabledAdmin({ role: changes.role, disabled: changes.disabled }),
      );
      if (!updated) throw new DomainError('NOT_FOUND', `User ${id} not found`);
      return updated;
    },
  };
}

/** The last enabled admin can be neither disabled nor demoted: someone must be able to administer. */
function keepsAnEnabledAdmin(changes: { role?: string; disabled?: boolean }): UserChangeGuard {
  return (before, enabledAdmins) => {
    const isEnabledAdmin = before.role.name === ADMIN_ROLE && !before.disabled;
    const staysEnabledAdmin = (changes.role ?? before.role.name) === ADMIN_ROLE && !(changes.disabled ?? before.disabled);
    if (isEnabledAdmin && !staysEnabledAdmin && enabledAdmins <= 1) {
      throw new DomainError('CONFLICT', 'The last enabled admin cannot be disabled or demoted');
    }
  };
}
