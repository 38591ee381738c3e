import { createTRPCClient, httpBatchLink, httpBatchStreamLink } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../../src/doors/trpc/index.js';
import { call, post, trpc } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';
import { OPERATOR } from '../../src/core/audit.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
  const { users } = server.app.keyway.services;
  await users.create({ username: 'tomas', password: 'tomas-password', role: 'vendedor' }, OPERATOR);
  const disabled = await users.create({ username: 'tired', password: 'tired-password', role: 'viewer' }, OPERATOR);
  await users.update(disabled.id, { disabled: true }, OPERATOR);
});

afterAll(() => server?.close());

describe('tRPC auth.login', () => {
  it('answers plain JSON: the pair, ISO dates, the user with their role', async () => {
    const reply = await trpc(server.url, 'mutation', 'auth.login', { username: 'tomas', password: 'tomas-password' });
    expect(reply.status).toBe(200);
    const data = reply.body.result.data;
    expect(data.user).toEqual({
      id: expect.any(Number),
      username: 'tomas',
      role: { name: 'vendedor', permissions: ['GET', 'PUT'] },
      disabled: false,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(data.expiresAt).toMatch(/Z$/);
    expect((await call(server.url, '/products', { token: data.token })).status).toBe(200);
  });

  it.each([
    ['an unknown username', { username: 'nobody', password: 'x' }, 401, 'UNAUTHORIZED', 'USER_NOT_FOUND'],
    ['a wrong password', { username: 'tomas', password: 'nope' }, 401, 'UNAUTHORIZED', 'INVALID_PASSWORD'],
    ['a disabled user', { username: 'tired', password: 'tired-password' }, 403, 'FORBIDDEN', 'USER_DISABLED'],
    ['input of the wrong type', { username: 7, password: 'x' }, 400, 'BAD_REQUEST', 'BAD_USER_INPUT'],
  ])('answers %s with %i %s / %s', async (_case, input, status, code, domainCode) => {
    const reply = await trpc(server.url, 'mutation', 'auth.login', input);
    expect(reply.status).toBe(status);
    expect(reply.body.error.data).toMatchObject({ code, httpStatus: status, domainCode, path: 'auth.login' });
    expect(reply.body.error.data.stack).toBeUndefined();
  });

  it('refuses input that is not JSON without quoting it (it may hold a password)', async () => {
    const json = { 'content-type': 'application/json' };
    const { token } = (await trpc(server.url, 'mutation', 'auth.login', { username: 'tomas', password: 'tomas-password' })).body.result.data;
    const replies = [
      await post(server.url, '/trpc/auth.login', '{"username":"tomas","password": Kwsecret1; "Kwsecret2"}', { headers: json }),
      await post(server.url, '/trpc/auth.login?batch=1', '{"0":{"username":"tomas","password":"Kwsecret1\nKwsecret2}}', { headers: json }),
      await call(server.url, `/trpc/products.list?input=${encodeURIComponent('{"password": Kwsecret1 Kwsecret2}')}`, { token }),
    ];
    for (const reply of replies) {
      expect(reply.text).not.toMatch(/Kwsecret/);
      expect(reply.status).toBe(400);
      // A batch answers with one error per call.
      const answer = Array.isArray(reply.body) ? reply.body[0] : reply.body;
      expect(answer).toMatchObject({ error: { message: 'Input is not valid JSON', data: { code: 'BAD_REQUEST', domainCode: 'BAD_USER_INPUT' } } });
    }
  });

  it('names the fields at fault in error.data.fields', async () => {
    const reply = await trpc(server.url, 'mutation', 'auth.login', { username: 'tomas' });
    expect(reply.body.error.data.fields).toEqual({ password: [expect.any(String)] });
  });
});

describe('tRPC auth.verifyToken and auth.me', () => {
  let token: string;
  beforeAll(async () => {
    token = (await trpc(server.url, 'mutation', 'auth.login', { username: 'admin', password: ADMIN_PASSWORD })).body.result.data.token;
  });

  it('verifies a given token, or the bearer token when none is given, as a mutation', async () => {
    const given = await trpc(server.url, 'mutation', 'auth.verifyToken', { token });
    expect(given.body.result.data).toMatchObject({ valid: true, code: null, payload: { username: 'admin', role: 'admin' } });
    const bearer = await trpc(server.url, 'mutation', 'auth.verifyToken', undefined, token);
    expect(bearer.body.result.data.valid).toBe(true);
    const bad = await trpc(server.url, 'mutation', 'auth.verifyToken', { token: 'nope' });
    expect(bad.body.result.data).toEqual({ valid: false, code: 'TOKEN_INVALID', payload: null });
  });

  it('answers me for a signed-in caller, UNAUTHORIZED otherwise', async () => {
    const me = await trpc(server.url, 'query', 'auth.me', undefined, token);
    expect(me.body.result.data.username).toBe('admin');
    const anonymous = await trpc(server.url, 'query', 'auth.me');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.data).toMatchObject({ code: 'UNAUTHORIZED', domainCode: 'UNAUTHENTICATED' });
  });

  it('accepts a mutation with a stale bearer token on a public procedure', async () => {
    const reply = await post(server.url, '/trpc/auth.login', { username: 'tomas', password: 'tomas-password' }, { token: 'stale.token.here' });
    expect(reply.status).toBe(200);
  });

  it('answers an unknown procedure with 404 NOT_FOUND', async () => {
    const reply = await trpc(server.url, 'query', 'auth.nothing');
    expect(reply.status).toBe(404);
    expect(reply.body.error.data.code).toBe('NOT_FOUND');
  });

  it('answers a batch in one piece, and streams it to httpBatchStreamLink', async () => {
    const token = (await trpc(server.url, 'mutation', 'auth.login', { username: 'tomas', password: 'tomas-password' })).body.result.data.token;
    const queries = '/trpc/auth.me,products.list?batch=1&input=%7B%7D';
    const plain = await call(server.url, queries, { token });
    expect(plain.headers.get('content-length')).toBe(String(Buffer.byteLength(plain.text)));
    expect(plain.body.map((item: any) => Object.keys(item.result.data))).toEqual([expect.arrayContaining(['username']), []]);
    const mutations = await post(server.url, '/trpc/auth.verifyToken,auth.verifyToken?batch=1', { 0: {}, 1: { token: 'nope' } }, { token });
    expect(mutations.headers.get('content-length')).toBe(String(Buffer.byteLength(mutations.text)));
    expect(mutations.body.map((item: any) => item.result.data.valid)).toEqual([true, false]);

    const streamed = await call(server.url, queries, { token, headers: { 'trpc-accept': 'application/jsonl' } });
    expect(streamed.headers.get('transfer-encoding')).toBe('chunked');
    expect(streamed.headers.get('content-length')).toBeNull();

    for (const link of [httpBatchLink, httpBatchStreamLink]) {
      const client = createTRPCClient<AppRouter>({ links: [link({ url: `${server.url}/trpc`, headers: { authorization: `Bearer ${token}` } })] });
      const [verdict, me] = await Promise.all([client.auth.verifyToken.mutate(), client.auth.me.query()]);
      expect(verdict.valid).toBe(true);
      expect(me.username).toBe('tomas');
    }
  });
});
