import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, post, trpc } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { OPERATOR } from '../../src/core/audit.js';

let server: TestServer;

beforeAll(async () => {
  // Behind a proxy on loopback: X-Forwarded-For tells clients apart, as in production.
  server = await startServer({ env: { TRUST_PROXY: '127.0.0.1' } });
  const { users } = server.app.keyway.services;
  for (const name of ['locked', 'patient', 'roaming']) {
    await users.create({ username: name, password: `${name}-password`, role: 'viewer' }, OPERATOR);
  }
});

afterAll(() => server?.close());

const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });

async function failTimes(username: string, times: number, address: string) {
  for (let n = 0; n < times; n++) {
    const reply = await post(server.url, '/login', { username, password: 'wrong-password' }, from(address));
    expect(reply.status).toBe(401);
  }
}

describe('login throttling: 5 failures per username and address in 15 minutes', () => {
  it('answers the 6th attempt with 429 and Retry-After, on StockAPI and B2Market alike', async () => {
    await failTimes('locked', 5, '203.0.113.1');

    const stockapi = await post(server.url, '/login', { username: 'locked', password: 'locked-password' }, from('203.0.113.1'));
    expect(stockapi.status).toBe(429);
    const seconds = Number(stockapi.headers.get('retry-after'));
    expect(seconds).toBeGreaterThan(800);
    expect(seconds).toBeLessThanOrEqual(900);
    expect(stockapi.text).toBe(`{"message":"Demasiados intentos. Intente de nuevo en ${seconds} segundos"}`);

    const b2market = await post(server.url, '/api/login', { _username: 'locked', _password: 'x' }, from('203.0.113.1'));
    expect(b2market.status).toBe(429);
    const b2seconds = Number(b2market.headers.get('retry-after'));
    expect(b2market.text).toBe(`{"code":429,"error":"Too many failed attempts. Try again in ${b2seconds} seconds."}`);
  });

  it('throttles GraphQL and tRPC with the same count', async () => {
    const gql = await post(
      server.url,
      '/graphql',
      { query: 'mutation { login(username: "locked", password: "x") { token } }' },
      from('203.0.113.1'),
    );
    expect(gql.body.errors[0].extensions).toMatchObject({ code: 'TOO_MANY_REQUESTS', retryAfter: expect.any(Number) });

    const rpc = await post(server.url, '/trpc/auth.login', { username: 'locked', password: 'x' }, from('203.0.113.1'));
    expect(rpc.status).toBe(429);
    expect(rpc.body.error.data).toMatchObject({ code: 'TOO_MANY_REQUESTS', domainCode: 'TOO_MANY_REQUESTS' });
  });

  it('does not lock the user out from another address', async () => {
    const reply = await post(server.url, '/login', { username: 'locked', password: 'locked-password' }, from('203.0.113.2'));
    expect(reply.status).toBe(200);
  });

  it('does not let a client escape by spoofing X-Forwarded-For when the proxy is not trusted', async () => {
    const direct = await startServer({ database: undefined });
    try {
      await direct.app.keyway.services.users.create({ username: 'spoof', password: 'spoof-password', role: 'viewer' }, OPERATOR);
      for (let n = 0; n < 5; n++) {
        await post(direct.url, '/login', { username: 'spoof', password: 'x' }, from(`198.51.100.${n}`));
      }
      const reply = await post(direct.url, '/login', { username: 'spoof', password: 'x' }, from('198.51.100.99'));
      expect(reply.status).toBe(429);
    } finally {
      await direct.close();
    }
  });

  it('resets the count on a success', async () => {
    await failTimes('patient', 4, '203.0.113.3');
    expect((await post(server.url, '/login', { username: 'patient', password: 'patient-password' }, from('203.0.113.3'))).status).toBe(200);
    await failTimes('patient', 5, '203.0.113.3');
    expect((await post(server.url, '/login', { username: 'patient', password: 'x' }, from('203.0.113.3'))).status).toBe(429);
  });

  it('throttles unknown usernames too', async () => {
    for (let n = 0; n < 5; n++) {
      expect((await post(server.url, '/login', { username: 'ghost', password: 'x' }, from('203.0.113.4'))).status).toBe(401);
    }
    expect((await post(server.url, '/login', { username: 'ghost', password: 'x' }, from('203.0.113.4'))).status).toBe(429);
  });

  it('gives a burst of parallel attempts no more tries than sequential ones', async () => {
    const replies = await Promise.all(
      Array.from({ length: 12 }, () =>
        post(server.url, '/login', { username: 'roaming', password: 'wrong' }, from('203.0.113.5')),
      ),
    );
    const statuses = replies.map((reply) => reply.status).sort();
    expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(7);
  });
});

describe('tRPC and GraphQL login without throttling noise', () => {
  it('still answers a fresh user normally', async () => {
    const rpc = await trpc(server.url, 'mutation', 'auth.login', { username: 'roaming', password: 'roaming-password' });
    // roaming is locked from 203.0.113.5 only; this request comes from 127.0.0.1.
    expect(rpc.status).toBe(200);
    const gql = await graphql(server.url, 'mutation { login(username: "roaming", password: "roaming-password") { user { username } } }');
    expect(gql.body.data.login.user.username).toBe('roaming');
  });
});
