import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/db/migrations/index.js';
import { EMBEDDED_SETTINGS } from '../../src/db/pglite/thread.js';
import { spawnServer } from '../helpers/child-server.js';
import { createTestDatabase, DB_KIND, type TestDatabase } from '../helpers/database.js';
import { post } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer } from '../helpers/server.js';

/** The cluster `npm run build` makes for first starts (scripts/pglite-template.mjs). */
const TEMPLATE = 'dist/src/db/pglite/template/pgdata';

/** A cluster's system identifier, the first field of pg_control: initdb draws a new one, a copy keeps it. */
const systemIdentifier = (cluster: string) => readFileSync(join(cluster, 'global', 'pg_control')).readBigUInt64LE(0);

/** The built server's first start on `database`, then a restart in this process to look inside. */
async function firstStartOf(database: TestDatabase) {
  const child = await spawnServer(database);
  try {
    expect(await child.ready()).toBe(true);
    expect((await post(child.url, '/login', { username: 'admin', password: ADMIN_PASSWORD })).status).toBe(200);
  } finally {
    expect(await child.stop()).toBe(0);
  }
  return startServer({ database });
}

describe.runIf(DB_KIND === 'pglite')('the embedded database', () => {
  it('runs with the settings Keyway gives it', async () => {
    const server = await startServer();
    try {
      const sql = server.app.keyway.database.orm.em.getConnection();
      for (const [name, value] of Object.entries(EMBEDDED_SETTINGS)) {
        const [row] = await sql.execute<{ value: string }[]>('select current_setting(?) as value', [name]);
        expect([name, row!.value]).toEqual([name, value]);
      }
    } finally {
      await server.close();
    }
  });

  it("starts on an empty DATA_DIR from a copy of the build's cluster, then migrates it", async () => {
    expect(existsSync(join(TEMPLATE, 'PG_VERSION'))).toBe(true);
    const database = await createTestDatabase({ fresh: true });
    const server = await firstStartOf(database);
    try {
      const cluster = join(database.env.DATA_DIR!, 'pgdata');
      expect(systemIdentifier(cluster)).toBe(systemIdentifier(TEMPLATE));
      const { orm } = server.app.keyway.database;
      expect((await orm.migrator.getExecuted()).map((migration) => migration.name)).toEqual(MIGRATIONS.map((migration) => migration.name));
      expect((await post(server.url, '/login', { username: 'admin', password: ADMIN_PASSWORD })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('discards the half-made copy of a first start that died, and leaves a cluster it did not make alone', async () => {
    const database = await createTestDatabase({ fresh: true });
    const dataDir = database.env.DATA_DIR!;
    mkdirSync(join(dataDir, 'pgdata.partial', 'base'), { recursive: true });
    writeFileSync(join(dataDir, 'pgdata.partial', 'base', 'half-copied'), '');
    const server = await firstStartOf(database);
    try {
      expect(existsSync(join(dataDir, 'pgdata.partial'))).toBe(false);
      expect(systemIdentifier(join(dataDir, 'pgdata'))).toBe(systemIdentifier(TEMPLATE));
    } finally {
      await server.stop();
    }
    // A cluster made by PGlite's own initdb (as an earlier Keyway did) is opened as it is.
    const earlier = await createTestDatabase();
    const made = systemIdentifier(join(earlier.env.DATA_DIR!, 'pgdata'));
    expect(made).not.toBe(systemIdentifier(TEMPLATE));
    const restarted = await firstStartOf(earlier);
    try {
      expect(systemIdentifier(join(earlier.env.DATA_DIR!, 'pgdata'))).toBe(made);
    } finally {
      await restarted.close();
      await database.drop();
    }
  });
});
