import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, graphql, login, post, trpc, type Reply } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';
import { EXPIRED, resign } from '../helpers/tokens.js';
import { OPERATOR } from '../../src/core/audit.js';

/**
 * One table of (caller, operation, expected outcome), run through GraphQL,
 * tRPC and (for products) REST. Each door must answer in its own form; the
 * outcomes must agree with the table and with each other.
 */

type Caller = 'admin' | 'developer' | 'vendedor' | 'viewer' | 'anonymous' | 'expired';
type Outcome = 'ok' | 'forbidden' | 'unauthenticated' | 'expired';
type Door = 'graphql' | 'trpc' | 'rest';

const CALLERS: Caller[] = ['admin', 'developer', 'vendedor', 'viewer', 'anonymous', 'expired'];

let server: TestServer;
const tokens = {} as Record<Caller, string | undefined>;
let serial = 0;
const unique = (prefix: string) => `${prefix}${++serial}`;

interface Operation {
  /** The roles that may, by role or by the permission of the operation. */
  allowed: Caller[];
  graphql(token?: string): Promise<Reply>;
  trpc(token?: string): Promise<Reply>;
  rest?(token?: string): Promise<Reply>;
}

const services = () => server.app.keyway.services;
const newUser = () => services().users.create({ username: unique('target'), password: 'target-password', role: 'viewer' }, OPERATOR);
const newProduct = () => services().products.create({ sku: unique('SKU-'), name: 'Thing', description: '', price: '1.00', stock: 1 });
const newRole = () => services().roles.upsert({ name: unique('role'), permissions: ['GET'] }, OPERATOR);

const EVERYONE: Caller[] = ['admin', 'developer', 'vendedor', 'viewer'];
const OPERATIONS: Record<string, Operation> = {
  'users.list': {
    allowed: ['admin'],
    graphql: (t) => graphql(server.url, '{ users { id } }', {}, t),
    trpc: (t) => trpc(server.url, 'query', 'users.list', {}, t),
  },
  'users.create': {
    allowed: ['admin'],
    graphql: (t) => graphql(server.url, 'mutation($i: CreateUserInput!) { createUser(input: $i) { id } }', { i: { username: unique('new'), password: 'new-password', role: 'viewer' } }, t),
    trpc: (t) => trpc(server.url, 'mutation', 'users.create', { username: unique('new'), password: 'new-password', role: 'viewer' }, t),
  },
  'users.update': {
    allowed: ['admin'],
    graphql: async (t) => graphql(server.url, 'mutation($id: ID!) { updateUser(id: $id, input: { disabled: false }) { id } }', { id: String((await newUser()).id) }, t),
    trpc: async (t) => trpc(server.url, 'mutation', 'users.update', { id: (await newUser()).id, disabled: false }, t),
  },
  'users.delete': {
    allowed: ['admin'],
    graphql: async (t) => graphql(server.url, 'mutation($id: ID!) { deleteUser(id: $id) }', { id: String((await newUser()).id) }, t),
    trpc: async (t) => trpc(server.url, 'mutation', 'users.delete', { id: (await newUser()).id }, t),
  },
  'roles.list': {
    allowed: ['admin'],
    graphql: (t) => graphql(server.url, '{ roles { name } }', {}, t),
    trpc: (t) => trpc(server.url, 'query', 'roles.list', undefined, t),
  },
  'roles.upsert': {
    allowed: ['admin'],
    graphql: (t) => graphql(server.url, 'mutation($n: String!) { upsertRole(name: $n, permissions: [GET]) { name } }', { n: unique('role') }, t),
    trpc: (t) => trpc(server.url, 'mutation', 'roles.upsert', { name: unique('role'), permissions: ['GET'] }, t),
  },
  'roles.delete': {
    allowed: ['admin'],
    graphql: async (t) => graphql(server.url, 'mutation($n: String!) { deleteRole(name: $n) }', { n: (await newRole()).name }, t),
    trpc: async (t) => trpc(server.url, 'mutation', 'roles.delete', { name: (await newRole()).name }, t),
  },
  'products.list': {
    allowed: EVERYONE,
    graphql: (t) => graphql(server.url, '{ products { id } }', {}, t),
    trpc: (t) => trpc(server.url, 'query', 'products.list', {}, t),
    rest: (t) => call(server.url, '/products', { token: t }),
  },
  'products.get': {
    allowed: EVERYONE,
    graphql: async (t) => graphql(server.url, 'query($id: ID!) { product(id: $id) { id } }', { id: String((await newProduct()).id) }, t),
    trpc: async (t) => trpc(server.url, 'query', 'products.get', { id: (await newProduct()).id }, t),
    rest: async (t) => call(server.url, `/products/${(await newProduct()).id}`, { token: t }),
  },
  'products.create': {
    allowed: ['admin', 'developer'],
    graphql: (t) => graphql(server.url, 'mutation($s: String!) { createProduct(input: { sku: $s, name: "N", price: "2.50", stock: 1 }) { id } }', { s: unique('NEW-') }, t),
    trpc: (t) => trpc(server.url, 'mutation', 'products.create', { sku: unique('NEW-'), name: 'N', price: '2.50', stock: 1 }, t),
    rest: (t) => post(server.url, '/products', { sku: unique('NEW-'), name: 'N', price: '2.50', stock: 1 }, { token: t }),
  },
  'products.update': {
    allowed: ['admin', 'developer', 'vendedor'],
    graphql: async (t) => graphql(server.url, 'mutation($id: ID!) { updateProduct(id: $id, input: { stock: 5 }) { stock } }', { id: String((await newProduct()).id) }, t),
    trpc: async (t) => trpc(server.url, 'mutation', 'products.update', { id: (await newProduct()).id, stock: 5 }, t),
    rest: async (t) => call(server.url, `/products/${(await newProduct()).id}`, { method: 'PUT', body: { stock: 5 }, token: t }),
  },
  'products.delete': {
    allowed: ['admin', 'developer'],
    graphql: async (t) => graphql(server.url, 'mutation($id: ID!) { deleteProduct(id: $id) }', { id: String((await newProduct()).id) }, t),
    trpc: async (t) => trpc(server.url, 'mutation', 'products.delete', { id: (await newProduct()).id }, t),
    rest: async (t) => call(server.url, `/products/${(await newProduct()).id}`, { method: 'DELETE', token: t }),
  },
};

function expected(caller: Caller, operation: Operation): Outcome {
  if (caller === 'anonymous') return 'unauthenticated';
  if (caller === 'expired') return 'expired';
  return operation.allowed.includes(caller) ? 'ok' : 'forbidden';
}

/** Each door's own form of each outcome; anything else is reported as it came. */
function outcomeOf(door: Door, reply: Reply): string {
  if (door === 'graphql') {
    const code = reply.body?.errors?.[0]?.extensions?.code;
    if (reply.status === 200 && !reply.body.errors && reply.body.data) return 'ok';
    const labels: Record<string, Outcome> = { UNAUTHENTICATED: 'unauthenticated', TOKEN_EXPIRED: 'expired', FORBIDDEN: 'forbidden' };
    return labels[code] ?? `graphql ${reply.status} ${reply.text}`;
  }
  if (door === 'trpc') {
    const data = reply.body?.error?.data;
    if (reply.status === 200 && reply.body.result) return 'ok';
    if (reply.status === 401 && data?.code === 'UNAUTHORIZED' && data.domainCode === 'UNAUTHENTICATED') return 'unauthenticated';
    if (reply.status === 401 && data?.code === 'UNAUTHORIZED' && data.domainCode === 'TOKEN_EXPIRED') return 'expired';
    if (reply.status === 403 && data?.code === 'FORBIDDEN' && data.domainCode === 'FORBIDDEN') return 'forbidden';
    return `trpc ${reply.status} ${reply.text}`;
  }
  if (reply.status >= 200 && reply.status < 300) return 'ok';
  if (reply.status === 401 && reply.text === '{"message":"No se proporcionó token"}') return 'unauthenticated';
  if (reply.status === 403 && reply.text === '{"message":"Token expirado o inválido"}') return 'expired';
  if (reply.status === 403 && reply.text === '{"message":"Permiso denegado"}') return 'forbidden';
  return `rest ${reply.status} ${reply.text}`;
}

beforeAll(async () => {
  server = await startServer();
  for (const role of ['developer', 'vendedor', 'viewer'] as const) {
    await services().users.create({ username: `the-${role}`, password: `${role}-password`, role }, OPERATOR);
    tokens[role] = (await login(server.url, `the-${role}`, `${role}-password`)).token;
  }
  const admin = await login(server.url, 'admin', ADMIN_PASSWORD);
  tokens.admin = admin.token;
  tokens.anonymous = undefined;
  // Signed by the server's own key, for a session that exists, but an hour past its expiry.
  tokens.expired = await resign(server, admin.token, EXPIRED());
});

afterAll(() => server?.close());

describe('the contract: who may do what, on every door', () => {
  const rows = Object.entries(OPERATIONS).flatMap(([name, operation]) =>
    CALLERS.map((caller) => ({ name, operation, caller, expected: expected(caller, operation) })),
  );

  it.each(rows.map((row) => [row.caller, row.name, row.expected, row] as const))(
    '%s × %s → %s on every door',
    async (caller, _name, outcome, { operation }) => {
      const doors: Door[] = operation.rest ? ['graphql', 'trpc', 'rest'] : ['graphql', 'trpc'];
      const outcomes: Record<string, string> = {};
      for (const door of doors) outcomes[door] = outcomeOf(door, await operation[door]!(tokens[caller]));
      expect(outcomes).toEqual(Object.fromEntries(doors.map((door) => [door, outcome])));
    },
  );
});
