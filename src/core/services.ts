import type { AuditTrail } from './audit.service.js';
import type { AuthService, Door } from './auth.service.js';
import type { ClientsService } from './clients.service.js';
import type { PublicJwk } from './keys.js';
import type { KeysService } from './keys.service.js';
import type { MfaService } from './mfa.service.js';
import type { PrincipalResult } from './principal.js';
import type { ProductsService } from './products.service.js';
import type { RevocationFeed } from './revocation-feed.js';
import type { RolesService } from './roles.service.js';
import type { SessionsService } from './sessions.service.js';
import type { UsersService } from './users.service.js';

/**
 * What the composition root hands every door (and the command line): the
 * operations, and the two things a door asks of tokens. Signing keys and
 * settings stay behind it; each door gets its own options where it is wired.
 */
export interface Services {
  auth: AuthService;
  mfa: MfaService;
  sessions: SessionsService;
  users: UsersService;
  roles: RolesService;
  products: ProductsService;
  keys: KeysService;
  clients: ClientsService;
  /** Security events: recorded by the services, read by admins. */
  audit: AuditTrail;
  /** Revocations pushed to other services (SPEC §14): every door's stream of them. */
  feed: RevocationFeed;
  /** The caller of a request, from its Authorization header, decoded once (and counted, by door). */
  resolvePrincipal(authorization: string | undefined, door: Door): PrincipalResult;
  /** The public keys that verify access tokens (empty when they are signed with a shared secret). */
  jwks(): { keys: PublicJwk[] };
  /** Whether the database answers (for /readyz). */
  databaseReady(): Promise<boolean>;
}
