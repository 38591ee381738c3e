import { eventBy, type Actor } from './audit.js';
import type { AuditTrail } from './audit.service.js';
import { DomainError } from './errors.js';
import { lookalikeKey } from './lookalikes.js';
import type { PasswordHasher } from './password.js';
import { ADMIN_ROLE } from './permissions.js';
import type { UserChangePlan, UserRecord, UserStore } from './records.js';
import type { RevocationList } from './revocations.js';
import type { CreateUserInput, UpdateUserInput, UserListQuery } from './schemas.js';
import { usernameKey } from './usernames.js';

export type UsersService = ReturnType<typeof createUsersService>;

/** User administration; who may call it is the doors' guards' business (`admin`). */
export function createUsersService(
  users: UserStore,
  passwords: PasswordHasher,
  revocations: RevocationList,
  audit: Pick<AuditTrail, 'record'>,
) {
  /** One event per fact a change records: a role or the disabled flag (USER_UPDATED), a password, the second factor. */
  function recordUpdate(by: Actor, user: UserRecord, changes: UpdateUserInput): void {
    const updated = { ...(changes.role !== undefined && { role: changes.role }), ...(changes.disabled !== undefined && { disabled: changes.disabled }) };
    if (Object.keys(updated).length > 0) audit.record(eventBy(by, 'USER_UPDATED', user, updated));
    if (changes.password !== undefined) audit.record(eventBy(by, 'PASSWORD_CHANGED', user, { by: 'admin' }));
    if (changes.resetMfa) audit.record(eventBy(by, 'MFA_DISABLED', user, { by: 'admin' }));
  }

  return {
    async create(input: CreateUserInput, by: Actor): Promise<UserRecord> {
      const created = await users.create({
        username: input.username,
        usernameKey: usernameKey(input.username),
        usernameSkeleton: lookalikeKey(input.username),
        passwordHash: await passwords.hash(input.password),
        role: input.role,
      });
      const name = JSON.stringify(input.username);
      switch (created) {
        case 'username_taken':
          throw new DomainError('CONFLICT', `The username ${name} is taken`);
        case 'looks_like_another':
          throw new DomainError('BAD_USER_INPUT', `The username ${name} looks like an existing one`, {
            fields: { username: ['looks like an existing username'] },
          });
        case 'unknown_role':
          throw unknownRole(input.role);
        default:
          audit.record(eventBy(by, 'USER_CREATED', created, { role: created.role.name }));
          return created;
      }
    },

    list(page: UserListQuery): Promise<UserRecord[]> {
      return users.list(page);
    },

    /** The last enabled admin cannot be deleted; the user's sessions are revoked with them. */
    async delete(id: number, by: Actor): Promise<void> {
      let deleted: UserRecord | undefined;
      const result = await users.delete(id, (before, enabledAdmins) => {
        if (isEnabledAdmin(before) && enabledAdmins <= 1) {
          throw new DomainError('CONFLICT', 'The last enabled admin cannot be deleted');
        }
        deleted = before;
        return {};
      });
      if (result === 'no_such_user') throw userNotFound(id);
      revocations.add(result.revoked);
      audit.record(eventBy(by, 'USER_DELETED', deleted!, { role: deleted!.role.name }));
    },

    async findByUsername(username: string): Promise<UserRecord> {
      const user = await users.findByUsernameKey(usernameKey(username));
      if (!user) throw new DomainError('NOT_FOUND', `No user named ${JSON.stringify(username)}`);
      return user;
    },

    /** Changing a role or a password, or disabling, revokes the user's sessions in the same transaction. */
    async update(id: number, changes: UpdateUserInput, by: Actor): Promise<UserRecord> {
      const passwordHash = changes.password === undefined ? undefined : await passwords.hash(changes.password);
      const result = await users.update(
        id,
        { role: changes.role, disabled: changes.disabled, passwordHash, resetMfa: changes.resetMfa },
        planUpdate(changes),
      );
      if (result === 'no_such_user') throw userNotFound(id);
      if (result === 'unknown_role') throw unknownRole(changes.role!);
      revocations.add(result.revoked);
      recordUpdate(by, result.user, changes);
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
    if (changes.resetMfa) return { revokeSessions: { reason: 'mfa_reset' } };
    return {};
  };
}

function userNotFound(id: number): DomainError {
  return new DomainError('NOT_FOUND', `User ${id} not found`);
}

/** A role named that does not exist (a user's or a client's). */
export function unknownRole(name: string): DomainError {
  return new DomainError('BAD_USER_INPUT', `Role ${JSON.stringify(name)} does not exist`, { fields: { role: ['does not exist'] } });
}

function isEnabledAdmin(user: UserRecord): boolean {
  return user.role.name === ADMIN_ROLE && !user.disabled;
}
