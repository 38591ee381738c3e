import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DB_KIND, type TestDatabase } from '../helpers/database.js';
import { call, graphql, login, post, trpc } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';
import { OPERATOR } from '../../src/core/audit.js';

const run = promisify(execFile);
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
const kidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid as string;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Two Keyway instances sharing one PostgreSQL database, as a scaled-out deployment runs. */
describe.runIf(DB_KIND === 'postgres')('two instances on one PostgreSQL', () => {
  let database: TestDatabase;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    database = await createTestDatabase();
    a = await startServer({ database });
    b = await startServer({ database });
    await a.app.keyway.services.users.create({ username: 'nina', password: 'nina-password', role: 'viewer' }, OPERATOR);
  });

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await database?.drop();
  });

  const refreshOn = async (server: TestServer, refreshToken: string) => {
    const reply = await graphql(server.url, 'mutation($r: String!) { refreshToken(refreshToken: $r) { token refreshToken } }', { r: refreshToken });
    return reply.body.data?.refreshToken ?? { code: reply.body.errors[0].extensions.code };
  };
  const verifies = async (server: TestServer, token: string) =>
    (await post(server.url, '/api/verify_token', undefined, { token })).status === 200;

  it('refreshes on the other instance; a reuse is refused by both', async () => {
    const pair = await login(a.url, 'nina', 'nina-password');
    const next = await refreshOn(b, pair.refreshToken);
    expect(claimsOf(next.token).sid).toBe(claimsOf(pair.token).sid);
    expect(await verifies(a, next.token)).toBe(true);
    const last = await refreshOn(a, next.refreshToken);
    expect(claimsOf(last.token).sid).toBe(claimsOf(pair.token).sid);

    // Two generations old: a reuse whatever the interval (test/unit/refresh-decision.test.ts).
    expect(await refreshOn(a, pair.refreshToken)).toEqual({ code: 'UNAUTHENTICATED' });
    expect(await verifies(a, last.token)).toBe(false); // at once, on the instance that revoked
    expect(await until(() => verifies(b, last.token), (accepted) => !accepted, 1000)).toBe(false);
    expect(await refreshOn(b, last.refreshToken)).toEqual({ code: 'UNAUTHENTICATED' });
  });

  it('lets refreshes racing on both instances both succeed with the same new token', async () => {
    const pair = await login(a.url, 'nina', 'nina-password');
    const [onA, onB] = await Promise.all([refreshOn(a, pair.refreshToken), refreshOn(b, pair.refreshToken)]);
    expect(onA.refreshToken).toEqual(expect.any(String));
    expect(onB.refreshToken).toBe(onA.refreshToken);
  });

  /**
   * How long the other instance took to refuse a session logged out on `a`,
   * over `tries` tries: from the logout's answer (the revocation is committed
   * by then) until `b` resolves the token as no caller, asked in this process
   * every millisecond, so the figure is the propagation, not HTTP round trips
   * on a loaded machine. Then `b` refuses it over HTTP too.
   */
  async function revocationDelays(tries: number): Promise<number[]> {
    const delays: number[] = [];
    for (let attempt = 0; attempt < tries; attempt++) {
      const { token } = await login(a.url, 'nina', 'nina-password');
      expect(await verifies(b, token)).toBe(true);
      const logout = await trpc(a.url, 'mutation', 'auth.logout', {}, token);
      const committed = performance.now();
      expect(logout.body.result.data).toBe(true);
      while (b.app.keyway.services.resolvePrincipal(`Bearer ${token}`, 'rest').ok) {
        if (performance.now() - committed > 3000) break;
        await sleep(1);
      }
      delays.push(performance.now() - committed);
      expect(await verifies(a, token)).toBe(false);
      expect(await verifies(b, token)).toBe(false);
    }
    return delays;
  }

  it('refuses a logged-out session on the other instance within 100 ms, told by NOTIFY (21 tries)', async () => {
    const delays = await revocationDelays(21);
    const worst = Math.max(...delays);
    console.info(`cross-instance revocation delay over ${delays.length} tries: median ${median(delays).toFixed(0)} ms, worst ${worst.toFixed(0)} ms`);
    expect(worst).toBeLessThan(100);
  });

  it('falls back to polling when the notification connection drops, and listens again once it is back', async () => {
    const admin = new pg.Client({ connectionString: database.env.DATABASE_URL });
    await admin.connect();
    try {
      // Every LISTEN connection of both instances, cut at once.
      const cut = await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'LISTEN%'`);
      expect(cut.rowCount).toBe(2);
      // Meanwhile the polling (every 250 ms) still refuses within a second.
      const polled = await revocationDelays(3);
      console.info(`revocation delays by polling alone: ${polled.map((ms) => ms.toFixed(0)).join(', ')} ms`);
      expect(Math.max(...polled)).toBeLessThan(1000);
      const listening = () => admin.query(`select 1 from pg_stat_activity where datname = current_database() and query ilike 'LISTEN%'`);
      expect((await until(listening, (result) => result.rowCount === 2, 10_000)).rowCount).toBe(2);
      expect(Math.max(...(await revocationDelays(5)))).toBeLessThan(100);
    } finally {
      await admin.end();
    }
  });

  it('count login failures together: failures on one instance throttle the other', async () => {
    await a.app.keyway.services.users.create({ username: 'shared', password: 'shared-password', role: 'viewer' }, OPERATOR);
    for (const server of [a, b, a, b, a]) {
      expect((await post(server.url, '/login', { username: 'shared', password: 'wrong' })).status).toBe(401);
    }
    for (const server of [a, b]) {
      const reply = await post(server.url, '/login', { username: 'shared', password: 'shared-password' });
      expect(reply.status).toBe(429);
      expect(reply.headers.get('retry-after')).toMatch(/^\d+$/);
    }
  });

  it('rotates keys from the command line: every instance signs with the new key, old tokens keep verifying', async () => {
    const before = await login(a.url, 'nina', 'nina-password');
    const oldKid = kidOf(before.token);
    const { stdout } = await run(process.execPath, ['dist/src/cli/main.js', 'keys', 'rotate'], {
      env: { ...process.env, ...database.env },
    });
    const newKid = /^rotated: (\S+) signs from/.exec(stdout)?.[1];
    expect(newKid).toMatch(/^[\w-]{43}$/);
    expect(newKid).not.toBe(oldKid);

    for (const server of [a, b]) {
      // Each instance learns the key by polling the database, and it signs 750 ms after the rotation.
      const after = await until(() => login(server.url, 'nina', 'nina-password'), (pair) => kidOf(pair.token) === newKid, 3000);
      expect(kidOf(after.token)).toBe(newKid);
      expect(await verifies(server, before.token)).toBe(true);
      expect(await verifies(server, after.token)).toBe(true);

      // An independent verifier (jose) with nothing but the JWKS of either instance.
      const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
      const kids = (await call(server.url, '/.well-known/jwks.json')).body.keys.map((key: { kid: string }) => key.kid);
      expect(kids).toEqual(expect.arrayContaining([oldKid, newKid]));
      const { issuer } = (await call(server.url, '/.well-known/openid-configuration')).body;
      for (const token of [before.token, after.token]) {
        const { payload } = await jwtVerify(token, jwks, { issuer, algorithms: ['RS256'] });
        expect(payload.username).toBe('nina');
      }
    }

    const { stdout: listed } = await run(process.execPath, ['dist/src/cli/main.js', 'keys', 'list'], {
      env: { ...process.env, ...database.env },
    });
    expect(listed).toMatch(new RegExp(`${oldKid}\\s+RS256\\s+retired`));
    expect(listed).toMatch(new RegExp(`${newKid}\\s+RS256\\s+active`));
  });
});
