import { DomainError } from './errors.js';
import { lookalikeKey } from './lookalikes.js';
import type { PasswordHasher } from './password.js';
import { ADMIN_ROLE } from './permissions.js';
import type { UserChangePlan, UserRecord, UserStore } from './records.js';
import type { RevocationList } from './revocations.js';
import type { CreateUserInput, Pagination, UpdateUserInput } from './schemas.js';
import { usernameKey } from './usernames.js';

export type UsersService = ReturnType<typeof createUsersService>;

/** User administration; who may call it is the doors' guards' business (`admin`). */
export function createUsersService(users: UserStore, passwords: PasswordHasher, revocations: RevocationList) {
  return {
    async create(input: CreateUserInput): Promise<UserRecord> {
      return users.create({
        username: input.username,
        usernameKey: usernameKey(input.username),
        usernameSkeleton: lookalikeKey(input.username),
        passwordHash: await passwords.hash(input.password),
        role: input.role,
      });
    },

    list(page: Pagination): Promise<UserRecord[]> {
      return users.list(page);
    },

    /** The last enabled admin cannot be deleted; the user's sessions are revoked with them. */
    async delete(id: number): Promise<void> {
      const result = await users.delete(id, (before, enabledAdmins) => {
        if (isEnabledAdmin(before) && enabledAdmins <= 1) {
          throw new DomainError('CONFLICT', 'The last enabled admin cannot be deleted');
        }
        return {};
      });
      if (!result) throw new DomainError('NOT_FOUND', `User ${id} not found`);
      revocations.add(result.revoked);
    },

    async findByUsername(username: string): Promise<UserRecord> {
      const user = await users.findByUsernameKey(usernameKey(username));
      if (!user) throw new DomainError('NOT_FOUND', `No user named ${JSON.stringify(username)}`);
      return user;
    },

    /** Changing a role or a password, or disabling, revokes the user's sessions in the same transaction. */
    async update(id: number, changes: UpdateUserInput): Promise<UserRecord> {
      const passwordHash = changes.password === undefined ? undefined : await passwords.hash(changes.password);
      const result = await users.update(id, { role: changes.role, disabled: changes.disabled, passwordHash }, planUpdate(changes));
      if (!result) throw new DomainError('NOT_FOUND', `User ${id} not found`);
      revocations.add(result.revoked);
      return result.user;
    },
  };
}

function planUpdate(changes: UpdateUserInput): UserChangePlan {
  return (before, enabledAdmins) => {
    const staysEnabledAdmin = (changes.role ?? before.role.name) === ADMIN_ROLE && !(changes.disabled ?? before.disabled);
    // Someone must always be able to administer.
    if (isEnabledAdmin(before) && !staysEnabledAdmin && enabledAdmins <= 1) {
      throw new DomainError('CONFLICT', 'The last enabled admin cannot be disabled or demoted');
    }
    if (changes.disabled === true && !before.disabled) return { revokeSessions: { reason: 'user_disabled' } };
    if (changes.role !== undefined && changes.role !== before.role.name) return { revokeSessions: { reason: 'role_changed' } };
    if (changes.password !== undefined) return { revokeSessions: { reason: 'password_changed' } };
    return {};
  };
}

function isEnabledAdmin(user: UserRecord): boolean {
  return user.role.name === ADMIN_ROLE && !user.disabled;
}
