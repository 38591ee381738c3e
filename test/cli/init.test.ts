import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { createTestDatabase, DB_KIND, type TestDatabase } from '../helpers/database.js';
import { login } from '../helpers/http.js';
import { startServer } from '../helpers/server.js';

const HINT = 'start the server once, or run "npm run cli -- init"';

describe('the command line never invents a database', { timeout: 120_000 }, () => {
  let database: TestDatabase;
  beforeAll(async () => {
    // PGlite: an initialised cluster with none of Keyway's tables; PostgreSQL: an empty database.
    database = await createTestDatabase();
  });
  afterAll(() => database?.drop());

  const where = () => (DB_KIND === 'pglite' ? `DATA_DIR ${database.env.DATA_DIR}` : 'the database of DATABASE_URL');

  it.runIf(DB_KIND === 'pglite')('refuses a DATA_DIR that does not exist, and does not create it', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'keyway-typo-'));
    const typo = join(parent, 'no', 'such', 'data');
    try {
      const result = await cli({ ...database, env: { DATA_DIR: typo } }, ['users', 'list']);
      expect(result).toEqual({ code: 1, stdout: '', stderr: `keyway: no Keyway database in DATA_DIR ${typo}: ${HINT}\n` });
      expect(existsSync(join(parent, 'no'))).toBe(false);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('refuses a database with no Keyway tables, whatever the command', async () => {
    // Each command on PGlite boots the embedded database: one is enough there.
    const commands = [['users', 'list'], ['keys', 'rotate'], ['roles', 'set', 'x', 'GET']];
    for (const args of DB_KIND === 'pglite' ? commands.slice(0, 1) : commands) {
      expect(await cli(database, args)).toEqual({ code: 1, stdout: '', stderr: `keyway: no Keyway database in ${where()}: ${HINT}\n` });
    }
  });

  it('creates one on `init` only, showing the generated admin password once', async () => {
    const first = await cli(database, ['init']);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('the Keyway database is ready\n');
    const password = /^keyway: Created admin user "admin" with the generated password (\S+) \(shown once; change it\)\n$/.exec(first.stderr)?.[1];
    expect(password, first.stderr).toBeDefined();

    expect(await cli(database, ['init'])).toEqual({ code: 0, stdout: 'the Keyway database is ready\n', stderr: '' });

    const server = await startServer({ database });
    try {
      expect((await login(server.url, 'admin', password!)).user.role).toBe('admin');
      // While a server runs, `init` is handed to it like any other command.
      if (DB_KIND === 'pglite') expect(await cli(database, ['init'])).toMatchObject({ code: 0, stdout: 'the Keyway database is ready\n' });
    } finally {
      await server.stop();
    }
  });
});
