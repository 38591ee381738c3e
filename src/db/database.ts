import { listenForChanges, type ChangeListener, type ListenOptions } from './notifications.js';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MikroORM } from '@mikro-orm/sql';
import { ormOptions } from '../../mikro-orm.config.js';
import type { DatabaseConfig } from '../config.js';
import { MIGRATIONS } from './migrations/index.js';
import { startEmbedded, type Embedded } from './pglite/embedded.js';

export type Orm = MikroORM;

export interface Database {
  orm: Orm;
  kind: DatabaseConfig['kind'];
  /** Runs `work` while no other Keyway instance on this database runs its own (migrations, first-start setup). */
  exclusively<T>(work: () => Promise<T>): Promise<T>;
  /** Whether the database answers a trivial query. */
  ping(): Promise<boolean>;
  /**
   * Tells `options.onChange` whenever another instance commits a revocation or
   * a key change (PostgreSQL's NOTIFY); on PGlite, one process, never.
   */
  listen(options: ListenOptions): Promise<ChangeListener>;
  /** The connection pool's state on PostgreSQL (for the metrics); null on PGlite, which has one connection. */
  poolStats(): Promise<{ total: number; idle: number; waiting: number } | null>;
  close(): Promise<void>;
}

/** A command that would work on an existing database found none (DATA_DIR or DATABASE_URL names a wrong place). */
export class NoDatabaseError extends Error {
  override name = 'NoDatabaseError';
}

export interface OpenOptions {
  /** Create the database when there is none (a server's first start); false for the command line. */
  create?: boolean;
  /** On PGlite, the embedded database already started (the server starts it before loading the rest); it is the database's to close. */
  embedded?: Embedded;
}

// An arbitrary constant: the advisory lock every Keyway instance takes around migrations and setup.
const SETUP_LOCK_KEY = 0x6b657977; // "keyw"

/**
 * Opens the database, holding the DATA_DIR lock first on PGlite, and brings
 * its schema up to date with the committed migrations.
 */
export async function openDatabase(
  config: DatabaseConfig,
  log: (message: string) => void,
  { create = true, embedded: given }: OpenOptions = {},
): Promise<Database> {
  const where = config.kind === 'pglite' ? `DATA_DIR ${resolve(config.dataDir)}` : 'the database of DATABASE_URL';
  const missing = () => new NoDatabaseError(`no Keyway database in ${where}: start the server once, or run "npm run cli -- init"`);
  // Checked before the lock, which would create the directory: a mistyped DATA_DIR stays uncreated.
  if (!given && !create && config.kind === 'pglite' && !existsSync(join(resolve(config.dataDir), 'pgdata', 'PG_VERSION'))) throw missing();
  let embedded = given;
  let orm: Orm | undefined;
  try {
    if (config.kind === 'pglite') embedded ??= await startEmbedded(config.dataDir);
    // MikroORM sends nothing before its first query: it sets up while PGlite starts.
    const initialising = ormOptions(config, log, embedded?.thread).then((options) => MikroORM.init(options));
    const [booted, initialised] = await Promise.allSettled([embedded?.thread.waitReady, initialising]);
    if (initialised.status === 'fulfilled') orm = initialised.value;
    if (booted.status === 'rejected') throw booted.reason;
    if (initialised.status === 'rejected') throw initialised.reason;
    const ready = initialised.value;
    const database = createDatabase(ready, config, async () => {
      await embedded?.close();
    });
    if (!create && !(await hasKeywayTables(ready))) throw missing();
    if (await hasPendingMigrations(ready)) await database.exclusively(() => ready.migrator.up());
    return database;
  } catch (error) {
    await orm?.close(true).catch(() => {});
    await embedded?.close();
    throw error;
  }
}

/**
 * Whether a committed migration is not recorded as executed, or the record cannot be read (no table
 * yet). Then MikroORM's migrator decides, under the setup lock; otherwise a restart costs this one
 * read instead of the migrator's look through the catalog, and no lock.
 */
async function hasPendingMigrations(orm: Orm): Promise<boolean> {
  const table = orm.config.get('migrations').tableName ?? 'mikro_orm_migrations';
  try {
    const rows = await orm.em.getConnection().execute<{ name: string }[]>(`select name from ${table}`);
    const executed = new Set(rows.map((row) => row.name));
    return MIGRATIONS.some((migration) => !executed.has(migration.name));
  } catch {
    return true;
  }
}

async function hasKeywayTables(orm: Orm): Promise<boolean> {
  const [row] = await orm.em.getConnection().execute<{ present: boolean }[]>("select to_regclass('users') is not null as present");
  return row?.present === true;
}

/** `release` frees what the ORM does not own: PGlite's thread and the DATA_DIR lock. */
function createDatabase(orm: Orm, config: DatabaseConfig, release: () => Promise<void>): Database {
  return {
    orm,
    kind: config.kind,
    async exclusively(work) {
      // PGlite has one process (the DATA_DIR lock says so) and hangs on advisory locks.
      if (config.kind === 'pglite') return work();
      // A session lock on a connection of its own: MikroORM creates its migrations table outside of
      // any transaction, so a transaction-scoped lock could not cover it. A crash drops the lock.
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: config.url, connectionTimeoutMillis: 5_000 });
      await client.connect();
      try {
        await client.query('select pg_advisory_lock($1)', [SETUP_LOCK_KEY]);
        return await work();
      } finally {
        await client.query('select pg_advisory_unlock($1)', [SETUP_LOCK_KEY]).catch(() => {});
        await client.end().catch(() => {});
      }
    },
    async ping() {
      try {
        await orm.em.getConnection().execute('select 1');
        return true;
      } catch {
        return false;
      }
    },
    async listen(options) {
      return config.kind === 'postgres' ? listenForChanges(config.url, options) : { close: async () => {} };
    },
    async poolStats() {
      if (config.kind !== 'postgres') return null;
      const connection = orm.em.getConnection() as unknown as { getNativeClient(): Promise<import('pg').Pool> };
      const pool = await connection.getNativeClient();
      return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
    },
    async close() {
      await orm.close();
      await release();
    },
  };
}
