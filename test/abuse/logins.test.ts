import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, graphql, post, type Reply } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { OPERATOR } from '../../src/core/audit.js';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describe('tRPC batches', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
    await server.app.keyway.services.users.create({ username: 'batched', password: 'batched-password', role: 'viewer' }, OPERATOR);
    await server.app.keyway.services.users.create({ username: 'mixed', password: 'mixed-password', role: 'viewer' }, OPERATOR);
  });
  afterAll(() => server?.close());

  it('cannot carry two password checks, and neither is tried', async () => {
    const batch = await post(server.url, '/trpc/auth.login,auth.login?batch=1', {
      0: { username: 'batched', password: 'guess-one' },
      1: { username: 'batched', password: 'guess-two' },
    });
    expect(batch.status).toBe(400);
    expect(batch.body).toHaveLength(2);
    for (const entry of batch.body) expect(entry.error.data).toMatchObject({ code: 'BAD_REQUEST', domainCode: 'BAD_USER_INPUT' });
    // Both refused before any check: five real attempts remain.
    for (let n = 0; n < 5; n++) expect((await post(server.url, '/login', { username: 'batched', password: 'x' })).status).toBe(401);
  });

  it('may batch one login with other calls, up to 20 calls', async () => {
    const input = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, n) => [n, { token: 'x' }]));
    const paths = (count: number) => Array.from({ length: count }, () => 'auth.verifyToken').join(',');
    const ok = await post(server.url, `/trpc/${paths(20)}?batch=1`, input(20));
    expect(ok.status).toBe(200);
    expect(ok.body).toHaveLength(20);
    const tooMany = await post(server.url, `/trpc/${paths(21)}?batch=1`, input(21));
    expect(tooMany.status).toBe(400);
    const mixed = await post(server.url, '/trpc/auth.login,auth.logout?batch=1', { 0: { username: 'mixed', password: 'mixed-password' }, 1: {} });
    expect(mixed.body[0].result.data.user.username).toBe('mixed');
    expect(mixed.body[1].error.data.domainCode).toBe('UNAUTHENTICATED');
  });
});

describe('an unknown username costs what a wrong password costs, on every door', () => {
  let server: TestServer;
  beforeAll(async () => {
    // No throttling in the way: every attempt must reach the password check.
    server = await startServer({ env: { LOGIN_MAX_FAILURES: '1000' } });
    await server.app.keyway.services.users.create({ username: 'timed', password: 'timed-password', role: 'viewer' }, OPERATOR);
  });
  afterAll(() => server?.close());

  const doors: Record<string, (username: string) => Promise<Reply>> = {
    stockapi: (username) => post(server.url, '/login', { username, password: 'not-the-password' }),
    b2market: (username) => post(server.url, '/api/login', { _username: username, _password: 'not-the-password' }),
    graphql: (username) => graphql(server.url, 'mutation($u: String!) { login(username: $u, password: "not-the-password") { token } }', { u: username }),
    trpc: (username) => post(server.url, '/trpc/auth.login', { username, password: 'not-the-password' }),
  };

  it.each(Object.keys(doors))('%s: median times within 0.75-1.33 of each other', async (door) => {
    const attempt = doors[door]!;
    const timed = async (username: string) => {
      const started = performance.now();
      const reply = await attempt(username);
      const elapsed = performance.now() - started;
      // Refused for the password, never throttled: every attempt reached the check.
      expect(reply.text).toMatch(/Invalid password|Contraseña incorrecta|User not found|Usuario no encontrado|USER_NOT_FOUND|INVALID_PASSWORD/);
      return elapsed;
    };
    const unknown: number[] = [];
    const wrong: number[] = [];
    const ratios: number[] = [];
    for (let pair = 0; pair < 40; pair++) {
      // Alternating, and swapping which goes first: the two of a pair see the same machine.
      const first = pair % 2 === 0 ? 'nobody-here' : 'timed';
      const a = await timed(first);
      const b = await timed(first === 'timed' ? 'nobody-here' : 'timed');
      const [u, w] = first === 'timed' ? [b, a] : [a, b];
      unknown.push(u);
      wrong.push(w);
      ratios.push(u / w);
    }
    const ratio = median(ratios);
    console.info(`${door}: unknown ${median(unknown).toFixed(1)} ms, wrong password ${median(wrong).toFixed(1)} ms, median pair ratio ${ratio.toFixed(2)}`);
    expect(ratio).toBeGreaterThanOrEqual(0.75);
    expect(ratio).toBeLessThanOrEqual(1.33);
  });
});

describe('HIDE_UNKNOWN_USERS=true', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ env: { HIDE_UNKNOWN_USERS: 'true' } });
    await server.app.keyway.services.users.create({ username: 'hidden', password: 'hidden-password', role: 'viewer' }, OPERATOR);
  });
  afterAll(() => server?.close());

  it('answers an unknown username exactly as a wrong password, on every door', async () => {
    const answers = async (username: string) => {
      const stockapi = await post(server.url, '/login', { username, password: 'wrong-password' });
      const b2market = await post(server.url, '/api/login', { _username: username, _password: 'wrong-password' });
      const gql = await graphql(server.url, 'mutation($u: String!) { login(username: $u, password: "wrong-password") { token } }', { u: username });
      const rpc = await post(server.url, '/trpc/auth.login', { username, password: 'wrong-password' });
      return [
        [stockapi.status, stockapi.text],
        [b2market.status, b2market.text],
        [gql.status, JSON.stringify(gql.body.errors.map(({ message, extensions }: { message: string; extensions: unknown }) => ({ message, extensions })))],
        [rpc.status, rpc.text],
      ];
    };
    const unknown = await answers('no-such-user');
    expect(unknown).toEqual(await answers('hidden'));
    expect(unknown[0]).toEqual([401, '{"message":"Contraseña incorrecta"}']);
    expect(unknown[1]).toEqual([401, '{"code":401,"error":"Invalid password."}']);
  });
});
