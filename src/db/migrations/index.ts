import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261123000000_initial } from './Migration20261123000000_initial.js';
import { Migration20261123000100_login_attempts } from './Migration20261123000100_login_attempts.js';
import { Migration20261123000200_sessions } from './Migration20261123000200_sessions.js';
import { Migration20261123000300_username_skeletons } from './Migration20261123000300_username_skeletons.js';
import { Migration20261201000100_security_version } from './Migration20261201000100_security_version.js';
import { Migration20261202000100_totp } from './Migration20261202000100_totp.js';
import { Migration20261203000100_audit } from './Migration20261203000100_audit.js';
import { Migration20261204000100_clients } from './Migration20261204000100_clients.js';
import { Migration20261205000100_notify } from './Migration20261205000100_notify.js';
import { Migration20261206000100_revocation_feed } from './Migration20261206000100_revocation_feed.js';

/** Every migration, in order. Listed by hand: no globbing, the same under tsc and vitest. */
export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261123000000_initial', class: Migration20261123000000_initial },
  { name: 'Migration20261123000100_login_attempts', class: Migration20261123000100_login_attempts },
  { name: 'Migration20261123000200_sessions', class: Migration20261123000200_sessions },
  { name: 'Migration20261123000300_username_skeletons', class: Migration20261123000300_username_skeletons },
  { name: 'Migration20261201000100_security_version', class: Migration20261201000100_security_version },
  { name: 'Migration20261202000100_totp', class: Migration20261202000100_totp },
  { name: 'Migration20261203000100_audit', class: Migration20261203000100_audit },
  { name: 'Migration20261204000100_clients', class: Migration20261204000100_clients },
  { name: 'Migration20261205000100_notify', class: Migration20261205000100_notify },
  { name: 'Migration20261206000100_revocation_feed', class: Migration20261206000100_revocation_feed },
];
