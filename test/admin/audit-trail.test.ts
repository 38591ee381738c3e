import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { DB_KIND } from '../helpers/database.js';
import { graphql, login, post, trpc } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';

// The audit trail (SPEC §12): each security event recorded once, by the action that causes it, on
// every door where the action exists; read by admins newest first, filtered and paged.

let server: TestServer;
let admin: string;
let now = Date.UTC(2026, 11, 3, 9, 0, 10);
const PASSWORD = 'a long enough password';
const AGENT = { 'user-agent': 'AuditTest/1.0' };
const EVENT_FIELDS = 'id at type actor userId username ipAddress userAgent door details';

beforeAll(async () => {
  server = await startServer({ now: () => now, env: { REFRESH_REUSE_INTERVAL: '0s', LOGIN_MAX_FAILURES: '3' } });
  admin = (await login(server.url, 'admin', ADMIN_PASSWORD)).token;
});

afterAll(() => server?.close());

interface Event {
  id: string;
  at: string;
  type: string;
  actor: string | null;
  userId: string | number | null;
  username: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  door: string;
  details: Record<string, unknown>;
}

/** Every event of the trail about `username` (by name: a failed login of an unknown one has no id), oldest first. */
async function trailOf(username: string, url = server.url): Promise<Event[]> {
  const events: Event[] = [];
  let after: string | null = null;
  do {
    const reply: any = await graphql(url, `query($after: String) { auditEvents(limit: 200, after: $after) { events { ${EVENT_FIELDS} } nextCursor } }`, { after }, admin);
    expect(reply.body.errors).toBeUndefined();
    events.push(...reply.body.data.auditEvents.events);
    after = reply.body.data.auditEvents.nextCursor;
  } while (after);
  return events.filter((event) => event.username === username).reverse();
}

const kinds = (events: Event[]) => events.map((event) => `${event.type} ${event.door}`);
const sidOf = (token: string): string => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sid;

async function newUser(username: string, role = 'viewer') {
  const reply = await trpc(server.url, 'mutation', 'users.create', { username, password: PASSWORD, role }, admin);
  expect(reply.status).toBe(200);
  return reply.body.result.data as { id: number };
}

describe('logins', () => {
  it('are recorded on every door: who, from where, which session, and the failures with their reason', async () => {
    await newUser('ada');
    const rest = await post(server.url, '/login', { username: 'ada', password: PASSWORD }, { headers: AGENT });
    await post(server.url, '/api/login', { _username: 'ada', _password: 'wrong password' }, { headers: AGENT });
    await graphql(server.url, 'mutation { login(username: "ada", password: "a long enough password") { token } }');
    await trpc(server.url, 'mutation', 'auth.login', { username: 'ada', password: 'not it either' });
    await trpc(server.url, 'mutation', 'auth.login', { username: 'ada', password: PASSWORD });

    const trail = await trailOf('ada');
    expect(kinds(trail)).toEqual([
      'USER_CREATED trpc',
      'LOGIN_SUCCEEDED rest',
      'LOGIN_FAILED rest',
      'LOGIN_SUCCEEDED graphql',
      'LOGIN_FAILED trpc',
      'LOGIN_SUCCEEDED trpc',
    ]);
    expect(trail[1]).toMatchObject({ actor: 'ada', ipAddress: '127.0.0.1', userAgent: 'AuditTest/1.0', details: { sessionId: sidOf(rest.body.token), amr: ['pwd'] } });
    expect(trail[2]).toMatchObject({ actor: null, details: { reason: 'INVALID_PASSWORD' } });
    expect(Number(trail[2]!.userId)).toBe(Number(trail[1]!.userId));
  });

  it('record an unknown username as typed, a disabled user, and a throttled attempt', async () => {
    await post(server.url, '/login', { username: 'no-such-user', password: PASSWORD });
    expect(kinds(await trailOf('no-such-user'))).toEqual(['LOGIN_FAILED rest']);
    expect((await trailOf('no-such-user'))[0]).toMatchObject({ userId: null, details: { reason: 'USER_NOT_FOUND' } });

    const { id } = await newUser('bo');
    await graphql(server.url, `mutation { updateUser(id: "${id}", input: { disabled: true }) { id } }`, {}, admin);
    await graphql(server.url, 'mutation { login(username: "bo", password: "a long enough password") { token } }');
    // A disabled user's right password is no guess: three wrong ones reach LOGIN_MAX_FAILURES, the fourth is throttled.
    for (let n = 0; n < 4; n++) await post(server.url, '/login', { username: 'bo', password: 'wrong' });
    const trail = await trailOf('bo');
    expect(kinds(trail)).toEqual([
      'USER_CREATED trpc',
      'USER_UPDATED graphql',
      'LOGIN_FAILED graphql',
      'LOGIN_FAILED rest',
      'LOGIN_FAILED rest',
      'LOGIN_FAILED rest',
      'LOGIN_THROTTLED rest',
    ]);
    expect(trail[1]).toMatchObject({ actor: 'admin', details: { disabled: true } });
    expect(trail[2]!.details).toEqual({ reason: 'USER_DISABLED' });
  });

  it('with a second factor: enrolment, the code\'s success or failure, the login, turning it off', async () => {
    const { id } = await newUser('cyd');
    const { token } = await login(server.url, 'cyd', PASSWORD);
    const { secret } = (await trpc(server.url, 'mutation', 'mfa.startTotp', undefined, token)).body.result.data;
    const code = () => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: now });
    expect((await trpc(server.url, 'mutation', 'mfa.confirmTotp', { code: code() }, token)).status).toBe(200);
    now += 30_000;
    const challenge = async () => (await post(server.url, '/login', { username: 'cyd', password: PASSWORD })).body.mfaToken;
    await post(server.url, '/login/mfa', { mfaToken: await challenge(), code: '000000' === code() ? '111111' : '000000' });
    const done = await graphql(server.url, 'mutation($t: String!, $c: String!) { completeLogin(mfaToken: $t, code: $c) { token } }', { t: await challenge(), c: code() });
    const stepped = done.body.data.completeLogin.token;
    await post(server.url, '/api/login/mfa', { mfaToken: 'made-up', code: code() });
    await graphql(server.url, 'mutation { disableTotp(password: "a long enough password") }', {}, stepped);
    await trpc(server.url, 'mutation', 'users.update', { id, resetMfa: true }, admin);

    const trail = await trailOf('cyd');
    expect(kinds(trail)).toEqual([
      'USER_CREATED trpc',
      'LOGIN_SUCCEEDED rest',
      'MFA_ENABLED trpc',
      'MFA_FAILED rest',
      'MFA_SUCCEEDED graphql',
      'LOGIN_SUCCEEDED graphql',
      'MFA_DISABLED graphql',
      'MFA_DISABLED trpc',
    ]);
    expect(trail[3]!.details).toEqual({ reason: 'INVALID_MFA_CODE' });
    expect(trail[4]!.details).toEqual({ method: 'totp' });
    expect(trail[5]!.details).toEqual({ sessionId: sidOf(stepped), amr: ['pwd', 'otp'] });
    expect([trail[6]!.details, trail[7]!.details, trail[7]!.actor]).toEqual([{ by: 'self' }, { by: 'admin' }, 'admin']);
    // A made-up mfaToken concerns no one: recorded without a user.
    const all = (await graphql(server.url, '{ auditEvents(filter: { types: ["MFA_FAILED"] }) { events { username details } } }', {}, admin)).body.data.auditEvents.events;
    expect(all).toContainEqual({ username: null, details: { reason: 'INVALID_MFA_TOKEN' } });
  });
});

describe('sessions and passwords', () => {
  it('record logouts, revocations, a reused refresh token and password changes, by whom', async () => {
    const { id } = await newUser('dag');
    const a = await login(server.url, 'dag', PASSWORD);
    const b = await login(server.url, 'dag', PASSWORD);
    const c = await login(server.url, 'dag', PASSWORD);
    await graphql(server.url, 'mutation { logout }', {}, a.token);
    await trpc(server.url, 'mutation', 'sessions.revoke', { id: sidOf(b.token) }, c.token);
    const rotated = await trpc(server.url, 'mutation', 'auth.refresh', { refreshToken: c.refreshToken });
    expect(rotated.status).toBe(200);
    await trpc(server.url, 'mutation', 'auth.refresh', { refreshToken: c.refreshToken });
    const d = await login(server.url, 'dag', PASSWORD);
    await trpc(server.url, 'mutation', 'auth.changePassword', { current: PASSWORD, next: 'another long password' }, d.token);
    await graphql(server.url, `mutation { updateUser(id: "${id}", input: { password: "a long enough password" }) { id } }`, {}, admin);
    await login(server.url, 'dag', 'a long enough password');
    expect((await cli(server.database, ['sessions', 'revoke', 'dag'])).code).toBe(0);

    const trail = (await trailOf('dag')).filter((event) => event.type !== 'LOGIN_SUCCEEDED');
    expect(kinds(trail)).toEqual([
      'USER_CREATED trpc',
      'LOGOUT graphql',
      'SESSION_REVOKED trpc',
      'REFRESH_REUSE_DETECTED trpc',
      'PASSWORD_CHANGED trpc',
      'PASSWORD_CHANGED graphql',
      'SESSION_REVOKED cli',
    ]);
    expect(trail[1]).toMatchObject({ actor: 'dag', details: { sessionId: sidOf(a.token) } });
    expect(trail[2]).toMatchObject({ actor: 'dag', details: { sessionId: sidOf(b.token) } });
    expect(trail[3]).toMatchObject({ actor: null, details: { sessionId: sidOf(c.token) } });
    expect(trail.slice(4).map((event) => [event.actor, event.details])).toEqual([
      ['dag', { by: 'self' }],
      ['admin', { by: 'admin' }],
      [null, { allSessions: true, count: 1 }],
    ]);
    expect(trail[6]).toMatchObject({ ipAddress: null, userAgent: null });
  });
});

describe('administration', () => {
  it('records users, roles and keys changed on GraphQL, tRPC and the command line', async () => {
    const created = await graphql(server.url, 'mutation { createUser(input: { username: "eli", password: "a long enough password", role: "viewer" }) { id } }', {}, admin);
    const id = created.body.data.createUser.id;
    await trpc(server.url, 'mutation', 'users.update', { id: Number(id), role: 'developer' }, admin);
    expect((await cli(server.database, ['users', 'set-role', 'eli', 'viewer'])).code).toBe(0);
    await trpc(server.url, 'mutation', 'users.delete', { id: Number(id) }, admin);
    expect(kinds(await trailOf('eli'))).toEqual(['USER_CREATED graphql', 'USER_UPDATED trpc', 'USER_UPDATED cli', 'USER_DELETED trpc']);

    await graphql(server.url, 'mutation { upsertRole(name: "auditor", permissions: [GET, POST]) { name } }', {}, admin);
    await trpc(server.url, 'mutation', 'roles.upsert', { name: 'auditor', permissions: ['GET'] }, admin);
    expect((await cli(server.database, ['roles', 'delete', 'auditor'])).code).toBe(0);
    expect((await cli(server.database, ['keys', 'rotate'])).code).toBe(0);
    const page = await trpc(server.url, 'query', 'audit.list', { types: ['ROLE_UPSERTED', 'ROLE_DELETED', 'KEY_ROTATED'], limit: 4 }, admin);
    const events = page.body.result.data.events.reverse();
    expect(events.map((event: Event) => [event.type, event.door, event.actor, event.details.role ?? null])).toEqual([
      ['ROLE_UPSERTED', 'graphql', 'admin', 'auditor'],
      ['ROLE_UPSERTED', 'trpc', 'admin', 'auditor'],
      ['ROLE_DELETED', 'cli', null, 'auditor'],
      ['KEY_ROTATED', 'cli', null, null],
    ]);
    expect(events[0].details).toMatchObject({ permissions: ['GET', 'POST'], created: true });
    expect(events[1].details).toMatchObject({ permissions: ['GET'], created: false });
    expect(events[3].details.kid).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('never holds a secret: no password, token or code of this test appears in the trail', async () => {
    const text = JSON.stringify(await trailOf('ada')) + JSON.stringify((await trpc(server.url, 'query', 'audit.list', { limit: 500 }, admin)).body);
    for (const secret of [PASSWORD, 'another long password', 'wrong password', 'not it either', ADMIN_PASSWORD, admin]) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('each action on each door where it exists', () => {
  let serial = 0;
  /** A fresh user (the throttle and the second factor are per user), signed in; a TOTP code source when enrolled. */
  async function someone(options: { totp?: boolean } = {}) {
    const username = `actor-${++serial}`;
    const { id } = await newUser(username);
    const { token, refreshToken } = await login(server.url, username, PASSWORD);
    if (!options.totp) return { id, username, token, refreshToken, code: () => '' };
    const { secret } = (await graphql(server.url, 'mutation { startTotpEnrollment { secret } }', {}, token)).body.data.startTotpEnrollment;
    const code = () => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: (now += 30_000) });
    await graphql(server.url, 'mutation($c: String!) { confirmTotpEnrollment(code: $c) }', { c: code() }, token);
    return { id, username, token, refreshToken, code };
  }
  type Someone = Awaited<ReturnType<typeof someone>>;
  const challenge = async (user: Someone) => (await post(server.url, '/login', { username: user.username, password: PASSWORD })).body.mfaToken;
  const steppedUp = async (user: Someone) =>
    (await post(server.url, '/login/mfa', { mfaToken: await challenge(user), code: user.code() })).body.token as string;
  const throttle = async (user: Someone, attempt: () => Promise<unknown>) => {
    for (let n = 0; n < 3; n++) await post(server.url, '/login', { username: user.username, password: 'wrong' });
    await attempt();
  };
  const gqlLogin = (username: string, password: string) =>
    graphql(server.url, 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }', { u: username, p: password });
  const complete = {
    rest: async (u: Someone, code: string) => post(server.url, '/login/mfa', { mfaToken: await challenge(u), code }),
    graphql: async (u: Someone, code: string) =>
      graphql(server.url, 'mutation($t: String!, $c: String!) { completeLogin(mfaToken: $t, code: $c) { token } }', { t: await challenge(u), c: code }),
    trpc: async (u: Someone, code: string) => trpc(server.url, 'mutation', 'auth.completeLogin', { mfaToken: await challenge(u), code }),
  };

  const ACTIONS: [type: string, door: string, totp: boolean, act: (user: Someone) => Promise<unknown>][] = [
    ['LOGIN_SUCCEEDED', 'rest', false, (u) => post(server.url, '/api/login', { _username: u.username, _password: PASSWORD })],
    ['LOGIN_THROTTLED', 'rest', false, (u) => throttle(u, () => post(server.url, '/api/login', { _username: u.username, _password: PASSWORD }))],
    ['LOGIN_THROTTLED', 'graphql', false, (u) => throttle(u, () => gqlLogin(u.username, PASSWORD))],
    ['LOGIN_THROTTLED', 'trpc', false, (u) => throttle(u, () => trpc(server.url, 'mutation', 'auth.login', { username: u.username, password: PASSWORD }))],
    ['MFA_SUCCEEDED', 'rest', true, (u) => complete.rest(u, u.code())],
    ['MFA_SUCCEEDED', 'graphql', true, (u) => complete.graphql(u, u.code())],
    ['MFA_SUCCEEDED', 'trpc', true, (u) => complete.trpc(u, u.code())],
    ['MFA_FAILED', 'rest', true, (u) => complete.rest(u, 'zzzzz-zzzzz')],
    ['MFA_FAILED', 'graphql', true, (u) => complete.graphql(u, 'zzzzz-zzzzz')],
    ['MFA_FAILED', 'trpc', true, (u) => complete.trpc(u, 'zzzzz-zzzzz')],
    ['LOGOUT', 'graphql', false, (u) => graphql(server.url, 'mutation { logout(allSessions: true) }', {}, u.token)],
    ['LOGOUT', 'trpc', false, (u) => trpc(server.url, 'mutation', 'auth.logout', {}, u.token)],
    ['SESSION_REVOKED', 'graphql', false, (u) => graphql(server.url, 'mutation($id: ID!) { revokeSession(id: $id) }', { id: sidOf(u.token) }, admin)],
    ['SESSION_REVOKED', 'trpc', false, (u) => trpc(server.url, 'mutation', 'sessions.revoke', { id: sidOf(u.token) }, u.token)],
    ['SESSION_REVOKED', 'cli', false, (u) => cli(server.database, ['sessions', 'revoke', u.username])],
    ['REFRESH_REUSE_DETECTED', 'graphql', false, async (u) => {
      const query = 'mutation($r: String!) { refreshToken(refreshToken: $r) { token } }';
      await graphql(server.url, query, { r: u.refreshToken });
      await graphql(server.url, query, { r: u.refreshToken });
    }],
    ['PASSWORD_CHANGED', 'graphql', false, (u) => graphql(server.url, 'mutation { changePassword(current: "a long enough password", next: "yet another password") }', {}, u.token)],
    ['PASSWORD_CHANGED', 'trpc', false, (u) => trpc(server.url, 'mutation', 'users.update', { id: u.id, password: 'yet another password' }, admin)],
    ['PASSWORD_CHANGED', 'cli', false, (u) => cli(server.database, ['users', 'set-password', u.username], 'yet another password\n')],
    ['MFA_ENABLED', 'graphql', false, async (u) => {
      const { secret } = (await graphql(server.url, 'mutation { startTotpEnrollment { secret } }', {}, u.token)).body.data.startTotpEnrollment;
      const code = new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: (now += 30_000) });
      await graphql(server.url, 'mutation($c: String!) { confirmTotpEnrollment(code: $c) }', { c: code }, u.token);
    }],
    ['MFA_DISABLED', 'trpc', true, async (u) => trpc(server.url, 'mutation', 'mfa.disable', { password: PASSWORD }, await steppedUp(u))],
    ['MFA_DISABLED', 'graphql', true, (u) => graphql(server.url, `mutation { updateUser(id: "${u.id}", input: { resetMfa: true }) { id } }`, {}, admin)],
    ['MFA_DISABLED', 'cli', true, (u) => cli(server.database, ['users', 'reset-mfa', u.username])],
    ['USER_CREATED', 'cli', false, async (u) => {
      await cli(server.database, ['users', 'delete', u.username]);
      await cli(server.database, ['users', 'create', u.username, '--role', 'viewer'], `${PASSWORD}\n`);
    }],
    ['USER_DELETED', 'graphql', false, (u) => graphql(server.url, `mutation { deleteUser(id: "${u.id}") }`, {}, admin)],
    ['USER_DELETED', 'cli', false, (u) => cli(server.database, ['users', 'delete', u.username])],
  ];

  it.each(ACTIONS)('%s on %s', async (type, door, totp, act) => {
    const user = await someone({ totp });
    const recorded = async () => {
      const page = await trpc(server.url, 'query', 'audit.list', { types: [type], limit: 500 }, admin);
      return page.body.result.data.events.filter((event: Event) => event.username === user.username && event.door === door).length;
    };
    const before = await recorded(); // the sign-in and enrolment of someone() are events too
    await act(user);
    expect((await recorded()) - before).toBe(1);
  });

  it.each([
    ['ROLE_UPSERTED', 'cli', (name: string) => cli(server.database, ['roles', 'set', name, 'GET'])],
    ['ROLE_DELETED', 'graphql', (name: string) => graphql(server.url, `mutation { deleteRole(name: "${name}") }`, {}, admin)],
    ['ROLE_DELETED', 'trpc', (name: string) => trpc(server.url, 'mutation', 'roles.delete', { name }, admin)],
  ] as const)('%s on %s', async (type, door, act) => {
    const name = `role-${++serial}`;
    await trpc(server.url, 'mutation', 'roles.upsert', { name, permissions: ['GET'] }, admin);
    await act(name);
    const events = (await trpc(server.url, 'query', 'audit.list', { types: [type], limit: 500 }, admin)).body.result.data.events;
    expect(events.filter((event: Event) => event.details.role === name && event.door === door)).toHaveLength(1);
  });
});

describe('reading the trail', () => {
  it('filters by type, user and time, newest first, and pages with a cursor without gaps or repeats', async () => {
    const { id } = await newUser('fay');
    for (let n = 0; n < 7; n++) await post(server.url, '/login', { username: 'fay', password: n % 2 ? 'wrong' : PASSWORD });
    const all = await trailOf('fay');
    expect(all).toHaveLength(8);

    const seen: Event[] = [];
    let after: string | undefined;
    do {
      const page: any = await trpc(server.url, 'query', 'audit.list', { userId: id, limit: 3, ...(after && { after }) }, admin);
      expect(page.status).toBe(200);
      seen.push(...page.body.result.data.events);
      after = page.body.result.data.nextCursor ?? undefined;
    } while (after);
    expect(seen.map((event) => event.id)).toEqual(all.map((event) => event.id).reverse());

    const failed = await graphql(server.url, `query($u: ID!) { auditEvents(filter: { userId: $u, types: ["LOGIN_FAILED"] }) { events { type } nextCursor } }`, { u: String(id) }, admin);
    expect(failed.body.data.auditEvents).toEqual({ events: Array(3).fill({ type: 'LOGIN_FAILED' }), nextCursor: null });

    const middle = all[4]!.at;
    const since = await trpc(server.url, 'query', 'audit.list', { userId: id, since: middle }, admin);
    expect(since.body.result.data.events.every((event: Event) => event.at >= middle)).toBe(true);
    const until = await graphql(server.url, `query($u: ID!, $t: DateTimeISO!) { auditEvents(filter: { userId: $u, until: $t }) { events { at } } }`, { u: String(id), t: middle }, admin);
    expect(until.body.data.auditEvents.events.every((event: Event) => event.at < middle)).toBe(true);
    expect(since.body.result.data.events.length + until.body.data.auditEvents.events.length).toBe(8);
  });

  it('refuses wrong filters, a cursor not its own, and anyone but an admin, in each door\'s words', async () => {
    const bad = async (input: Record<string, unknown>) => {
      const reply = await trpc(server.url, 'query', 'audit.list', input, admin);
      return [reply.status, reply.body.error?.data?.domainCode, reply.body.error?.message];
    };
    expect(await bad({ types: ['LOGGED_IN'] })).toEqual([400, 'BAD_USER_INPUT', 'types.0 must be an audit event type such as LOGIN_FAILED']);
    expect(await bad({ limit: 0 })).toEqual([400, 'BAD_USER_INPUT', 'limit must be at least 1']);
    expect(await bad({ limit: 501 })).toEqual([400, 'BAD_USER_INPUT', 'limit must be at most 500']);
    expect(await bad({ userId: 'fay' })).toEqual([400, 'BAD_USER_INPUT', 'userId must be an integer']);
    expect(await bad({ since: 'yesterday' })).toEqual([400, 'BAD_USER_INPUT', 'since must be an ISO 8601 date-time such as 2026-12-01T12:00:00Z']);
    expect(await bad({ since: '2026-12-02T00:00:00Z', until: '2026-12-01T00:00:00Z' })).toEqual([400, 'BAD_USER_INPUT', 'until must be later than since']);
    for (const after of ['not-a-cursor!', Buffer.from('12.x').toString('base64url'), Buffer.from('{"id":1}').toString('base64url')]) {
      expect(await bad({ after })).toEqual([400, 'BAD_USER_INPUT', 'after is not a cursor of this list']);
    }

    const gql = await graphql(server.url, '{ auditEvents(after: "bm9wZQ") { nextCursor } }', {}, admin);
    expect(gql.body.errors[0]).toMatchObject({ message: 'after is not a cursor of this list', extensions: { code: 'BAD_USER_INPUT' } });
    const gqlTypes = await graphql(server.url, '{ auditEvents(filter: { types: ["NOPE"] }) { nextCursor } }', {}, admin);
    expect(gqlTypes.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const gqlRange = await graphql(server.url, '{ auditEvents(filter: { since: "2026-12-02T00:00:00Z", until: "2026-12-01T00:00:00Z" }) { nextCursor } }', {}, admin);
    expect(gqlRange.body.errors[0]).toMatchObject({ message: 'until must be later than since', extensions: { code: 'BAD_USER_INPUT' } });

    await newUser('gil');
    const { token } = await login(server.url, 'gil', PASSWORD);
    expect((await graphql(server.url, '{ auditEvents { nextCursor } }', {}, token)).body.errors[0].extensions.code).toBe('FORBIDDEN');
    const rpc = await trpc(server.url, 'query', 'audit.list', {}, token);
    expect([rpc.status, rpc.body.error.data.domainCode]).toEqual([403, 'FORBIDDEN']);
    expect((await trpc(server.url, 'query', 'audit.list', {})).status).toBe(401);
  });

  it('is printed by the command line, filtered by user and type', async () => {
    const printed = await cli(server.database, ['audit', 'list', '--user', 'fay', '--type', 'login_failed', '--limit', '2']);
    expect(printed.code).toBe(0);
    const lines = printed.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^at +type +actor +user +address +door +details$/);
    expect(lines.slice(1).map((line) => line.split(/ {2,}/).slice(1, 6))).toEqual(Array(2).fill(['LOGIN_FAILED', '-', 'fay', '127.0.0.1', 'rest']));
    const wrong = await cli(server.database, ['audit', 'list', '--type', 'NOPE']);
    expect([wrong.code, wrong.stderr.trim()]).toEqual([1, 'keyway: types.0 must be an audit event type such as LOGIN_FAILED']);
  });
});

describe('keeping the trail', () => {
  it('forgets events older than AUDIT_RETENTION', async () => {
    const connection = server.app.keyway.database.orm.em.getConnection();
    await connection.execute(`insert into audit_events (at, type, door, details, username) values (now() - interval '91 days', 'LOGIN_FAILED', 'rest', '{}', 'old-timer')`);
    expect(await trailOf('old-timer')).toHaveLength(1);
    await server.app.keyway.services.audit.prune(90 * 86400);
    expect(await trailOf('old-timer')).toHaveLength(0);
    expect((await trailOf('ada')).length).toBeGreaterThan(0);
  });

  it('writes what it holds before a clean shutdown, and keeps a login working while the database refuses the writes', async () => {
    const own = await startServer();
    const connection = own.app.keyway.database.orm.em.getConnection();
    await own.app.keyway.services.users.create({ username: 'hal', password: PASSWORD, role: 'viewer' }, (await import('../../src/core/audit.js')).OPERATOR);
    await connection.execute('alter table audit_events rename to audit_events_away');
    expect((await post(own.url, '/login', { username: 'hal', password: PASSWORD })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await connection.execute('alter table audit_events_away rename to audit_events');
    expect((await post(own.url, '/login', { username: 'hal', password: 'wrong' })).status).toBe(401);
    await own.stop();

    const again = await startServer({ database: own.database });
    try {
      const token = (await login(again.url, 'admin', ADMIN_PASSWORD)).token;
      const reply = await trpc(again.url, 'query', 'audit.list', { types: ['USER_CREATED', 'LOGIN_SUCCEEDED', 'LOGIN_FAILED'] }, token);
      const events = reply.body.result.data.events.filter((event: Event) => event.username === 'hal').reverse();
      expect(events.map((event: Event) => event.type)).toEqual(['USER_CREATED', 'LOGIN_SUCCEEDED', 'LOGIN_FAILED']);
      expect(own.logs.join('')).toContain('cannot write');
    } finally {
      await again.close();
    }
  });
});

describe.runIf(DB_KIND === 'postgres')('two instances on one PostgreSQL', () => {
  it('write to one trail: logins on either are read on both', async () => {
    const other = await startServer({ database: server.database });
    try {
      await newUser('ivo');
      await Promise.all(
        Array.from({ length: 10 }, (_, n) => post(n % 2 ? other.url : server.url, '/login', { username: 'ivo', password: PASSWORD })),
      );
      const begun = Date.now();
      while ((await trailOf('ivo')).length < 11) {
        expect(Date.now() - begun).toBeLessThan(2000);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(kinds(await trailOf('ivo', other.url)).filter((kind) => kind === 'LOGIN_SUCCEEDED rest')).toHaveLength(10);
    } finally {
      await other.stop();
    }
  });
});
