import { createAuditRepository } from './audit.repository.js';
import { createClientRepository } from './client.repository.js';
import type { Database } from './database.js';
import { withDatabaseErrors } from './errors.js';
import { createLoginAttemptRepository } from './login-attempt.repository.js';
import { createMfaRepository } from './mfa.repository.js';
import { createProductRepository } from './product.repository.js';
import { createRoleRepository } from './role.repository.js';
import { createSessionRepository } from './session.repository.js';
import { createSigningKeyRepository } from './signing-key.repository.js';
import { createUserRepository } from './user.repository.js';

export type Stores = ReturnType<typeof createStores>;

/**
 * Every store the core reads and writes, over one ORM. Each answers an
 * unreachable database as DATABASE_UNAVAILABLE, and a write its constraints
 * refuse as a typed answer: nothing of the driver reaches the core.
 */
export function createStores({ orm, kind }: Pick<Database, 'orm' | 'kind'>, { signingKeys }: { signingKeys: boolean }) {
  const guarded = <T extends object>(store: T) => withDatabaseErrors(store, (error) => orm.driver.convertException(error));
  return {
    users: guarded(createUserRepository(orm)),
    roles: guarded(createRoleRepository(orm)),
    sessions: guarded(createSessionRepository(orm)),
    products: guarded(createProductRepository(orm, kind)),
    loginAttempts: guarded(createLoginAttemptRepository(orm)),
    mfa: guarded(createMfaRepository(orm)),
    audit: guarded(createAuditRepository(orm)),
    clients: guarded(createClientRepository(orm)),
    /** Absent when tokens are signed with JWT_SECRET. */
    signingKeys: signingKeys ? guarded(createSigningKeyRepository(orm)) : undefined,
  };
}
