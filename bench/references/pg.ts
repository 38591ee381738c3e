import pg from 'pg';
import { serveDataPaths } from './data-paths.js';

/** The data paths on PostgreSQL: node:http and a pg Pool of Keyway's size (10), on DATABASE_URL. */
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
serveDataPaths({ query: async (sql, params) => (await pool.query(sql, params)).rows });
