import { describe, expect, it } from 'vitest';
import { createTestDatabase, DB_KIND } from '../helpers/database.js';
import { post } from '../helpers/http.js';
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
        'Migration20261201000100_security_version',
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
      expect(await count('mikro_orm_migrations')).toBe(4);
      expect(await count('server_secrets')).toBe(1);
      for (const server of servers) {
        expect((await post(server.url, '/login', { username: 'admin', password: ADMIN_PASSWORD })).status).toBe(200);
      }
    } finally {
      for (const server of servers) await server.stop();
      await database.drop();
    }
  });
});
