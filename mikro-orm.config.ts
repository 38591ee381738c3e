import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, type Options } from '@mikro-orm/sql';
import { loadConfig, type DatabaseConfig } from './src/config.js';
import { ENTITIES } from './src/db/entities/index.js';
import { MIGRATIONS } from './src/db/migrations/index.js';
import type { PgliteThread } from './src/db/pglite/thread.js';

/**
 * One configuration for both databases: the same entities and the same
 * committed migrations, on PGlite under DATA_DIR or on the PostgreSQL server
 * of DATABASE_URL. Only the driver of the database in use is loaded, with its
 * client library (pg, or PGlite's half a megabyte of JavaScript).
 */
export async function ormOptions(
  database: DatabaseConfig,
  log: (message: string) => void = () => {},
  /** On PGlite, the instance to use (Keyway runs it on a thread of its own); MikroORM creates one otherwise. */
  pglite?: PgliteThread,
): Promise<Options> {
  const common = {
    entities: ENTITIES,
    extensions: [Migrator],
    migrations: {
      migrationsList: MIGRATIONS,
      // The snapshot is a development aid; writing it at start would touch the source tree.
      snapshot: false,
      snapshotOnMigrate: false,
      silent: true,
    },
    // Keyway creates its tables through migrations, never implicitly.
    ensureDatabase: false,
    // Queries are never logged: their parameters include password hashes.
    debug: false,
    logger: log,
    colors: false,
  } satisfies Options;

  if (database.kind === 'postgres') {
    const { PostgreSqlDriver } = await import('@mikro-orm/postgresql');
    return defineConfig({
      ...common,
      driver: PostgreSqlDriver,
      clientUrl: database.url,
      pool: { min: 0, max: 10, idleTimeoutMillis: 30_000 },
      driverOptions: { connectionTimeoutMillis: 5_000 },
    });
  }
  const { PgliteDriver } = await import('@mikro-orm/pglite');
  // The cluster sits in DATA_DIR/pgdata, beside Keyway's own lock file. PGlite's mkdir is not recursive.
  const cluster = join(resolve(database.dataDir), 'pgdata');
  mkdirSync(dirname(cluster), { recursive: true });
  return defineConfig({ ...common, driver: PgliteDriver, dbName: cluster, ...(pglite ? { driverOptions: { pglite: () => pglite } } : {}) });
}

/** For tools that look for `mikro-orm.config.ts`: the configuration of the current environment. */
export default () => ormOptions(loadConfig(process.env).database);
