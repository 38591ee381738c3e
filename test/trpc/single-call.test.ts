import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login, post } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';
import { OPERATOR } from '../../src/core/audit.js';

// The tRPC door answers a single call in JSON itself, and anything else through tRPC's resolveResponse
// (src/doors/trpc/fastify-handler.ts). `batch=0` is no batch to tRPC but sends the same call to
// resolveResponse: both must answer with the same status, headers and bytes.

let server: TestServer;
let admin: string;
let viewer: string;

beforeAll(async () => {
  server = await startServer();
  await server.app.keyway.services.users.create({ username: 'vera', password: 'vera-password', role: 'viewer' }, OPERATOR);
  admin = (await login(server.url, 'admin', ADMIN_PASSWORD)).token;
  viewer = (await login(server.url, 'vera', 'vera-password')).token;
});

afterAll(() => server?.close());

const input = (value: unknown) => `input=${encodeURIComponent(JSON.stringify(value))}`;

async function bothWays(path: string, query: string, options: { token?: string; body?: string; headers?: Record<string, string> } = {}) {
  const send = (url: string) =>
    options.body === undefined
      ? call(server.url, url, { token: options.token, headers: options.headers })
      : post(server.url, url, options.body, { token: options.token, headers: { 'content-type': 'application/json', ...options.headers } });
  const [single, resolved] = [await send(`/trpc/${path}${query ? `?${query}` : ''}`), await send(`/trpc/${path}?batch=0${query ? `&${query}` : ''}`)];
  const seen = (reply: typeof single) => ({
    status: reply.status,
    type: reply.headers.get('content-type'),
    vary: reply.headers.get('vary'),
    text: reply.text,
  });
  expect(seen(single)).toEqual(seen(resolved));
  return single;
}

describe('a single tRPC call answered by the door', () => {
  it.each([
    ['a query', 'auth.me', '', () => admin, 200],
    ['a query with input', 'users.list', input({ limit: 2 }), () => admin, 200],
    ['a query with an empty input', 'products.list', 'input=', () => viewer, 200],
    ['no token', 'auth.me', '', () => undefined, 401],
    ['a token that is not one', 'auth.me', '', () => 'not-a-jwt', 401],
    ['a role that may not', 'users.list', input({ limit: 1 }), () => viewer, 403],
    ['input out of range', 'users.list', input({ limit: -1 }), () => admin, 400],
    ['input that is not JSON', 'users.list', 'input=%7Blimit', () => admin, 400],
    ['a record that does not exist', 'products.get', input({ id: 987654 }), () => admin, 404],
  ])('%s answers as resolveResponse does', async (_case, path, query, token, status) => {
    expect((await bothWays(path, query, { token: token() })).status).toBe(status);
  });

  it.each([
    ['a mutation', '{"token":"x.y.z"}', 200],
    ['an empty body', '', 200],
    ['a body of the wrong shape', '{"token":7}', 400],
    ['a body that is not JSON', '{"token":', 400],
    ['a body with a byte order mark', '\uFEFF{"token":"x.y.z"}', 200],
  ])('%s answers as resolveResponse does', async (_case, body, status) => {
    expect((await bothWays('auth.verifyToken', '', { body })).status).toBe(status);
  });

  it('a mutation that fails in its service answers as resolveResponse does', async () => {
    const reply = await bothWays('users.create', '', { token: admin, body: JSON.stringify({ username: 'vera', password: 'another-password', role: 'viewer' }) });
    expect(reply.status).toBe(409);
  });

  it('a query sent as a mutation, and a mutation sent as a query, are refused as tRPC refuses them', async () => {
    const asPost = await bothWays('auth.me', '', { token: admin, body: '{}' });
    expect(asPost.status).toBe(405);
    const asGet = await bothWays('auth.verifyToken', '', {});
    expect(asGet.status).toBe(405);
  });
});
