import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, graphql, post } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';
import { OPERATOR } from '../../src/core/audit.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
  const { users } = server.app.keyway.services;
  await users.create({ username: 'gina', password: 'gina-password', role: 'developer' }, OPERATOR);
  const disabled = await users.create({ username: 'gone', password: 'gone-password', role: 'viewer' }, OPERATOR);
  await users.update(disabled.id, { disabled: true }, OPERATOR);
});

afterAll(() => server?.close());

const LOGIN = `mutation Login($u: String!, $p: String!) {
  login(username: $u, password: $p) {
    token refreshToken expiresAt
    user { id username disabled createdAt role { name permissions } }
  }
}`;

describe('GraphQL login', () => {
  it('answers an AuthPayload whose token works on every door', async () => {
    const reply = await graphql(server.url, LOGIN, { u: 'gina', p: 'gina-password' });
    expect(reply.status).toBe(200);
    const { login } = reply.body.data;
    expect(login.user).toMatchObject({
      username: 'gina',
      disabled: false,
      role: { name: 'developer', permissions: ['GET', 'POST', 'PUT', 'DELETE'] },
    });
    expect(login.user.id).toMatch(/^\d+$/);
    expect(Date.parse(login.expiresAt)).toBeGreaterThan(Date.now());
    expect((await call(server.url, '/products', { token: login.token })).status).toBe(200);
    expect((await post(server.url, '/api/verify_token', undefined, { token: login.token })).status).toBe(200);
    expect((await call(server.url, '/trpc/auth.me', { token: login.token })).body.result.data.username).toBe('gina');
  });

  it.each([
    ['an unknown username', 'nobody', 'whatever-pw', 'USER_NOT_FOUND'],
    ['a wrong password', 'gina', 'wrong-password', 'INVALID_PASSWORD'],
    ['a disabled user', 'gone', 'gone-password', 'USER_DISABLED'],
    ['an empty username', '', 'whatever-pw', 'BAD_USER_INPUT'],
  ])('answers %s with extensions.code %s and no data', async (_case, u, p, code) => {
    const reply = await graphql(server.url, LOGIN, { u, p });
    expect(reply.body.data).toBeNull();
    expect(reply.body.errors).toHaveLength(1);
    expect(reply.body.errors[0].extensions).toMatchObject({ code });
    expect(reply.body.errors[0].extensions.stacktrace).toBeUndefined();
  });
});

describe('GraphQL verifyToken', () => {
  let token: string;
  beforeAll(async () => {
    token = (await graphql(server.url, LOGIN, { u: 'admin', p: ADMIN_PASSWORD })).body.data.login.token;
  });

  const VERIFY = `query($t: String) { verifyToken(token: $t) {
    valid code payload { sub id username role roles { GET POST PUT DELETE } iat exp iss aud jti sid amr }
  } }`;

  it('answers a valid token with every claim', async () => {
    const reply = await graphql(server.url, VERIFY, { t: token });
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(reply.body.data.verifyToken).toEqual({ valid: true, code: null, payload: { ...claims, aud: null } });
  });

  it("verifies the request's bearer token when the argument is omitted", async () => {
    const reply = await graphql(server.url, VERIFY, {}, token);
    expect(reply.body.data.verifyToken.valid).toBe(true);
    expect(reply.body.data.verifyToken.payload.username).toBe('admin');
  });

  it('answers a bad token with valid: false and a code, not an error', async () => {
    for (const bad of ['garbage', `${token}x`, 'a.b.c']) {
      const reply = await graphql(server.url, VERIFY, { t: bad });
      expect(reply.body.errors).toBeUndefined();
      expect(reply.body.data.verifyToken).toEqual({ valid: false, code: 'TOKEN_INVALID', payload: null });
    }
    const none = await graphql(server.url, VERIFY, {});
    expect(none.body.data.verifyToken).toEqual({ valid: false, code: 'TOKEN_INVALID', payload: null });
  });
});

describe('GraphQL me, guarded by @auth', () => {
  it('answers the signed-in user', async () => {
    const { token } = (await graphql(server.url, LOGIN, { u: 'gina', p: 'gina-password' })).body.data.login;
    const reply = await graphql(server.url, '{ me { username role { name } } }', {}, token);
    expect(reply.body.data.me).toEqual({ username: 'gina', role: { name: 'developer' } });
  });

  it('answers an anonymous or badly authenticated caller with UNAUTHENTICATED', async () => {
    for (const token of [undefined, 'not-a-token', 'eyJhbGciOiJub25lIn0.e30.']) {
      const reply = await graphql(server.url, '{ me { username } }', {}, token);
      expect(reply.body.data).toBeNull();
      expect(reply.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(reply.body.errors[0].path).toEqual(['me']);
    }
  });
});

describe('GraphQL errors give nothing away', () => {
  it('names no field in a validation error and shows no stack', async () => {
    const reply = await graphql(server.url, '{ mee { username } }');
    expect(reply.status).toBe(400);
    expect(reply.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(reply.text).not.toMatch(/Did you mean/);
    expect(reply.text).not.toMatch(/stacktrace/);
  });

  it('strips suggestions from variable errors too', async () => {
    const reply = await graphql(server.url, 'query($t: Strin) { verifyToken(token: $t) { valid } }', { t: 'x' });
    expect(reply.status).toBe(400);
    expect(reply.text).not.toMatch(/Did you mean/);
  });
});

describe('schema.graphql', () => {
  it('declares @auth and uses it on me', async () => {
    const { readFile } = await import('node:fs/promises');
    const sdl = await readFile('schema.graphql', 'utf8');
    expect(sdl).toContain('directive @auth(roles: [String!], permissions: [Permission!], mfa: Boolean, clients: Boolean) on FIELD_DEFINITION | OBJECT');
    expect(sdl).toMatch(/me: User! @auth/);
  });
});
