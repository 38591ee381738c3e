import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, graphql, login, post, trpc, type Reply } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { EXPIRED, resign } from '../helpers/tokens.js';

/**
 * One behaviour, three doors: each scenario runs through REST
 * (StockAPI's dialect), GraphQL and tRPC; each door must answer in its own
 * form, and the three forms must name the same outcome.
 */

type Door = 'rest' | 'graphql' | 'trpc';

interface Scenario {
  /** The outcome every door must reach, as the core names it. */
  outcome: string;
  /**
   * For a refused token, why: GraphQL and tRPC answer the code with this message. REST answers
   * every refused token alike, as StockAPI did, so there the outcome is TOKEN_REFUSED.
   */
  why?: string;
  rest(): Promise<Reply>;
  graphql(): Promise<Reply>;
  trpc(): Promise<Reply>;
}

let server: TestServer;
const t = {} as Record<'viewer' | 'expired' | 'tampered' | 'revoked', string>;

/** A tampered or revoked token is "not signed in"; an expired one is told apart, so a client knows to refresh. */
const TOKEN_CODES = new Set(['UNAUTHENTICATED', 'TOKEN_EXPIRED']);

/** Each door's own form of each outcome, exactly; anything else is reported as it came. */
const FORMS: Record<Door, (reply: Reply) => string> = {
  rest(reply) {
    const forms: Record<string, string> = {
      '401 {"message":"Usuario no encontrado"}': 'USER_NOT_FOUND',
      '401 {"message":"Contraseña incorrecta"}': 'INVALID_PASSWORD',
      '403 {"message":"Usuario deshabilitado"}': 'USER_DISABLED',
      '403 {"message":"Token expirado o inválido"}': 'TOKEN_REFUSED', // StockAPI's one answer, whatever the fault
      '403 {"message":"Permiso denegado"}': 'FORBIDDEN',
    };
    if (reply.status === 200 && reply.body?.token) return 'OK';
    if (reply.status === 429 && /^\{"message":"Demasiados intentos\. Intente de nuevo en (\d+) segundos"\}$/.exec(reply.text)?.[1] === reply.headers.get('retry-after')) {
      return 'TOO_MANY_REQUESTS';
    }
    if (reply.status === 400 && reply.body?.message === 'Datos inválidos' && reply.body.errors) return 'BAD_USER_INPUT';
    return forms[`${reply.status} ${reply.text}`] ?? `unexpected ${reply.status} ${reply.text}`;
  },
  graphql(reply) {
    if (reply.body?.data?.login?.token) return 'OK';
    const extensions = reply.body?.errors?.[0]?.extensions;
    if (!extensions) return `unexpected ${reply.status} ${reply.text}`;
    if (extensions.code === 'TOO_MANY_REQUESTS' && !(extensions.retryAfter > 0)) return 'TOO_MANY_REQUESTS without retryAfter';
    return TOKEN_CODES.has(extensions.code) ? `${extensions.code}: ${reply.body.errors[0].message}` : extensions.code;
  },
  trpc(reply) {
    if (reply.status === 200 && reply.body?.result?.data?.token) return 'OK';
    const data = reply.body?.error?.data;
    const statuses: Record<string, [number, string]> = {
      USER_NOT_FOUND: [401, 'UNAUTHORIZED'],
      INVALID_PASSWORD: [401, 'UNAUTHORIZED'],
      USER_DISABLED: [403, 'FORBIDDEN'],
      TOO_MANY_REQUESTS: [429, 'TOO_MANY_REQUESTS'],
      TOKEN_EXPIRED: [401, 'UNAUTHORIZED'],
      UNAUTHENTICATED: [401, 'UNAUTHORIZED'],
      FORBIDDEN: [403, 'FORBIDDEN'],
      BAD_USER_INPUT: [400, 'BAD_REQUEST'],
    };
    const expected = statuses[data?.domainCode];
    if (!expected || reply.status !== expected[0] || data.code !== expected[1]) return `unexpected ${reply.status} ${reply.text}`;
    return TOKEN_CODES.has(data.domainCode) ? `${data.domainCode}: ${reply.body.error.message}` : data.domainCode;
  },
};

const loginOn = (username: string, password: string) => ({
  rest: () => post(server.url, '/login', { username, password }),
  graphql: () => graphql(server.url, 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }', { u: username, p: password }),
  trpc: () => trpc(server.url, 'mutation', 'auth.login', { username, password }),
});

const withToken = (token: () => string) => ({
  rest: () => call(server.url, '/products', { token: token() }),
  graphql: () => graphql(server.url, '{ me { username } }', {}, token()),
  trpc: () => trpc(server.url, 'query', 'auth.me', undefined, token()),
});

const SCENARIOS: Record<string, Scenario> = {
  'login ok': { outcome: 'OK', ...loginOn('olga', 'olga-password') },
  'unknown user': { outcome: 'USER_NOT_FOUND', ...loginOn('nobody-at-all', 'olga-password') },
  'wrong password': { outcome: 'INVALID_PASSWORD', ...loginOn('olga', 'not-her-password') },
  'disabled user': { outcome: 'USER_DISABLED', ...loginOn('dimitri', 'dimitri-password') },
  throttled: { outcome: 'TOO_MANY_REQUESTS', ...loginOn('locked-out', 'locked-out-password') },
  'expired token': { outcome: 'TOKEN_EXPIRED', why: 'Token expired', ...withToken(() => t.expired) },
  'tampered token': { outcome: 'UNAUTHENTICATED', why: 'Invalid token', ...withToken(() => t.tampered) },
  'revoked session': { outcome: 'UNAUTHENTICATED', why: 'Session revoked', ...withToken(() => t.revoked) },
  'missing permission': {
    outcome: 'FORBIDDEN',
    rest: () => post(server.url, '/products', { sku: 'NOPE', name: 'No', price: '1', stock: 1 }, { token: t.viewer }),
    graphql: () => graphql(server.url, 'mutation { createProduct(input: { sku: "NOPE", name: "No", price: "1", stock: 1 }) { id } }', {}, t.viewer),
    trpc: () => trpc(server.url, 'mutation', 'products.create', { sku: 'NOPE', name: 'No', price: '1', stock: 1 }, t.viewer),
  },
  'bad input': {
    outcome: 'BAD_USER_INPUT',
    rest: () => post(server.url, '/login', { username: '', password: 'x' }),
    graphql: () => graphql(server.url, 'mutation { login(username: "", password: "x") { token } }'),
    trpc: () => trpc(server.url, 'mutation', 'auth.login', { username: '', password: 'x' }),
  },
};

beforeAll(async () => {
  server = await startServer();
  const { users } = server.app.keyway.services;
  await users.create({ username: 'olga', password: 'olga-password', role: 'viewer' });
  const dimitri = await users.create({ username: 'dimitri', password: 'dimitri-password', role: 'viewer' });
  await users.update(dimitri.id, { disabled: true });
  await users.create({ username: 'locked-out', password: 'locked-out-password', role: 'viewer' });
  for (let n = 0; n < 5; n++) await post(server.url, '/login', { username: 'locked-out', password: 'wrong' });

  t.viewer = (await login(server.url, 'olga', 'olga-password')).token;
  const claims = JSON.parse(Buffer.from(t.viewer.split('.')[1]!, 'base64url').toString());
  t.expired = await resign(server, t.viewer, EXPIRED());
  const [header, , signature] = t.viewer.split('.');
  t.tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url')}.${signature}`;
  t.revoked = (await login(server.url, 'olga', 'olga-password')).token;
  expect((await graphql(server.url, 'mutation { logout }', {}, t.revoked)).body.data).toEqual({ logout: true });
});

afterAll(() => server?.close());

describe('one behaviour, three doors', () => {
  it.each(Object.entries(SCENARIOS))('%s', async (_name, scenario) => {
    const outcomes: Record<Door, string> = {
      rest: FORMS.rest(await scenario.rest()),
      graphql: FORMS.graphql(await scenario.graphql()),
      trpc: FORMS.trpc(await scenario.trpc()),
    };
    const { outcome, why } = scenario;
    const told = why ? `${outcome}: ${why}` : outcome;
    expect(outcomes).toEqual({ rest: why ? 'TOKEN_REFUSED' : outcome, graphql: told, trpc: told });
  });
});
