import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { call, login, post } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';
import { OPERATOR } from '../../src/core/audit.js';

const kidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid as string;

describe('keys from the command line with no server running', { timeout: 120_000 }, () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    expect((await cli(database, ['init'])).code).toBe(0);
  });
  afterAll(() => database?.drop());

  it('rotates on the database itself', async () => {
    expect((await cli(database, ['keys', 'rotate'])).code).toBe(0);
    const listed = await cli(database, ['keys', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^kid\s+algorithm\s+state/);
    expect(listed.stdout.trim().split('\n')).toHaveLength(3);
    expect(listed.stdout).toMatch(/RS256\s+retired/);
  });
});

describe('the command line while a server runs on the same database', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
    await server.app.keyway.services.users.create({ username: 'sam', password: 'sam-password', role: 'viewer' }, OPERATOR);
  });
  afterAll(() => server?.close());

  it('rotates the key the server signs with, and old tokens keep verifying', async () => {
    const before = await login(server.url, 'sam', 'sam-password');
    const result = await cli(server.database, ['keys', 'rotate']);
    expect(result.code).toBe(0);
    const newKid = /^rotated: (\S+) signs from/.exec(result.stdout)?.[1];
    expect(newKid).toMatch(/^[\w-]{43}$/);
    // On PostgreSQL the server learns the key by polling, and it signs 750 ms after the rotation; on
    // PGlite the server did the work itself, and it signs at once.
    const after = await until(() => login(server.url, 'sam', 'sam-password'), (pair) => kidOf(pair.token) === newKid, 3000);
    expect(kidOf(after.token)).toBe(newKid);
    expect((await post(server.url, '/api/verify_token', undefined, { token: before.token })).status).toBe(200);
    const kids = (await call(server.url, '/.well-known/jwks.json')).body.keys.map((key: { kid: string }) => key.kid);
    expect(kids).toEqual([kidOf(before.token), newKid]);
  });

  it('fails with one line and exit 1, and prints its usage with --help', async () => {
    for (const [args, message] of [
      [['keys', 'spin'], 'keyway: unknown command "keys spin" (see --help)\n'],
      [['keys', 'list', 'extra'], 'keyway: "keys list" takes no arguments (see --help)\n'],
      [['sessions', 'revoke', 'nobody'], 'keyway: No user named "nobody"\n'],
    ] as const) {
      const result = await cli(server.database, [...args]);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr).toBe(message);
      expect(result.stdout).toBe('');
    }
    const help = await cli(server.database, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('keys rotate');
    expect(help.stdout).toContain('users create <name> --role <role>');
  });

  it("revokes a user's sessions, refused by the server within a second", async () => {
    const { token } = await login(server.url, 'sam', 'sam-password');
    const result = await cli(server.database, ['sessions', 'revoke', 'SAM']);
    expect(result).toMatchObject({ code: 0, stdout: expect.stringMatching(/^revoked \d+ sessions? of sam\n$/) });
    const refused = await until(() => call(server.url, '/products', { token }), (reply) => reply.status !== 200, 1000);
    expect(refused.status).toBe(403);
  });
});
