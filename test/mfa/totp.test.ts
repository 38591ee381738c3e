import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { DB_KIND } from '../helpers/database.js';
import { call, graphql, login, post, trpc } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';
import { OPERATOR } from '../../src/core/audit.js';

// Two-factor authentication (SPEC §11) on every door, with codes the library computes from the
// secret at a time this test sets: the server checks codes against the same clock.

let server: TestServer;
let now = Date.UTC(2026, 11, 1, 12, 0, 10);
const PASSWORD = 'a long enough password';

beforeAll(async () => {
  server = await startServer({ now: () => now, env: { LOGIN_MAX_FAILURES: '4' } });
});

afterAll(() => server?.close());

const codeAt = (secret: string, at: number) => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: at });
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
const GRAPHQL_LOGIN = 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token refreshToken } }';
const COMPLETE = 'mutation($t: String!, $c: String!) { completeLogin(mfaToken: $t, code: $c) { token refreshToken user { username } } }';

/** A user with TOTP on, enrolled through GraphQL: their secret, recovery codes, and the enrolling session's token. */
async function enrolledUser(username: string) {
  await server.app.keyway.services.users.create({ username, password: PASSWORD, role: 'viewer' }, OPERATOR);
  const { token } = await login(server.url, username, PASSWORD);
  const started = await graphql(server.url, 'mutation { startTotpEnrollment { secret otpauthUri } }', {}, token);
  const { secret, otpauthUri } = started.body.data.startTotpEnrollment;
  const confirmed = await graphql(server.url, 'mutation($c: String!) { confirmTotpEnrollment(code: $c) }', { c: codeAt(secret, now) }, token);
  now += 30_000; // the enrolment's code is used; the next login's is the next step's
  return { secret, otpauthUri, recoveryCodes: confirmed.body.data.confirmTotpEnrollment as string[], token };
}

/** A challenge from StockAPI's /login. */
async function challenge(username: string): Promise<string> {
  const reply = await post(server.url, '/login', { username, password: PASSWORD });
  expect(reply.status).toBe(401);
  return reply.body.mfaToken;
}

describe('enrolment', () => {
  it('hands out a pending secret and its otpauth URI, confirmed by a first code: ten recovery codes, other sessions revoked', async () => {
    await server.app.keyway.services.users.create({ username: 'erin', password: PASSWORD, role: 'viewer' }, OPERATOR);
    const first = (await login(server.url, 'erin', PASSWORD)).token;
    const other = (await login(server.url, 'erin', PASSWORD)).token;
    const started = await trpc(server.url, 'mutation', 'mfa.startTotp', undefined, first);
    const { secret, otpauthUri } = started.body.result.data;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(otpauthUri).toBe(`otpauth://totp/Keyway:erin?issuer=Keyway&secret=${secret}&algorithm=SHA1&digits=6&period=30`);

    const wrong = await trpc(server.url, 'mutation', 'mfa.confirmTotp', { code: codeAt(secret, now - 120_000) }, first);
    expect([wrong.status, wrong.body.error.data.domainCode]).toEqual([401, 'INVALID_MFA_CODE']);

    const confirmed = await trpc(server.url, 'mutation', 'mfa.confirmTotp', { code: codeAt(secret, now) }, first);
    expect(confirmed.status).toBe(200);
    const codes: string[] = confirmed.body.result.data;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/);
    expect((await trpc(server.url, 'query', 'auth.me', undefined, first)).status).toBe(200);
    expect((await trpc(server.url, 'query', 'auth.me', undefined, other)).status).toBe(401);
    now += 30_000;
  });

  it('refuses a confirmation with no enrolment started, and a second enrolment while one is on', async () => {
    await server.app.keyway.services.users.create({ username: 'fay', password: PASSWORD, role: 'viewer' }, OPERATOR);
    const { token } = await login(server.url, 'fay', PASSWORD);
    const early = await graphql(server.url, 'mutation { confirmTotpEnrollment(code: "123456") }', {}, token);
    expect(early.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const enrolled = await enrolledUser('gus');
    const again = await graphql(server.url, 'mutation { startTotpEnrollment { secret } }', {}, enrolled.token);
    expect(again.body.errors[0].extensions.code).toBe('CONFLICT');
  });

  it('keeps the secret encrypted and the recovery codes hashed in the database', async () => {
    const { secret, recoveryCodes } = await enrolledUser('hal');
    const connection = server.app.keyway.database.orm.em.getConnection();
    const [row] = await connection.execute<{ totp_secret: string }[]>("select totp_secret from users where username = 'hal'");
    expect(row!.totp_secret).toMatch(/^v1\./);
    expect(row!.totp_secret).not.toContain(secret);
    const hashes = await connection.execute<{ code_hash: string }[]>(
      "select code_hash from recovery_codes where user_id = (select id from users where username = 'hal')",
    );
    expect(hashes).toHaveLength(10);
    for (const { code_hash } of hashes) expect(recoveryCodes.some((code) => code_hash.includes(code.replace('-', '')))).toBe(false);
  });
});

describe('a login of a user with TOTP', () => {
  let secret: string;
  let recoveryCodes: string[];

  beforeAll(async () => {
    ({ secret, recoveryCodes } = await enrolledUser('ivy'));
  });

  it('answers a challenge, not tokens, in each door\'s words', async () => {
    const stock = await post(server.url, '/login', { username: 'ivy', password: PASSWORD });
    expect(stock.status).toBe(401);
    expect(Object.keys(stock.body)).toEqual(['message', 'mfaToken']);
    expect(stock.body.message).toBe('Se requiere un segundo factor');
    expect(stock.body.mfaToken).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const b2 = await post(server.url, '/api/login', { _username: 'ivy', _password: PASSWORD });
    expect(b2.status).toBe(401);
    expect(b2.body).toEqual({ code: 401, error: 'Second factor required.', mfaToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });

    const gql = await graphql(server.url, GRAPHQL_LOGIN, { u: 'ivy', p: PASSWORD });
    expect(gql.body.data).toBeNull();
    expect(gql.body.errors[0].extensions).toEqual({ code: 'MFA_REQUIRED', mfaToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });

    const rpc = await trpc(server.url, 'mutation', 'auth.login', { username: 'ivy', password: PASSWORD });
    expect(rpc.status).toBe(401);
    expect(rpc.body.error.data).toMatchObject({ code: 'UNAUTHORIZED', domainCode: 'MFA_REQUIRED', mfaToken: expect.any(String) });

    // A wrong password is still a wrong password: no challenge.
    const wrong = await post(server.url, '/login', { username: 'ivy', password: 'not the password' });
    expect([wrong.status, wrong.body]).toEqual([401, { message: 'Contraseña incorrecta' }]);
  });

  it('completes with a TOTP code on every door, each answering its success body, the token saying amr pwd+otp', async () => {
    const stock = await post(server.url, '/login/mfa', { mfaToken: await challenge('ivy'), code: codeAt(secret, now) });
    expect(stock.status).toBe(200);
    expect(Object.keys(stock.body)).toEqual(['token', 'refreshToken', 'expiresAt', 'user']);
    expect(claimsOf(stock.body.token).amr).toEqual(['pwd', 'otp']);
    now += 30_000;

    const b2 = await post(server.url, '/api/login/mfa', { mfaToken: await challenge('ivy'), code: codeAt(secret, now) });
    expect(b2.status).toBe(200);
    expect(Object.keys(b2.body)).toEqual(['token', 'refreshToken', 'expiresAt']);
    now += 30_000;

    const gql = await graphql(server.url, COMPLETE, { t: await challenge('ivy'), c: codeAt(secret, now) });
    expect(gql.body.data.completeLogin.user).toEqual({ username: 'ivy' });
    now += 30_000;

    const rpc = await trpc(server.url, 'mutation', 'auth.completeLogin', { mfaToken: await challenge('ivy'), code: codeAt(secret, now) });
    expect(rpc.status).toBe(200);
    const verified = await trpc(server.url, 'mutation', 'auth.verifyToken', { token: rpc.body.result.data.token });
    expect(verified.body.result.data.payload.amr).toEqual(['pwd', 'otp']);
    now += 30_000;
  });

  it('accepts a code one step either side of now, and refuses two steps away', async () => {
    for (const [offset, accepted] of [[-30_000, true], [30_000, true], [-60_000, false], [60_000, false]] as const) {
      now += 120_000; // past every step used before
      const reply = await post(server.url, '/login/mfa', { mfaToken: await challenge('ivy'), code: codeAt(secret, now + offset) });
      expect([offset, reply.status]).toEqual([offset, accepted ? 200 : 401]);
    }
  });

  it('accepts a code once: the same code again, even inside its window, is refused', async () => {
    now += 120_000;
    const code = codeAt(secret, now);
    expect((await post(server.url, '/login/mfa', { mfaToken: await challenge('ivy'), code })).status).toBe(200);
    const replay = await post(server.url, '/login/mfa', { mfaToken: await challenge('ivy'), code });
    expect([replay.status, replay.body]).toEqual([401, { message: 'Código de verificación incorrecto' }]);
    // An earlier step than one used is refused too.
    const earlier = await post(server.url, '/api/login/mfa', { mfaToken: await challenge('ivy'), code: codeAt(secret, now - 30_000) });
    expect([earlier.status, earlier.body]).toEqual([401, { code: 401, error: 'Invalid verification code.' }]);
  });

  it('refuses an mfaToken used twice, expired, or made up', async () => {
    now += 120_000;
    const token = await challenge('ivy');
    expect((await post(server.url, '/login/mfa', { mfaToken: token, code: codeAt(secret, now) })).status).toBe(200);
    now += 30_000;
    const twice = await post(server.url, '/login/mfa', { mfaToken: token, code: codeAt(secret, now) });
    expect([twice.status, twice.body]).toEqual([401, { message: 'Desafío de segundo factor inválido o expirado' }]);

    const old = await challenge('ivy');
    now += 5 * 60_000 + 1000;
    const expired = await graphql(server.url, COMPLETE, { t: old, c: codeAt(secret, now) });
    expect(expired.body.errors[0].extensions.code).toBe('INVALID_MFA_TOKEN');

    const madeUp = await trpc(server.url, 'mutation', 'auth.completeLogin', { mfaToken: 'x'.repeat(43), code: codeAt(secret, now) });
    expect([madeUp.status, madeUp.body.error.data.domainCode]).toEqual([401, 'INVALID_MFA_TOKEN']);
  });

  it('takes a recovery code once, typed in any case without its dash', async () => {
    now += 120_000;
    const typed = recoveryCodes[0]!.replace('-', '').toUpperCase();
    const first = await post(server.url, '/api/login/mfa', { mfaToken: await challenge('ivy'), code: typed });
    expect(first.status).toBe(200);
    expect(claimsOf(first.body.token).amr).toEqual(['pwd', 'otp']);
    const again = await post(server.url, '/api/login/mfa', { mfaToken: await challenge('ivy'), code: recoveryCodes[0]! });
    expect([again.status, again.body]).toEqual([401, { code: 401, error: 'Invalid verification code.' }]);
  });

  it('keeps the session\'s amr through a refresh', async () => {
    now += 120_000;
    const done = await graphql(server.url, COMPLETE, { t: await challenge('ivy'), c: codeAt(secret, now) });
    const refreshed = await trpc(server.url, 'mutation', 'auth.refresh', { refreshToken: done.body.data.completeLogin.refreshToken });
    expect(claimsOf(refreshed.body.result.data.token).amr).toEqual(['pwd', 'otp']);
  });
});

describe('wrong codes', () => {
  it('are throttled per user and address like passwords: malformed ones count, then even a right code waits', async () => {
    const { secret } = await enrolledUser('jay');
    const token = await challenge('jay');
    const wrong = ['000000', 'abc', '12345678', 'zzzzz-zzzzz'];
    for (const code of wrong) {
      const reply = await post(server.url, '/login/mfa', { mfaToken: token, code });
      expect([code, reply.status, reply.body]).toEqual([code, 401, { message: 'Código de verificación incorrecto' }]);
    }
    const refused = await trpc(server.url, 'mutation', 'auth.completeLogin', { mfaToken: token, code: codeAt(secret, now) });
    expect([refused.status, refused.body.error.data.domainCode]).toEqual([429, 'TOO_MANY_REQUESTS']);
    expect(refused.body.error.data.retryAfter).toBeGreaterThan(0);
  });

  it('are refused with a clear error for input of the wrong type or size, never a 500', async () => {
    const token = await challenge('ivy');
    for (const body of [{ mfaToken: token }, { mfaToken: token, code: 123456 }, { mfaToken: token, code: '1'.repeat(65) }, {}]) {
      const reply = await post(server.url, '/api/login/mfa', body);
      expect([reply.status, reply.body.code, reply.body.error]).toEqual([400, 400, 'Invalid request body.']);
    }
  });
});

describe('turning the second factor off', () => {
  it('needs a session that passed it (step-up) and the password, and revokes the other sessions', async () => {
    const { secret, token: enrolling } = await enrolledUser('kim');
    const stepUp = await graphql(server.url, 'mutation($p: String!) { disableTotp(password: $p) }', { p: PASSWORD }, enrolling);
    expect(stepUp.body.errors[0].extensions.code).toBe('MFA_STEP_UP_REQUIRED');

    const withOtp = (await graphql(server.url, COMPLETE, { t: await challenge('kim'), c: codeAt(secret, now) })).body.data.completeLogin.token;
    now += 30_000;
    const other = (await graphql(server.url, COMPLETE, { t: await challenge('kim'), c: codeAt(secret, now) })).body.data.completeLogin.token;
    const wrongPassword = await trpc(server.url, 'mutation', 'mfa.disable', { password: 'not it' }, withOtp);
    expect([wrongPassword.status, wrongPassword.body.error.data.domainCode]).toEqual([401, 'INVALID_PASSWORD']);
    const off = await trpc(server.url, 'mutation', 'mfa.disable', { password: PASSWORD }, withOtp);
    expect(off.body.result.data).toBe(true);
    expect((await trpc(server.url, 'query', 'auth.me', undefined, other)).status).toBe(401);
    const plain = await post(server.url, '/login', { username: 'kim', password: PASSWORD });
    expect(plain.status).toBe(200);
    expect(claimsOf(plain.body.token).amr).toEqual(['pwd']);
  });

  it('regenerating recovery codes retires the old ones', async () => {
    const { secret, recoveryCodes } = await enrolledUser('lou');
    const withOtp = (await graphql(server.url, COMPLETE, { t: await challenge('lou'), c: codeAt(secret, now) })).body.data.completeLogin.token;
    const fresh = await graphql(server.url, 'mutation($p: String!) { regenerateRecoveryCodes(password: $p) }', { p: PASSWORD }, withOtp);
    const codes: string[] = fresh.body.data.regenerateRecoveryCodes;
    expect(codes).toHaveLength(10);
    expect((await post(server.url, '/login/mfa', { mfaToken: await challenge('lou'), code: recoveryCodes[1]! })).status).toBe(401);
    expect((await post(server.url, '/login/mfa', { mfaToken: await challenge('lou'), code: codes[1]! })).status).toBe(200);
  });

  it('an admin resets it on GraphQL, tRPC and the command line: logins get tokens again, sessions are revoked', async () => {
    const admin = (await login(server.url, 'admin', ADMIN_PASSWORD)).token;
    // One after the other: each enrolment moves the clock the server checks codes against.
    const users: Awaited<ReturnType<typeof enrolledUser>>[] = [];
    for (const name of ['mia', 'ned', 'oli']) users.push(await enrolledUser(name));
    const ids = await Promise.all(['mia', 'ned'].map(async (name) => (await server.app.keyway.services.users.findByUsername(name)).id));

    const viaGraphql = await graphql(server.url, 'mutation($id: ID!) { updateUser(id: $id, input: { resetMfa: true }) { username } }', { id: String(ids[0]) }, admin);
    expect(viaGraphql.body.data.updateUser).toEqual({ username: 'mia' });
    const viaTrpc = await trpc(server.url, 'mutation', 'users.update', { id: ids[1], resetMfa: true }, admin);
    expect(viaTrpc.status).toBe(200);
    const viaCli = await cli(server.database, ['users', 'reset-mfa', 'oli']);
    expect(viaCli).toEqual({ code: 0, stdout: 'oli has no second factor now and enrols again (their sessions are revoked)\n', stderr: '' });

    for (const [index, name] of ['mia', 'ned', 'oli'].entries()) {
      expect((await post(server.url, '/login', { username: name, password: PASSWORD })).status).toBe(200);
      // The CLI's revocation reaches this server through the database (PostgreSQL) or its own change (PGlite).
      await expect.poll(async () => (await trpc(server.url, 'query', 'auth.me', undefined, users[index]!.token)).status, { timeout: 3000 }).toBe(401);
    }
    const refused = await trpc(server.url, 'mutation', 'users.update', { id: ids[0], resetMfa: false }, admin);
    expect([refused.status, refused.body.error.data.domainCode]).toEqual([400, 'BAD_USER_INPUT']);
  });
});

describe('users without TOTP', () => {
  it('log in as before, their token saying amr pwd', async () => {
    const reply = await call(server.url, '/login', { body: { username: 'admin', password: ADMIN_PASSWORD } });
    expect(reply.status).toBe(200);
    expect(claimsOf(reply.body.token).amr).toEqual(['pwd']);
  });
});

describe('on the system clock, as a server started without one checks codes', () => {
  it('enrols with a code of now and completes a login with the next step\'s code', async () => {
    const plain = await startServer();
    try {
      await plain.app.keyway.services.users.create({ username: 'quin', password: PASSWORD, role: 'viewer' }, OPERATOR);
      const { token } = await login(plain.url, 'quin', PASSWORD);
      const { secret } = (await trpc(plain.url, 'mutation', 'mfa.startTotp', undefined, token)).body.result.data;
      const enrolledAt = Date.now();
      expect((await trpc(plain.url, 'mutation', 'mfa.confirmTotp', { code: codeAt(secret, enrolledAt) }, token)).status).toBe(200);
      const { mfaToken } = (await post(plain.url, '/login', { username: 'quin', password: PASSWORD })).body;
      // The step after the enrolment's: unused, and within one step of the server's now.
      const done = await post(plain.url, '/login/mfa', { mfaToken, code: codeAt(secret, enrolledAt + 30_000) });
      expect(done.status).toBe(200);
      expect(claimsOf(done.body.token).amr).toEqual(['pwd', 'otp']);
    } finally {
      await plain.close();
    }
  });
});

describe.runIf(DB_KIND === 'postgres')('two instances on one PostgreSQL', () => {
  it('accept a code once between them: of the same code sent to both at once, one login gets in, round after round', async () => {
    const other = await startServer({ database: server.database, now: () => now });
    try {
      const { secret } = await enrolledUser('pia');
      // One per instance (each instance runs one user's attempts from one address in turn): a replay is
      // a wrong code and counts, so more at once would soon be throttled.
      for (let round = 0; round < 20; round++) {
        now += 30_000;
        const code = codeAt(secret, now);
        const tokens = await Promise.all([challenge('pia'), challenge('pia')]);
        const replies = await Promise.all([
          post(server.url, '/login/mfa', { mfaToken: tokens[0], code }),
          post(other.url, '/api/login/mfa', { mfaToken: tokens[1], code }),
        ]);
        expect(replies.map((reply) => reply.status).sort()).toEqual([200, 401]);
      }
      // A challenge is taken once too: the same mfaToken with two fresh codes, on both instances at once.
      now += 30_000;
      const mfaToken = await challenge('pia');
      const replies = await Promise.all([
        post(server.url, '/login/mfa', { mfaToken, code: codeAt(secret, now) }),
        post(other.url, '/login/mfa', { mfaToken, code: codeAt(secret, now + 30_000) }),
      ]);
      expect(replies.map((reply) => reply.status).sort()).toEqual([200, 401]);
    } finally {
      await other.stop();
    }
  });
});
