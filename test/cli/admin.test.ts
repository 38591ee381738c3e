import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { call, login, post } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` holds, for at most a second (other instances learn by polling). */
async function within1s(check: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + 1000;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(25);
  }
  return check();
}

// Each command here boots the database on its own (PGlite: a few seconds): a few prove the path.
describe('the command line with no server running', { timeout: 120_000 }, () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    expect((await cli(database, ['init'])).code).toBe(0);
  });
  afterAll(() => database?.drop());

  it('opens the database itself, and a server then finds what it did', async () => {
    expect(await cli(database, ['users', 'create', 'Ana', '--role', 'vendedor'], 'ana-password\n')).toMatchObject({
      code: 0,
      stdout: 'created user Ana (vendedor)\n',
    });
    expect(await cli(database, ['users', 'delete', 'admin'])).toMatchObject({
      code: 1,
      stderr: 'keyway: The last enabled admin cannot be deleted\n',
    });
    const server = await startServer({ database });
    try {
      expect((await login(server.url, 'ana', 'ana-password')).user.role).toBe('vendedor');
    } finally {
      await server.stop();
    }
  });
});

describe('the command line while a server runs', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server?.close());

  // A dozen command lines, each its own process opening the database: on PostgreSQL (no control socket)
  // each one connects and checks migrations, which takes seconds on a loaded two-core machine.
  it('manages users and roles, reading passwords from standard input', { timeout: 120_000 }, async () => {
    const run = (args: string[], input?: string) => cli(server.database, args, input);
    expect(await run(['roles', 'set', 'auditor', 'get,put'])).toMatchObject({ code: 0, stdout: 'auditor: GET,PUT\n' });
    expect(await run(['users', 'create', 'Bea', '--role', 'auditor'], 'bea-password\n')).toMatchObject({
      code: 0,
      stdout: 'created user Bea (auditor)\n',
    });
    expect((await run(['users', 'set-role', 'bea', 'vendedor'])).stdout).toBe('Bea is now vendedor\n');
    expect((await run(['users', 'disable', 'BEA'])).stdout).toBe('Bea is disabled\n');
    expect((await run(['users', 'enable', 'bea'])).stdout).toBe('Bea is enabled\n');
    expect((await run(['users', 'set-password', 'bea'], 'bea-new-password')).stdout).toBe(
      'password of Bea set; their sessions are revoked\n',
    );
    expect((await post(server.url, '/login', { username: 'bea', password: 'bea-new-password' })).status).toBe(200);

    const users = await run(['users', 'list']);
    expect(users.stdout).toMatch(/^id\s+username\s+role\s+state\s+created\n1\s+admin\s+admin\s+enabled\s+\S+\n2\s+Bea\s+vendedor\s+enabled\s+\S+\n$/);
    expect((await run(['users', 'list', '--search', 'BE'])).stdout).toMatch(/^id\s+username\s+role\s+state\s+created\n2\s+Bea\s+vendedor\s+enabled\s+\S+\n$/);
    expect((await run(['roles', 'list'])).stdout).toContain('auditor    GET,PUT');
    expect((await run(['roles', 'delete', 'auditor'])).stdout).toBe('deleted role auditor\n');
    expect((await run(['users', 'delete', 'bea'])).stdout).toBe('deleted user Bea\n');
    expect((await post(server.url, '/login', { username: 'bea', password: 'bea-new-password' })).status).toBe(401);
  });

  it('refuses with one line and exit 1', async () => {
    const cases: Array<[string[], string | RegExp, string?]> = [
      [['users', 'create', 'bob', '--role', 'viewer'], 'keyway: password must be at least 8 characters\n', 'short\n'],
      [['users', 'create', 'bob'], 'keyway: "users create" needs --role <role> (see --help)\n', 'long-enough\n'],
      [['users', 'create', 'bob', '--role', 'viewer', '--password', 'x'], /^keyway: Unknown option '--password'.*\n$/],
      [['users', 'delete', 'admin'], 'keyway: The last enabled admin cannot be deleted\n'],
      [['users', 'disable', 'admin'], 'keyway: The last enabled admin cannot be disabled or demoted\n'],
      [['users', 'set-role', 'nobody', 'viewer'], 'keyway: No user named "nobody"\n'],
      [['roles', 'delete', 'admin'], 'keyway: Role "admin" is held by 1 user\n'],
      [['roles', 'delete', 'ghost'], 'keyway: Role "ghost" not found\n'],
      [['roles', 'set', 'x', 'GET,FLY'], 'keyway: permissions.1 must be GET, POST, PUT or DELETE\n'],
      [['users'], 'keyway: unknown command "users" (see --help)\n'],
    ];
    for (const [args, message, input] of cases) {
      const result = await cli(server.database, args, input);
      expect(result.code, args.join(' ')).toBe(1);
      if (typeof message === 'string') expect(result.stderr, args.join(' ')).toBe(message);
      else expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stdout).toBe('');
    }
  });

  it('refuses a name that hides what it is, or looks like another, with one line and exit 1', async () => {
    const cases: Array<[string[], string]> = [
      [['users', 'create', 'admin\u200B', '--role', 'viewer'], 'keyway: username must not contain invisible or formatting characters\n'],
      [['users', 'create', 'nimda\u202E', '--role', 'viewer'], 'keyway: username must not contain invisible or formatting characters\n'],
      [
        ['users', 'create', '\u0430dmin', '--role', 'viewer'],
        'keyway: username must not mix scripts (Latin may go with one other, but not Cyrillic or Greek)\n',
      ],
      [['users', 'create', '\uFDFA'.repeat(15), '--role', 'viewer'], 'keyway: username must be at most 254 characters, also once normalised\n'],
      [['users', 'create', 'adrnin', '--role', 'viewer'], 'keyway: The username "adrnin" looks like an existing one\n'],
    ];
    for (const [args, message] of cases) {
      expect(await cli(server.database, args, 'long-enough\n'), args.join(' ')).toEqual({ code: 1, stdout: '', stderr: message });
    }
  });

  it('creates a user whose name is in another script', async () => {
    expect(await cli(server.database, ['users', 'create', 'Дмитрий', '--role', 'viewer'], 'dmitry-password\n')).toMatchObject({
      code: 0,
      stdout: 'created user Дмитрий (viewer)\n',
    });
    expect((await login(server.url, 'дмитрий', 'dmitry-password')).user.username).toBe('Дмитрий');
  });

  it('creates a user the server logs in at once', async () => {
    const created = await cli(server.database, ['users', 'create', 'carmen', '--role', 'vendedor'], 'carmen-password\n');
    expect(created).toMatchObject({ code: 0, stdout: 'created user carmen (vendedor)\n' });
    expect((await login(server.url, 'carmen', 'carmen-password')).user.role).toBe('vendedor');
  });

  it('disables a user: the server refuses their login and, within a second, their tokens', async () => {
    const { token } = await login(server.url, 'carmen', 'carmen-password');
    expect((await cli(server.database, ['users', 'disable', 'carmen'])).code).toBe(0);
    expect((await post(server.url, '/login', { username: 'carmen', password: 'carmen-password' })).status).toBe(403);
    expect(await within1s(async () => (await call(server.url, '/products', { token })).status === 403)).toBe(true);
  });

  it('changes a role: tokens carrying the old one are refused within a second', async () => {
    await cli(server.database, ['users', 'enable', 'carmen']);
    const { token } = await login(server.url, 'carmen', 'carmen-password');
    expect((await cli(server.database, ['users', 'set-role', 'carmen', 'developer'])).code).toBe(0);
    expect(await within1s(async () => (await call(server.url, '/products', { token })).status === 403)).toBe(true);
    expect((await login(server.url, 'carmen', 'carmen-password')).user.role).toBe('developer');
  });
});
