import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { call, graphql, login, post, trpc } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';
import { OPERATOR } from '../../src/core/audit.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer({ env: { LOG_LEVEL: 'trace' } });
});

afterAll(() => server?.close());

describe('logs', () => {
  it('are JSON lines and carry no password, token, refresh token or hash, at any level', async () => {
    const secrets: string[] = [ADMIN_PASSWORD, 'a-wrong-password-123'];
    const stock = await post(server.url, '/login', { username: 'admin', password: ADMIN_PASSWORD });
    secrets.push(stock.body.token, stock.body.refreshToken);
    const b2 = await post(server.url, '/api/login', { _username: 'admin', _password: ADMIN_PASSWORD });
    secrets.push(b2.body.token);
    await post(server.url, '/login', { username: 'admin', password: 'a-wrong-password-123' });
    await post(server.url, '/api/verify_token', undefined, { token: stock.body.token });
    await call(server.url, '/products', { token: stock.body.token });
    const gql = await graphql(server.url, `mutation { login(username: "admin", password: "${ADMIN_PASSWORD}") { token refreshToken } }`);
    secrets.push(gql.body.data.login.token, gql.body.data.login.refreshToken);
    await trpc(server.url, 'mutation', 'auth.login', { username: 'admin', password: ADMIN_PASSWORD });
    await server.app.keyway.services.users.create({ username: 'logged', password: 'logged-password', role: 'viewer' }, OPERATOR);
    secrets.push('logged-password');

    for (const line of server.logs) expect(() => JSON.parse(line)).not.toThrow();
    // Every request above that carried a secret was logged: finding no secret below proves something.
    const requests = server.logs.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'incoming request');
    expect(new Set(requests.map(({ req }) => `${req.method} ${req.url}`))).toEqual(
      new Set(['POST /login', 'POST /api/login', 'POST /api/verify_token', 'GET /products', 'POST /graphql', 'POST /trpc/auth.login']),
    );
    const all = server.logs.join('\n');
    for (const secret of secrets) expect(all).not.toContain(secret);
    expect(all).not.toContain('$argon2id$');
    expect(all).not.toContain('PRIVATE KEY');
  });
});

describe('a database error', () => {
  it('is each door\'s 500, and is logged without its statement, parameters or row', { timeout: 120_000 }, async () => {
    const broken = await startServer();
    try {
      // A constraint the code knows nothing of: inserting this name fails in the database itself.
      const sql = broken.app.keyway.database.orm.em.getConnection();
      await sql.execute(`alter table users add constraint users_refused_check check (username <> 'refused-by-db')`);
      await sql.execute(`alter table login_attempts add constraint attempts_refused_check check (username_key <> 'refused-by-db')`);
      const admin = (await login(broken.url, 'admin', ADMIN_PASSWORD)).token;
      const input = { username: 'refused-by-db', password: 'db-error-password', role: 'viewer' };

      const gql = await graphql(broken.url, 'mutation($i: CreateUserInput!) { createUser(input: $i) { id } }', { i: input }, admin);
      expect(gql.body.errors[0]).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      const rpc = await trpc(broken.url, 'mutation', 'users.create', input, admin);
      expect([rpc.status, rpc.body.error.message, rpc.body.error.data.domainCode]).toEqual([500, 'Internal server error', 'INTERNAL_SERVER_ERROR']);
      // An unknown user's failed login is recorded: that insert fails.
      const stock = await post(broken.url, '/login', { username: 'refused-by-db', password: 'db-error-password' });
      expect([stock.status, stock.text]).toEqual([500, '{"message":"Error en el login"}']);
      const b2 = await post(broken.url, '/api/login', { _username: 'refused-by-db', _password: 'db-error-password' });
      expect([b2.status, b2.text]).toEqual([500, '{"code":500,"error":"Internal server error."}']);
      const line = await cli(broken.database, ['users', 'create', 'refused-by-db', '--role', 'viewer'], 'db-error-password\n');
      expect(line).toEqual({
        code: 1,
        stdout: '',
        stderr: 'keyway: internal error (CheckConstraintViolationException, SQLSTATE 23514, table users, constraint users_refused_check)\n',
      });

      const logged = broken.logs.join('\n');
      expect(logged).not.toMatch(/insert into|select |\$argon2|db-error-password/i);
      // What the logs do keep: which constraint of which table refused, on each path.
      const errors = broken.logs.map((text) => JSON.parse(text).err).filter(Boolean);
      const refusal = (table: string, constraint: string) => expect.objectContaining({ type: 'CheckConstraintViolationException', code: '23514', table, constraint });
      expect(errors.filter((err) => err.table === 'users')).toEqual(Array(broken.database.kind === 'pglite' ? 3 : 2).fill(refusal('users', 'users_refused_check')));
      expect(errors.filter((err) => err.table === 'login_attempts')).toEqual(Array(2).fill(refusal('login_attempts', 'attempts_refused_check')));
    } finally {
      await broken.close();
    }
  });
});

