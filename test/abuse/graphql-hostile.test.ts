import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, graphql, login, post } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';
import { OPERATOR } from '../../src/core/audit.js';

let server: TestServer;
let token: string;

beforeAll(async () => {
  server = await startServer();
  await server.app.keyway.services.users.create({ username: 'victim', password: 'victim-password', role: 'viewer' }, OPERATOR);
  token = (await login(server.url, 'admin', ADMIN_PASSWORD)).token;
});

afterAll(() => server?.close());

const failedValidation = (reply: { status: number; body: any }) =>
  reply.status === 400 && reply.body.errors?.[0]?.extensions?.code === 'GRAPHQL_VALIDATION_FAILED';

describe('a hostile GraphQL request', () => {
  it('cannot nest deeper than the limit', async () => {
    const deep = `{ me { role { name } } verifyToken { payload { roles { GET } } } }`;
    expect((await graphql(server.url, deep, {}, token)).body.errors).toBeUndefined();
    const fragmentCycleFree = `query { me { ...A } } fragment A on User { role { ...B } } fragment B on Role { name permissions }`;
    expect((await graphql(server.url, fragmentCycleFree, {}, token)).body.data.me.role.name).toBe('admin');
    const tooDeep = `{ ${'me { role { name } }'} ${Array.from({ length: 9 }).reduce((inner: string) => `verifyToken { payload { ${inner} } }`, 'sub')} }`;
    expect(failedValidation(await graphql(server.url, tooDeep, {}, token))).toBe(true);
  });

  it('cannot repeat a field under many aliases', async () => {
    const aliases = Array.from({ length: 30 }, (_, n) => `a${n}: verifyToken { valid }`).join(' ');
    expect(failedValidation(await graphql(server.url, `{ ${aliases} }`))).toBe(true);
  });

  it('cannot try many passwords in one request, aliased or in fragments', async () => {
    const aliased = Array.from({ length: 20 }, (_, n) => `t${n}: login(username: "victim", password: "guess-${n}") { token }`).join(' ');
    const reply = await graphql(server.url, `mutation { ${aliased} }`);
    expect(failedValidation(reply)).toBe(true);
    expect(reply.text).not.toContain('"token"');

    const two = `mutation { ...A ...B } fragment A on Mutation { a: login(username: "victim", password: "one-guess") { token } }
      fragment B on Mutation { b: login(username: "victim", password: "two-guess") { token } }`;
    expect(failedValidation(await graphql(server.url, two))).toBe(true);

    // None of these reached the password check: the user still has every attempt.
    for (let n = 0; n < 5; n++) {
      expect((await post(server.url, '/login', { username: 'victim', password: 'wrong' })).status).toBe(401);
    }
    expect((await post(server.url, '/login', { username: 'victim', password: 'wrong' })).status).toBe(429);
  });

  it('cannot batch operations', async () => {
    const batch = [
      { query: 'mutation { login(username: "admin", password: "guess-1") { token } }' },
      { query: 'mutation { login(username: "admin", password: "guess-2") { token } }' },
    ];
    const reply = await post(server.url, '/graphql', batch);
    expect(reply.status).toBe(400);
    expect(reply.text).toContain('batch');
  });

  it('cannot exceed the cost or token limits', async () => {
    // The same field repeated without aliases merges into one, slipping past the alias limit; each still costs.
    const costly = 'verifyToken { valid code payload { sub roles { GET } } } '.repeat(150);
    expect(failedValidation(await graphql(server.url, `{ ${costly} }`))).toBe(true);
    const fair = 'verifyToken { valid code payload { sub roles { GET } } } '.repeat(5);
    expect((await graphql(server.url, `{ ${fair} }`)).status).toBe(200);
    const tokens = `{ me { ${'username '.repeat(2500)} } }`;
    const reply = await graphql(server.url, tokens, {}, token);
    expect(reply.status).toBe(400);
    expect(reply.body.errors[0].message).toMatch(/more that 2000 tokens/);
  });
});

describe('GraphQL over HTTP safety', () => {
  it('refuses a GET query that could be a cross-site request (CSRF prevention)', async () => {
    const reply = await call(server.url, `/graphql?query=${encodeURIComponent('{ __typename }')}`);
    expect(reply.status).toBe(400);
    expect(reply.text).toMatch(/CSRF|preflight/i);
    const simplePost = await post(server.url, '/graphql', '{"query":"{ __typename }"}', { headers: { 'content-type': 'text/plain' } });
    expect(simplePost.status).toBeGreaterThanOrEqual(400);
    expect(simplePost.status).toBeLessThan(500);
  });

  it('answers a GET query with a preflight header, and refuses a mutation over GET', async () => {
    const query = await call(server.url, `/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(query.body).toEqual({ data: { __typename: 'Query' } });
    const mutation = await call(
      server.url,
      `/graphql?query=${encodeURIComponent('mutation { login(username: "admin", password: "x") { token } }')}`,
      { headers: { 'apollo-require-preflight': 'true' } },
    );
    expect(mutation.status).toBe(405);
  });

  it('never echoes a rejected variable value (a password of the wrong type)', async () => {
    const reply = await graphql(server.url, 'mutation($p: String!) { login(username: "admin", password: $p) { token } }', {
      p: ['correct-horse-secret'],
    });
    expect(reply.status).toBe(400);
    expect(reply.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(reply.text).not.toContain('correct-horse-secret');
  });
});

describe('introspection', () => {
  it('is on by default outside production, and can be turned off', async () => {
    expect((await graphql(server.url, '{ __schema { queryType { name } } }')).body.data.__schema.queryType.name).toBe('Query');
    const closed = await startServer({ env: { GRAPHQL_INTROSPECTION: 'false' } });
    try {
      const reply = await graphql(closed.url, '{ __schema { queryType { name } } }');
      expect(failedValidation(reply)).toBe(true);
    } finally {
      await closed.close();
    }
  });
});
