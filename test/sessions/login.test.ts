import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, login, post, trpc } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { OPERATOR } from '../../src/core/audit.js';

/**
 * A login stores its session while argon2 checks the password. A check that
 * fails (a wrong password, a disabled user, a throttled attempt) must take
 * the session back: counted here by revoking every live session of the user.
 */

let server: TestServer;
const ids: Record<string, number> = {};

const LOGIN = `mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`;

/** One attempt on each door; their statuses (GraphQL answers 200 with its error's code). */
async function everyDoor(username: string, password: string): Promise<unknown[]> {
  const rest = await post(server.url, '/login', { username, password });
  const b2market = await post(server.url, '/api/login', { _username: username, _password: password });
  const gql = await graphql(server.url, LOGIN, { u: username, p: password });
  const rpc = await trpc(server.url, 'mutation', 'auth.login', { username, password });
  return [rest.status, b2market.status, gql.body.errors?.[0]?.extensions?.code ?? 'OK', rpc.status];
}

const liveSessions = async (username: string) => {
  const { users, sessions } = server.app.keyway.services;
  return sessions.revokeAll(await users.findByUsername(username), OPERATOR);
};

beforeAll(async () => {
  server = await startServer({ env: { LOGIN_MAX_FAILURES: '8' } });
  const { users } = server.app.keyway.services;
  for (const name of ['wendy', 'dora', 'tessa', 'sam']) {
    ids[name] = (await users.create({ username: name, password: `${name}-password`, role: 'viewer' }, OPERATOR)).id;
  }
  await users.update(ids.dora!, { disabled: true }, OPERATOR);
});

afterAll(() => server?.close());

describe('a login that fails leaves no session behind', () => {
  it('after a wrong password', async () => {
    expect(await everyDoor('wendy', 'not-wendys-password')).toEqual([401, 401, 'INVALID_PASSWORD', 401]);
    expect(await liveSessions('wendy')).toBe(0);
  });

  it('after the right password of a disabled user', async () => {
    expect(await everyDoor('dora', 'dora-password')).toEqual([403, 403, 'USER_DISABLED', 403]);
    expect(await liveSessions('dora')).toBe(0);
  });

  it('after the right password refused by the throttle', async () => {
    for (let n = 0; n < 2; n++) await everyDoor('tessa', 'not-tessas-password');
    expect(await everyDoor('tessa', 'tessa-password')).toEqual([429, 429, 'TOO_MANY_REQUESTS', 429]);
    expect(await liveSessions('tessa')).toBe(0);
  });

  it('while each successful login keeps its own', async () => {
    expect(await everyDoor('sam', 'sam-password')).toEqual([200, 200, 'OK', 200]);
    await login(server.url, 'sam', 'sam-password');
    expect(await liveSessions('sam')).toBe(5);
  });
});
