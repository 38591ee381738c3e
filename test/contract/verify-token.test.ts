import { createTRPCClient, httpBatchLink, httpLink } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../../src/doors/trpc/index.js';
import { call, graphql, login, post, type Reply } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { EXPIRED, resign } from '../helpers/tokens.js';
import { OPERATOR } from '../../src/core/audit.js';

/**
 * verifyToken is a mutation on GraphQL and on tRPC: the token travels as an
 * argument in a POST body, or as the bearer header, never in a URL. Every
 * form must give the same verdict for the same token. GraphQL's
 * `Query.verifyToken` stays beside the mutation and answers the same.
 */

let server: TestServer;
const t = {} as Record<'valid' | 'expired' | 'tampered' | 'revoked', string>;
let validClaims: Record<string, unknown>;

const decode = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());

beforeAll(async () => {
  server = await startServer();
  const { users } = server.app.keyway.services;
  await users.create({ username: 'vera', password: 'vera-password', role: 'viewer' }, OPERATOR);

  t.valid = (await login(server.url, 'vera', 'vera-password')).token;
  validClaims = decode(t.valid);
  // Signed by Keyway's own key, for a live session, but past its expiry.
  t.expired = await resign(server, t.valid, EXPIRED());
  const [header, , signature] = t.valid.split('.');
  t.tampered = `${header}.${Buffer.from(JSON.stringify({ ...validClaims, role: 'admin' })).toString('base64url')}.${signature}`;
  t.revoked = (await login(server.url, 'vera', 'vera-password')).token;
  expect((await graphql(server.url, 'mutation { logout }', {}, t.revoked)).body).toEqual({ data: { logout: true } });
});

afterAll(() => server?.close());

type Case = keyof typeof t | 'not a JWT';
const tokenOf = (name: Case) => (name === 'not a JWT' ? 'not-a-jwt' : t[name]);
const CODES: Record<Case, string | null> = {
  valid: null,
  expired: 'TOKEN_EXPIRED',
  tampered: 'TOKEN_INVALID',
  'not a JWT': 'TOKEN_INVALID',
  revoked: 'SESSION_REVOKED',
};
const CASES = Object.keys(CODES) as Case[];

const SELECTION = '{ valid code payload { sub username role sid } }';

/** Each way of asking; `expectedReply` gives each door's exact answer. */
const FORMS: Record<string, (token: string) => Promise<Reply>> = {
  'GraphQL mutation, token argument': (token) => graphql(server.url, `mutation($t: String) { verifyToken(token: $t) ${SELECTION} }`, { t: token }),
  'GraphQL mutation, bearer header only': (token) => graphql(server.url, `mutation { verifyToken ${SELECTION} }`, {}, token),
  'GraphQL query (kept), token argument': (token) => graphql(server.url, `query($t: String) { verifyToken(token: $t) ${SELECTION} }`, { t: token }),
  'GraphQL query (kept), bearer header only': (token) => graphql(server.url, `{ verifyToken ${SELECTION} }`, {}, token),
  'tRPC POST, token in the body': (token) => post(server.url, '/trpc/auth.verifyToken', { token }),
  'tRPC POST, bearer header only': (token) => post(server.url, '/trpc/auth.verifyToken', {}, { token }),
};

function expectedReply(form: string, name: Case): unknown {
  const code = CODES[name];
  if (form.startsWith('GraphQL')) {
    const payload = code === null ? { sub: validClaims.sub, username: 'vera', role: 'viewer', sid: validClaims.sid } : null;
    return { data: { verifyToken: { valid: code === null, code, payload } } };
  }
  return { result: { data: { valid: code === null, code, payload: code === null ? validClaims : null } } };
}

describe('verifyToken answers the same verdict in every form', () => {
  const table = Object.keys(FORMS).flatMap((form) => CASES.map((name) => [form, name] as const));
  it.each(table)('%s: %s', async (form, name) => {
    const reply = await FORMS[form]!(tokenOf(name));
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(expectedReply(form, name));
  });

  it('answers valid: false, TOKEN_INVALID, when there is neither a token nor a header', async () => {
    expect((await graphql(server.url, `mutation { verifyToken ${SELECTION} }`)).body).toEqual({
      data: { verifyToken: { valid: false, code: 'TOKEN_INVALID', payload: null } },
    });
    expect((await post(server.url, '/trpc/auth.verifyToken', {})).body).toEqual({ result: { data: { valid: false, code: 'TOKEN_INVALID', payload: null } } });
  });

  it('prefers the token given to the bearer header', async () => {
    const reply = await post(server.url, '/trpc/auth.verifyToken', { token: t.expired }, { token: t.valid });
    expect(reply.body.result.data).toEqual({ valid: false, code: 'TOKEN_EXPIRED', payload: null });
    const graph = await graphql(server.url, 'mutation($t: String) { verifyToken(token: $t) { code } }', { t: t.valid }, t.expired);
    expect(graph.body).toEqual({ data: { verifyToken: { code: null } } });
  });

  it('is a typed mutation for @trpc/client, with or without a token, batched or not', async () => {
    for (const link of [httpLink, httpBatchLink]) {
      const client = createTRPCClient<AppRouter>({ links: [link({ url: `${server.url}/trpc`, headers: { authorization: `Bearer ${t.valid}` } })] });
      const [bearer, given] = await Promise.all([client.auth.verifyToken.mutate(), client.auth.verifyToken.mutate({ token: t.revoked })]);
      expect(bearer).toEqual({ valid: true, code: null, payload: validClaims });
      expect(given).toEqual({ valid: false, code: 'SESSION_REVOKED', payload: null });
    }
  });
});

describe('a token in a URL is refused', () => {
  it('tRPC: GET auth.verifyToken is 405 METHOD_NOT_SUPPORTED, with or without input', async () => {
    const withInput = `/trpc/auth.verifyToken?input=${encodeURIComponent(JSON.stringify({ token: t.valid }))}`;
    for (const path of [withInput, '/trpc/auth.verifyToken']) {
      const reply = await call(server.url, path, { token: t.valid });
      expect(reply.status).toBe(405);
      expect(reply.headers.get('allow')).toBe('POST');
      expect(reply.body).toEqual({
        error: {
          message: 'Unsupported GET-request to mutation procedure at path "auth.verifyToken"',
          code: -32005,
          data: { code: 'METHOD_NOT_SUPPORTED', httpStatus: 405, path: 'auth.verifyToken', domainCode: 'BAD_USER_INPUT' },
        },
      });
    }
  });

  it('tRPC: a GET batch naming auth.verifyToken beside a query is refused whole, 400', async () => {
    const input = encodeURIComponent(JSON.stringify({ 1: { token: t.valid } }));
    const reply = await call(server.url, `/trpc/auth.me,auth.verifyToken?batch=1&input=${input}`, { token: t.valid });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({
      error: {
        message: 'Cannot mix procedure types in call: query, mutation',
        code: -32600,
        data: { code: 'BAD_REQUEST', httpStatus: 400, domainCode: 'BAD_USER_INPUT' },
      },
    });
  });

  it('tRPC: a POST needs a JSON body, even an empty object (tRPC refuses one without a content type)', async () => {
    const reply = await call(server.url, '/trpc/auth.verifyToken', { method: 'POST', token: t.valid });
    expect(reply.status).toBe(415);
    expect(reply.body).toEqual({
      error: { message: 'Missing content-type header', code: -32015, data: { code: 'UNSUPPORTED_MEDIA_TYPE', httpStatus: 415, domainCode: 'BAD_USER_INPUT' } },
    });
  });

  const preflight = { 'apollo-require-preflight': 'true' };
  const refused = {
    errors: [{ message: 'A token travels in a POST body or the Authorization header, never in a URL', extensions: { code: 'BAD_REQUEST' } }],
  };

  it.each([
    ['an inline argument', `{ verifyToken(token: "TOKEN") { valid } }`, undefined],
    ['a variable', 'query($t: String) { verifyToken(token: $t) { valid } }', { t: 'TOKEN' }],
    ['an alias in a fragment', 'query { ...F } fragment F on Query { check: verifyToken(token: "TOKEN") { valid } }', undefined],
  ])('GraphQL: GET Query.verifyToken with %s is 405, and not verified', async (_case, query, variables) => {
    const params = new URLSearchParams({ query: query.replace('TOKEN', t.valid) });
    if (variables) params.set('variables', JSON.stringify({ t: t.valid }));
    const reply = await call(server.url, `/graphql?${params}`, { headers: preflight });
    expect(reply.status).toBe(405);
    expect(reply.headers.get('allow')).toBe('POST');
    expect(reply.body).toEqual(refused);
  });

  it('GraphQL: GET Query.verifyToken with the bearer header only still answers', async () => {
    const reply = await call(server.url, `/graphql?${new URLSearchParams({ query: '{ verifyToken { valid code } }' })}`, { headers: preflight, token: t.valid });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ data: { verifyToken: { valid: true, code: null } } });
  });

  it('GraphQL: GET Mutation.verifyToken is refused as any mutation over GET', async () => {
    const reply = await call(server.url, `/graphql?${new URLSearchParams({ query: 'mutation { verifyToken { valid } }' })}`, { headers: preflight, token: t.valid });
    expect(reply.status).toBe(405);
    expect(reply.body.errors[0].extensions).toEqual({ code: 'BAD_REQUEST' });
  });
});
