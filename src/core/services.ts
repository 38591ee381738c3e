import type { AuthService } from './auth.service.js';
import type { KeyRing } from './keys.js';
import type { ProductsService } from './products.service.js';
import type { TokenService } from './tokens.js';
import type { UsersService } from './users.service.js';

/** What the composition root hands every door. */
export interface Services {
  auth: AuthService;
  products: ProductsService;
  users: UsersService;
  tokens: TokenService;
  keys: KeyRing;
  /** Whether the database answers (for /readyz). */
  databaseReady(): Promise<boolean>;
  settings: {
    production: boolean;
    issuer: string;
    publicUrl: string;
  };
}
