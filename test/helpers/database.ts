import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';

/** Which database this project's run is for (vitest.config.ts sets it per project). */
export const DB_KIND = (process.env.KEYWAY_TEST_DB ?? 'pglite') as 'pglite' | 'postgres';

/** A fresh, empty database of the run's kind, and the environment that points Keyway at it. */
export interface TestDatabase {
  kind: 'pglite' | 'postgres';
  env: Record<string, string>;
  drop(): Promise<void>;
}

/**
 * On PGlite the cluster is a copy of the run's initialised empty one (see
 * pglite-global.ts) unless `fresh` asks for a directory with nothing in it.
 */
export async function createTestDatabase(options: { fresh?: boolean } = {}): Promise<TestDatabase> {
  if (DB_KIND === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'keyway-pglite-'));
    if (!options.fresh) cpSync(inject('pgliteTemplate'), join(dir, 'pgdata'), { recursive: true });
    return { kind: 'pglite', env: { DATA_DIR: dir }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  return createPostgresDatabase(inject('postgresUrl'));
}

/** A new database on the server of `serverUrl`, dropped (connections and all) by `drop`. */
export async function createPostgresDatabase(serverUrl: string): Promise<TestDatabase> {
  const name = `keyway_test_${randomBytes(6).toString('hex')}`;
  await onServer(serverUrl, (client) => client.query(`create database "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    kind: 'postgres',
    env: { DATABASE_URL: url.toString() },
    drop: () => onServer(serverUrl, (client) => client.query(`drop database if exists "${name}" with (force)`)).then(() => {}),
  };
}

async function onServer<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
