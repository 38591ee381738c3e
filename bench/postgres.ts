import pg from 'pg';
import { findPostgresBin, startPostgresCluster } from '../test/helpers/postgres.js';
import { onTeardown } from './harness.js';

/**
 * The PostgreSQL server the bench runs a Keyway on: a database of its own on
 * BENCH_DATABASE_URL's server (created, then dropped), or else a throwaway
 * cluster as the tests start one; when there is neither, the reason why not.
 */
export async function postgresForBench(): Promise<{ url: string } | { skipped: string }> {
  const server = process.env.BENCH_DATABASE_URL;
  if (server) return { url: await databaseOfItsOwn(server) };
  if (!findPostgresBin()) return { skipped: 'PostgreSQL is not installed (no initdb) and BENCH_DATABASE_URL is not set' };
  const cluster = await startPostgresCluster();
  onTeardown(() => cluster.destroy());
  return { url: cluster.url };
}

/** Seeding adds products with fixed SKUs: a second run in the same database would find them taken. */
async function databaseOfItsOwn(server: string): Promise<string> {
  const name = `keyway_bench_${process.pid}_${Date.now()}`;
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: server });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`create database ${name}`);
  onTeardown(() => run(`drop database if exists ${name} with (force)`));
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}
