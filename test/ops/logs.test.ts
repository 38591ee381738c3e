import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, graphql, post, trpc } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';

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
    await server.app.keyway.services.users.create({ username: 'logged', password: 'logged-password', role: 'viewer' });
    secrets.push('logged-password');

    expect(server.logs.length).toBeGreaterThan(10);
    for (const line of server.logs) expect(() => JSON.parse(line)).not.toThrow();
    const all = server.logs.join('\n');
    for (const secret of secrets) expect(all).not.toContain(secret);
    expect(all).not.toContain('$argon2id$');
    expect(all).not.toContain('PRIVATE KEY');
  });
});
