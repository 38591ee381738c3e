import { PGlite } from '@electric-sql/pglite';
import { serveDataPaths } from './data-paths.js';

/**
 * The data paths on PGlite: node:http and PGlite's own client, on the event
 * loop (PGlite runs on the thread that calls it), in PGLITE_DIR: a copy of a
 * Keyway's DATA_DIR/pgdata taken once that Keyway had stopped.
 */
const db = await PGlite.create({ dataDir: process.env.PGLITE_DIR });
serveDataPaths({ query: async <T>(sql: string, params: unknown[]) => (await db.query<T>(sql, params)).rows });
