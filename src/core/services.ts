import type { AuthService } from './auth.service.js';
import type { KeyRing } from './keys.js';
import type { KeysService } from './keys.service.js';
import type { ProductsService } from './products.service.js';
import type { RolesService } from './roles.service.js';
import type { SessionsService } from './sessions.service.js';
import type { TokenService } from './tokens.js';
import type { UsersService } from './users.service.js';

/** What the composition root hands every door (and the command line). */
export interface Services {
  auth: AuthService;
  sessions: SessionsService;
  users: UsersService;
  roles: RolesService;
  products: ProductsService;
  keys: KeysService;
  tokens: TokenService;
  keyRing: KeyRing;
  /** Whether the database answers (for /readyz). */
  databaseReady(): Promise<boolean>;
  settings: {
    /** Whether GraphQL answers introspection queries. */
    introspection: boolean;
    issuer: string;
    publicUrl: string;
  };
}
