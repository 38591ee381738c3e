import { MikroORM } from '@mikro-orm/sql';
import { describe, expect, it } from 'vitest';
import { ormOptions } from '../../mikro-orm.config.js';
import { loadConfig } from '../../src/config.js';
import { lookalikeKey } from '../../src/core/lookalikes.js';
import { createPasswordHasher } from '../../src/core/password.js';
import { usernameKey } from '../../src/core/usernames.js';
import { createTestDatabase, DB_KIND } from '../helpers/database.js';
import { login, post, trpc } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer } from '../helpers/server.js';

describe('migrations', () => {
  it('bring an empty database to exactly the schema of the entities', async () => {
    const server = await startServer();
    try {
      const { orm } = server.app.keyway.database;
      const executed = await orm.migrator.getExecuted();
      expect(executed.map((migration) => migration.name)).toEqual([
        'Migration20261123000000_initial',
        'Migration20261123000100_login_attempts',
        'Migration20261123000200_sessions',
        'Migration20261123000300_username_skeletons',
        'Migration20261201000100_security_version',
        'Migration20261202000100_totp',
        'Migration20261203000100_audit',
        'Migration20261204000100_clients',
        'Migration20261205000100_notify',
        'Migration20261206000100_revocation_feed',
      ]);
      expect(await orm.migrator.getPending()).toEqual([]);
      // The committed migrations and the entity definitions describe the same tables.
      const drift = await orm.schema.getUpdateSchemaSQL({ wrap: false });
      expect(drift.trim()).toBe('');
    } finally {
      await server.close();
    }
  });

  it.runIf(DB_KIND === 'postgres')('let instances starting together on one empty database set it up once', async () => {
    const database = await createTestDatabase();
    const servers = await Promise.all([1, 2, 3].map(() => startServer({ database })));
    try {
      const { orm } = servers[0]!.app.keyway.database;
      const count = async (table: string) =>
        (await orm.em.getConnection().execute<{ n: number }[]>(`select count(*)::int as n from ${table}`))[0]!.n;
      expect(await count('users')).toBe(1);
      expect(await count('roles')).toBe(4);
      expect(await count('signing_keys')).toBe(1);
      expect(await count('mikro_orm_migrations')).toBe(10);
      // The refresh-token MAC key, the TOTP secrets' key and the issuer the first start recorded.
      expect(await count('server_secrets')).toBe(3);
      for (const server of servers) {
        expect((await post(server.url, '/login', { username: 'admin', password: ADMIN_PASSWORD })).status).toBe(200);
      }
    } finally {
      for (const server of servers) await server.stop();
      await database.drop();
    }
  });

  it('give existing users their lookalike key, keeping it on the oldest of names that look alike', { timeout: 120_000 }, async () => {
    // A database as the previous release left it, holding names that were not checked then.
    const database = await createTestDatabase();
    const orm = await MikroORM.init(await ormOptions(loadConfig(database.env).database));
    const legacy = ['admin', '\u0430dmin', 'admin\u200B', 'bob', 'B0B', 'Дмитрий'];
    try {
      await orm.migrator.up({ to: 'Migration20261123000200_sessions' });
      const hash = await createPasswordHasher(1).hash('legacy-password');
      const sql = orm.em.getConnection();
      await sql.execute(`insert into roles (name, permissions, created_at, updated_at) values ('admin', '{GET,POST,PUT,DELETE}', now(), now())`);
      for (const username of legacy) {
        await sql.execute(
          `insert into users (username, username_key, password_hash, role_name, created_at, updated_at) values (?, ?, ?, 'admin', now(), now())`,
          [username, usernameKey(username), hash],
        );
      }
    } finally {
      await orm.close();
    }

    const server = await startServer({ database });
    try {
      const rows = await server.app.keyway.database.orm.em
        .getConnection()
        .execute<{ username: string; username_skeleton: string | null }[]>('select username, username_skeleton from users order by id');
      expect(rows).toEqual([
        { username: 'admin', username_skeleton: lookalikeKey('admin') },
        { username: '\u0430dmin', username_skeleton: null },
        { username: 'admin\u200B', username_skeleton: null },
        { username: 'bob', username_skeleton: lookalikeKey('bob') },
        { username: 'B0B', username_skeleton: null },
        { username: 'Дмитрий', username_skeleton: lookalikeKey('Дмитрий') },
      ]);
      // Nobody is locked out; nobody new may look like any of them.
      for (const username of legacy) expect((await login(server.url, username, 'legacy-password')).user.username).toBe(username);
      const { token } = await login(server.url, 'admin', 'legacy-password');
      const refused = await trpc(server.url, 'mutation', 'users.create', { username: 'adrnin', password: 'legacy-password', role: 'admin' }, token);
      expect([refused.status, refused.body.error.message]).toEqual([400, 'The username "adrnin" looks like an existing one']);
    } finally {
      await server.close();
    }
  });
});
