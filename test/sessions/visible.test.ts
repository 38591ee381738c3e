import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { DB_KIND } from '../helpers/database.js';
import { graphql, login, post, trpc } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';
import { OPERATOR } from '../../src/core/audit.js';

// Sessions a user can see and end (SPEC §12): listed with where and when, revoked one at a time.

let server: TestServer;
let admin: string;
const PASSWORD = 'a long enough password';
const SESSION_FIELDS = 'id createdAt lastUsedAt expiresAt ipAddress userAgent current';

beforeAll(async () => {
  server = await startServer();
  admin = (await login(server.url, 'admin', ADMIN_PASSWORD)).token;
});

afterAll(() => server?.close());

/** A login from a device that names itself in its User-Agent. */
async function signIn(username: string, device: string, url = server.url) {
  const reply = await post(url, '/login', { username, password: PASSWORD }, { headers: { 'user-agent': device } });
  expect(reply.status).toBe(200);
  return reply.body as { token: string; refreshToken: string; user: { id: number } };
}

async function newUser(username: string) {
  return server.app.keyway.services.users.create({ username, password: PASSWORD, role: 'viewer' }, OPERATOR);
}

const me = (token: string, url = server.url) => trpc(url, 'query', 'auth.me', undefined, token);
/** Asks until the token is refused: other processes' revocations reach this server within a second. */
async function refusedWithinASecond(token: string): Promise<void> {
  const begun = Date.now();
  while ((await me(token)).status !== 401) {
    expect(Date.now() - begun).toBeLessThan(1000);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const sidOf = (token: string): string => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sid;

describe('a user\'s own sessions', () => {
  it('are listed on GraphQL and tRPC alike, the most recently used first, each with its address and user agent, this one marked', async () => {
    await newUser('lena');
    const laptop = await signIn('lena', 'Laptop/1.0');
    const phone = await signIn('lena', 'Phone/2.0');
    const gone = await signIn('lena', 'Kiosk/3.0');
    expect((await graphql(server.url, 'mutation { logout }', {}, gone.token)).body.data).toEqual({ logout: true });

    const listed = await graphql(server.url, `{ mySessions { ${SESSION_FIELDS} } }`, {}, laptop.token);
    const sessions = listed.body.data.mySessions;
    expect(sessions.map((s: any) => [s.id, s.userAgent, s.ipAddress, s.current])).toEqual([
      [sidOf(phone.token), 'Phone/2.0', '127.0.0.1', false],
      [sidOf(laptop.token), 'Laptop/1.0', '127.0.0.1', true],
    ]);
    for (const session of sessions) {
      expect(session.lastUsedAt).toBe(session.createdAt);
      // REFRESH_TTL's default: 30 days from the login (give or take the milliseconds the login took).
      expect(Math.abs(Date.parse(session.expiresAt) - Date.parse(session.createdAt) - 30 * 86400_000)).toBeLessThan(1000);
    }

    const viaTrpc = await trpc(server.url, 'query', 'sessions.mine', undefined, phone.token);
    expect(viaTrpc.status).toBe(200);
    expect(viaTrpc.body.result.data).toEqual(sessions.map((s: any) => ({ ...s, current: s.id === sidOf(phone.token) })));
  });

  it('say when each was last used: a refresh moves it, and puts the session first', async () => {
    await newUser('mats');
    const first = await signIn('mats', 'First');
    const second = await signIn('mats', 'Second');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const refreshed = await trpc(server.url, 'mutation', 'auth.refresh', { refreshToken: first.refreshToken });
    expect(refreshed.status).toBe(200);

    const sessions = (await trpc(server.url, 'query', 'sessions.mine', undefined, second.token)).body.result.data;
    expect(sessions.map((s: any) => s.userAgent)).toEqual(['First', 'Second']);
    expect(Date.parse(sessions[0].lastUsedAt)).toBeGreaterThan(Date.parse(sessions[0].createdAt));
  });

  it('end one at a time: the revoked session\'s tokens are refused, the others go on', async () => {
    await newUser('nora');
    const laptop = await signIn('nora', 'Laptop');
    const phone = await signIn('nora', 'Phone');
    const tablet = await signIn('nora', 'Tablet');

    const byGraphql = await graphql(server.url, 'mutation($id: ID!) { revokeSession(id: $id) }', { id: sidOf(phone.token) }, laptop.token);
    expect(byGraphql.body).toEqual({ data: { revokeSession: true } });
    const byTrpc = await trpc(server.url, 'mutation', 'sessions.revoke', { id: sidOf(tablet.token) }, laptop.token);
    expect([byTrpc.status, byTrpc.body.result?.data]).toEqual([200, true]);

    expect((await me(phone.token)).status).toBe(401);
    expect((await me(tablet.token)).status).toBe(401);
    expect((await trpc(server.url, 'mutation', 'auth.refresh', { refreshToken: phone.refreshToken })).status).toBe(401);
    expect((await me(laptop.token)).status).toBe(200);
    const left = (await trpc(server.url, 'query', 'sessions.mine', undefined, laptop.token)).body.result.data;
    expect(left.map((s: any) => s.userAgent)).toEqual(['Laptop']);

    // Its own session too: the caller signs out of it.
    expect((await trpc(server.url, 'mutation', 'sessions.revoke', { id: sidOf(laptop.token) }, laptop.token)).status).toBe(200);
    expect((await me(laptop.token)).status).toBe(401);
  });

  it('are no one else\'s business: another user\'s session id is "no such session", and that session goes on', async () => {
    await newUser('olof');
    await newUser('pia');
    const olof = await signIn('olof', 'Olof');
    const pia = await signIn('pia', 'Pia');

    const gql = await graphql(server.url, 'mutation($id: ID!) { revokeSession(id: $id) }', { id: sidOf(pia.token) }, olof.token);
    expect(gql.body.data).toBeNull();
    expect(gql.body.errors[0]).toMatchObject({ message: 'No such session', extensions: { code: 'NOT_FOUND' } });
    const rpc = await trpc(server.url, 'mutation', 'sessions.revoke', { id: sidOf(pia.token) }, olof.token);
    expect([rpc.status, rpc.body.error.message, rpc.body.error.data.code, rpc.body.error.data.domainCode]).toEqual([
      404,
      'No such session',
      'NOT_FOUND',
      'NOT_FOUND',
    ]);
    expect((await me(pia.token)).status).toBe(200);

    // Nor may they list it.
    const theirs = await graphql(server.url, `{ userSessions(userId: "${pia.user.id}") { id } }`, {}, olof.token);
    expect(theirs.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const rpcTheirs = await trpc(server.url, 'query', 'sessions.ofUser', { userId: pia.user.id }, olof.token);
    expect([rpcTheirs.status, rpcTheirs.body.error.data.domainCode]).toEqual([403, 'FORBIDDEN']);
  });

  it('refuse a malformed session id, an unknown one, and a caller without a token, in each door\'s words', async () => {
    await newUser('quinn');
    const { token } = await signIn('quinn', 'Quinn');
    const malformed = await graphql(server.url, 'mutation { revokeSession(id: "not-a-session") }', {}, token);
    expect(malformed.body.errors[0]).toMatchObject({ message: 'must be a session id', extensions: { code: 'BAD_USER_INPUT' } });
    const rpcMalformed = await trpc(server.url, 'mutation', 'sessions.revoke', { id: 42 }, token);
    expect([rpcMalformed.status, rpcMalformed.body.error.data.domainCode]).toEqual([400, 'BAD_USER_INPUT']);

    const unknown = await trpc(server.url, 'mutation', 'sessions.revoke', { id: '00000000-0000-4000-8000-000000000000' }, token);
    expect([unknown.status, unknown.body.error.data.domainCode]).toEqual([404, 'NOT_FOUND']);

    const anonymous = await graphql(server.url, '{ mySessions { id } }');
    expect(anonymous.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect((await trpc(server.url, 'query', 'sessions.mine')).status).toBe(401);
  });
});

describe('an admin', () => {
  it('lists a user\'s sessions on GraphQL, tRPC and the command line, and revokes one of them', async () => {
    const user = await newUser('rita');
    const desk = await signIn('rita', 'Desk/1');
    const phone = await signIn('rita', 'Phone/1');

    const gql = await graphql(server.url, `query($u: ID!) { userSessions(userId: $u) { ${SESSION_FIELDS} } }`, { u: String(user.id) }, admin);
    const listed = gql.body.data.userSessions;
    expect(listed.map((s: any) => [s.id, s.userAgent, s.current])).toEqual([
      [sidOf(phone.token), 'Phone/1', false],
      [sidOf(desk.token), 'Desk/1', false],
    ]);
    const rpc = await trpc(server.url, 'query', 'sessions.ofUser', { userId: user.id }, admin);
    expect(rpc.body.result.data).toEqual(listed);

    const printed = await cli(server.database, ['sessions', 'list', 'rita']);
    expect(printed.code).toBe(0);
    const lines = printed.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^id +signed in +last used +expires +address +user agent$/);
    expect(lines.slice(1).map((line) => line.split(/ {2,}/))).toEqual(
      listed.map((s: any) => [s.id, s.createdAt, s.lastUsedAt, s.expiresAt, s.ipAddress, s.userAgent]),
    );

    const revoked = await graphql(server.url, 'mutation($id: ID!) { revokeSession(id: $id) }', { id: sidOf(phone.token) }, admin);
    expect(revoked.body).toEqual({ data: { revokeSession: true } });
    expect((await me(phone.token)).status).toBe(401);
    expect((await me(desk.token)).status).toBe(200);

    // The operator at the command line ends one too; an id it does not know, or not an id, is refused.
    const byCli = await cli(server.database, ['sessions', 'revoke-one', sidOf(desk.token)]);
    expect([byCli.code, byCli.stdout.trim()]).toEqual([0, `revoked session ${sidOf(desk.token)}`]);
    await refusedWithinASecond(desk.token); // on PostgreSQL the command line is a process of its own
    const again = await cli(server.database, ['sessions', 'revoke-one', sidOf(desk.token)]);
    expect([again.code, again.stderr.trim()]).toEqual([1, 'keyway: No such session']);
    const malformed = await cli(server.database, ['sessions', 'revoke-one', 'laptop']);
    expect([malformed.code, malformed.stderr.trim()]).toEqual([1, 'keyway: must be a session id']);
  });

  it('is told NOT_FOUND for a user who does not exist, and BAD_USER_INPUT for an id that is not one', async () => {
    const missing = await graphql(server.url, '{ userSessions(userId: "999999") { id } }', {}, admin);
    expect(missing.body.errors[0]).toMatchObject({ message: 'No such user', extensions: { code: 'NOT_FOUND' } });
    const rpcMissing = await trpc(server.url, 'query', 'sessions.ofUser', { userId: 999999 }, admin);
    expect([rpcMissing.status, rpcMissing.body.error.data.domainCode]).toEqual([404, 'NOT_FOUND']);
    const bad = await trpc(server.url, 'query', 'sessions.ofUser', { userId: 'rita' }, admin);
    expect([bad.status, bad.body.error.data.domainCode]).toEqual([400, 'BAD_USER_INPUT']);
    const printed = await cli(server.database, ['sessions', 'list', 'nobody-here']);
    expect([printed.code, printed.stderr.trim()]).toEqual([1, 'keyway: No user named "nobody-here"']);
  });
});

describe.runIf(DB_KIND === 'postgres')('two instances on one PostgreSQL', () => {
  it('list the same sessions, and a session revoked on one is refused by the other within a second, round after round', async () => {
    const other = await startServer({ database: server.database });
    try {
      await newUser('sune');
      for (let round = 0; round < 10; round++) {
        const [a, b] = await Promise.all([signIn('sune', `A${round}`), signIn('sune', `B${round}`, other.url)]);
        const seen = (await trpc(other.url, 'query', 'sessions.mine', undefined, b.token)).body.result.data;
        expect(seen.map((s: any) => s.id)).toEqual(expect.arrayContaining([sidOf(a.token), sidOf(b.token)]));

        // Revoked on the other instance while this one is asked at once.
        const [revoked] = await Promise.all([
          trpc(other.url, 'mutation', 'sessions.revoke', { id: sidOf(a.token) }, b.token),
          me(a.token),
        ]);
        expect(revoked.status).toBe(200);
        await refusedWithinASecond(a.token);
        expect((await me(b.token, server.url)).status).toBe(200);
      }
    } finally {
      await other.stop();
    }
  });
});
