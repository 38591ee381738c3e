import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, graphql, login, post, trpc } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { OPERATOR } from '../../src/core/audit.js';

let server: TestServer;

const REFRESH = `mutation($r: String!) { refreshToken(refreshToken: $r) { token refreshToken expiresAt user { username } } }`;
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());

/** Refreshes through GraphQL; the pair, or the error's code. */
async function refresh(refreshToken: string): Promise<{ token: string; refreshToken: string } | { code: string }> {
  const reply = await graphql(server.url, REFRESH, { r: refreshToken });
  return reply.body.data?.refreshToken ?? { code: reply.body.errors[0].extensions.code };
}

/** Whether every door accepts a token: REST products, B2Market verify, GraphQL me, tRPC me. */
async function acceptedEverywhere(token: string): Promise<boolean[]> {
  return [
    (await call(server.url, '/products', { token })).status === 200,
    (await post(server.url, '/api/verify_token', undefined, { token })).status === 200,
    !(await graphql(server.url, '{ me { username } }', {}, token)).body.errors,
    (await trpc(server.url, 'query', 'auth.me', undefined, token)).status === 200,
  ];
}

beforeAll(async () => {
  server = await startServer();
  await server.app.keyway.services.users.create({ username: 'rita', password: 'rita-password', role: 'viewer' }, OPERATOR);
});

afterAll(() => server?.close());

describe('refresh', () => {
  it('rotates the refresh token and keeps the session', async () => {
    const first = await login(server.url, 'rita', 'rita-password');
    const second = await refresh(first.refreshToken);
    if ('code' in second) throw new Error(second.code);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(claimsOf(second.token).sid).toBe(claimsOf(first.token).sid);
    expect(claimsOf(second.token).jti).not.toBe(claimsOf(first.token).jti);
    expect(await acceptedEverywhere(second.token)).toEqual([true, true, true, true]);
    // Rotation revokes nothing: the earlier access token lives out its time.
    expect(await acceptedEverywhere(first.token)).toEqual([true, true, true, true]);
  });

  it('answers a rotated token reused inside the interval with the current pair', async () => {
    const first = await login(server.url, 'rita', 'rita-password');
    const second = await refresh(first.refreshToken);
    const again = await refresh(first.refreshToken);
    if ('code' in second || 'code' in again) throw new Error('refused');
    expect(again.refreshToken).toBe(second.refreshToken);
    expect(await acceptedEverywhere(again.token)).toEqual([true, true, true, true]);
  });

  it('lets tabs refreshing at once all stay signed in', async () => {
    const { refreshToken } = await login(server.url, 'rita', 'rita-password');
    const pairs = await Promise.all(Array.from({ length: 4 }, () => refresh(refreshToken)));
    for (const pair of pairs) expect(pair).not.toHaveProperty('code');
    const tokens = new Set(pairs.map((pair) => ('refreshToken' in pair ? pair.refreshToken : '')));
    expect(tokens.size).toBe(1);
  });

  // Which reuse revokes (the previous token past the interval, to the millisecond; an older one at
  // once) is test/unit/refresh-decision.test.ts's: here, what a revocation does to every door.
  it('revokes the whole session when a retired token is reused', async () => {
    const first = await login(server.url, 'rita', 'rita-password');
    const second = await refresh(first.refreshToken);
    if ('code' in second) throw new Error(second.code);
    const third = await refresh(second.refreshToken);
    if ('code' in third) throw new Error(third.code);

    expect(await refresh(first.refreshToken)).toEqual({ code: 'UNAUTHENTICATED' });
    // Every token of the session is refused at once, on every door, the current pair's too.
    for (const pair of [third, second, first]) expect(await acceptedEverywhere(pair.token)).toEqual([false, false, false, false]);
    expect(await refresh(third.refreshToken)).toEqual({ code: 'UNAUTHENTICATED' });
    const verdict = await graphql(server.url, '{ verifyToken { valid code } }', {}, third.token);
    expect(verdict.body.data.verifyToken).toEqual({ valid: false, code: 'SESSION_REVOKED' });
    expect((await call(server.url, '/products', { token: third.token })).text).toBe('{"message":"Token expirado o inválido"}');
    expect((await post(server.url, '/api/verify_token', undefined, { token: third.token })).text).toBe(
      '{"code":500,"valid":false,"error":"Token is not valid. Please login again."}',
    );
  });

  it('refuses a forged refresh token without revoking the session it names', async () => {
    const pair = await login(server.url, 'rita', 'rita-password');
    const forged = pair.refreshToken.replace(/\.[^.]+$/, `.${'A'.repeat(43)}`);
    expect(await refresh(forged)).toEqual({ code: 'UNAUTHENTICATED' });
    expect(await refresh('kwrt_not-a-token')).toEqual({ code: 'UNAUTHENTICATED' });
    expect(await acceptedEverywhere(pair.token)).toEqual([true, true, true, true]);
    expect(await refresh(pair.refreshToken)).not.toHaveProperty('code');
  });

  it('refuses an expired session, and never issues an access token outliving its session', async () => {
    const { orm } = server.app.keyway.database;
    const pair = await login(server.url, 'rita', 'rita-password');
    const { sid } = claimsOf(pair.token);
    await orm.em.getConnection().execute(`update sessions set expires_at = now() + interval '10 minutes' where id = ?`, [sid]);
    const late = await refresh(pair.refreshToken);
    if ('code' in late) throw new Error(late.code);
    const lifetime = claimsOf(late.token).exp - Math.floor(Date.now() / 1000);
    expect(lifetime).toBeLessThanOrEqual(600);
    expect(lifetime).toBeGreaterThan(590);

    await orm.em.getConnection().execute(`update sessions set expires_at = now() - interval '1 second' where id = ?`, [sid]);
    expect(await refresh(late.refreshToken)).toEqual({ code: 'UNAUTHENTICATED' });
  });

  it('works the same over tRPC', async () => {
    const pair = await login(server.url, 'rita', 'rita-password');
    const next = await trpc(server.url, 'mutation', 'auth.refresh', { refreshToken: pair.refreshToken });
    expect(next.status).toBe(200);
    expect(claimsOf(next.body.result.data.token).sid).toBe(claimsOf(pair.token).sid);
    const bad = await trpc(server.url, 'mutation', 'auth.refresh', { refreshToken: 'kwrt_nothing' });
    expect(bad.status).toBe(401);
    expect(bad.body.error.data).toMatchObject({ code: 'UNAUTHORIZED', domainCode: 'UNAUTHENTICATED' });
    const empty = await trpc(server.url, 'mutation', 'auth.refresh', {});
    expect(empty.body.error.data).toMatchObject({ code: 'BAD_REQUEST', domainCode: 'BAD_USER_INPUT' });
  });
});

describe('logout', () => {
  it('revokes the caller’s session at once, and only it', async () => {
    const mine = await login(server.url, 'rita', 'rita-password');
    const other = await login(server.url, 'rita', 'rita-password');
    const reply = await graphql(server.url, 'mutation { logout }', {}, mine.token);
    expect(reply.body.data).toEqual({ logout: true });
    expect(await acceptedEverywhere(mine.token)).toEqual([false, false, false, false]);
    expect(await refresh(mine.refreshToken)).toEqual({ code: 'UNAUTHENTICATED' });
    expect(await acceptedEverywhere(other.token)).toEqual([true, true, true, true]);
  });

  it('revokes every session of the caller with allSessions, over tRPC too', async () => {
    const one = await login(server.url, 'rita', 'rita-password');
    const two = await login(server.url, 'rita', 'rita-password');
    const reply = await trpc(server.url, 'mutation', 'auth.logout', { allSessions: true }, one.token);
    expect(reply.body.result.data).toBe(true);
    expect(await acceptedEverywhere(one.token)).toEqual([false, false, false, false]);
    expect(await acceptedEverywhere(two.token)).toEqual([false, false, false, false]);
  });

  it('needs a signed-in caller', async () => {
    expect((await graphql(server.url, 'mutation { logout }')).body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect((await trpc(server.url, 'mutation', 'auth.logout', {})).status).toBe(401);
  });
});

describe('changePassword', () => {
  const CHANGE = 'mutation($c: String!, $n: String!) { changePassword(current: $c, next: $n) }';

  it('refuses a wrong current password and a weak new one', async () => {
    await server.app.keyway.services.users.create({ username: 'carl', password: 'carl-password', role: 'viewer' }, OPERATOR);
    const { token } = await login(server.url, 'carl', 'carl-password');
    const wrong = await graphql(server.url, CHANGE, { c: 'not-it', n: 'carl-new-password' }, token);
    expect(wrong.body.errors[0].extensions.code).toBe('INVALID_PASSWORD');
    const weak = await graphql(server.url, CHANGE, { c: 'carl-password', n: 'short' }, token);
    expect(weak.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: { next: ['must be at least 8 characters'] } });
  });

  it('changes it, keeps the caller’s session and revokes the others', async () => {
    const current = await login(server.url, 'carl', 'carl-password');
    const elsewhere = await login(server.url, 'carl', 'carl-password');
    const reply = await trpc(server.url, 'mutation', 'auth.changePassword', { current: 'carl-password', next: 'carl-new-password' }, current.token);
    expect(reply.body.result.data).toBe(true);
    expect(await acceptedEverywhere(current.token)).toEqual([true, true, true, true]);
    expect(await acceptedEverywhere(elsewhere.token)).toEqual([false, false, false, false]);
    expect((await post(server.url, '/login', { username: 'carl', password: 'carl-password' })).status).toBe(401);
    expect((await post(server.url, '/login', { username: 'carl', password: 'carl-new-password' })).status).toBe(200);
  });
});

describe('administrative changes revoke a user’s sessions', () => {
  it.each([
    ['disabling them', { disabled: true }],
    ['changing their role', { role: 'vendedor' }],
    ['changing their password', { password: 'a-brand-new-password' }],
  ])('%s', async (_case, changes) => {
    const { users } = server.app.keyway.services;
    const user = await users.create({ username: `subject-${Object.keys(changes)[0]}`, password: 'subject-password', role: 'viewer' }, OPERATOR);
    const { token } = await login(server.url, user.username, 'subject-password');
    await users.update(user.id, changes, OPERATOR);
    expect(await acceptedEverywhere(token)).toEqual([false, false, false, false]);
  });
});

describe('a restart', () => {
  it('remembers revocations', async () => {
    const pair = await login(server.url, 'rita', 'rita-password');
    await graphql(server.url, 'mutation { logout }', {}, pair.token);
    await server.stop();
    server = await startServer({ database: server.database });
    expect(await acceptedEverywhere(pair.token)).toEqual([false, false, false, false]);
  });
});
