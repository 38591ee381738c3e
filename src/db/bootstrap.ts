import { randomBytes } from 'node:crypto';
import { generateSigningKey } from '../core/keys.js';
import type { PasswordHasher } from '../core/password.js';
import type { SigningKeyStore } from '../core/records.js';
import { ADMIN_ROLE, DEFAULT_ROLES, PERMISSIONS } from '../core/permissions.js';
import { lookalikeKey } from '../core/lookalikes.js';
import { usernameKey } from '../core/usernames.js';
import type { Orm } from './database.js';
import { Role, User } from './entities/index.js';

export interface BootstrapOptions {
  orm: Orm;
  passwords: PasswordHasher;
  /** Where RS256 keys live; absent with JWT_SECRET (HS256). */
  signingKeys?: SigningKeyStore;
  admin: { username: string; password?: string };
  /** Logs what the first start did. */
  announce: (message: string) => void;
  /** Shows a line once whatever the log level: a generated password must not be lost to LOG_LEVEL=error. */
  showOnce: (line: string) => void;
}

/**
 * The first start on an empty database: default roles, the admin user and a
 * signing key (in RS256 mode). Each is created only when its table is empty, so later starts
 * change nothing (a deleted default role stays deleted). Runs under the
 * database's setup lock, so instances starting together create each once.
 */
export async function bootstrap(options: BootstrapOptions): Promise<void> {
  const em = options.orm.em.fork();

  if ((await em.count(Role)) === 0) {
    for (const role of DEFAULT_ROLES) em.create(Role, { name: role.name, permissions: [...role.permissions] });
    await em.flush();
  }

  if ((await em.count(User)) === 0) {
    if (!(await em.findOne(Role, { name: ADMIN_ROLE }))) {
      em.create(Role, { name: ADMIN_ROLE, permissions: [...PERMISSIONS] });
    }
    const { username } = options.admin;
    const password = options.admin.password ?? randomBytes(18).toString('base64url');
    em.create(User, {
      username,
      usernameKey: usernameKey(username),
      usernameSkeleton: lookalikeKey(username),
      passwordHash: await options.passwords.hash(password),
      role: em.getReference(Role, ADMIN_ROLE),
      disabled: false,
    });
    await em.flush();
    if (options.admin.password) {
      options.announce(`Created admin user "${username}" with the password of ADMIN_PASSWORD`);
    } else {
      options.announce(`Created admin user "${username}" with a generated password, shown once on standard error`);
      options.showOnce(`Created admin user "${username}" with the generated password ${password} (shown once; change it)`);
    }
  }

  const { signingKeys } = options;
  if (signingKeys && !(await signingKeys.list()).some((key) => key.retiredAt === null)) {
    await signingKeys.rotate(await generateSigningKey(), new Date());
  }
}
