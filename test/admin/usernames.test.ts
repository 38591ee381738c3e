import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KIND } from '../helpers/database.js';
import { graphql, login, post, trpc } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let admin: string;

beforeAll(async () => {
  server = await startServer();
  admin = (await login(server.url, 'admin', ADMIN_PASSWORD)).token;
});

afterAll(() => server?.close());

const CREATE_USER = 'mutation($i: CreateUserInput!) { createUser(input: $i) { username } }';
const PASSWORD = 'lookalike-password';

/** A create on GraphQL, as the error's message, code and fields, or the created username. */
async function createOnGraphql(username: string) {
  const reply = await graphql(server.url, CREATE_USER, { i: { username, password: PASSWORD, role: 'viewer' } }, admin);
  expect(reply.status).toBe(200);
  if (reply.body.data) return reply.body.data.createUser.username as string;
  const [error] = reply.body.errors;
  return { message: error.message, code: error.extensions.code, fields: error.extensions.fields };
}

/** A create on tRPC, as the status, message, domain code and fields, or the created username. */
async function createOnTrpc(username: string) {
  const reply = await trpc(server.url, 'mutation', 'users.create', { username, password: PASSWORD, role: 'viewer' }, admin);
  if (reply.status === 200) return reply.body.result.data.username as string;
  const { message, data } = reply.body.error;
  return { status: reply.status, message, code: data.code, domainCode: data.domainCode, fields: data.fields };
}

function refusedOnGraphql(problem: string) {
  return { message: `username ${problem}`, code: 'BAD_USER_INPUT', fields: { username: [problem] } };
}

function refusedOnTrpc(problem: string) {
  return { status: 400, message: `username ${problem}`, code: 'BAD_REQUEST', domainCode: 'BAD_USER_INPUT', fields: { username: [problem] } };
}

// U+FDFA is one character that NFKC turns into 18.
const GROWS = '\uFDFA';
const TOO_LONG_ONCE_NORMALISED = 'must be at most 254 characters, also once normalised';

describe('a username that grows under NFKC', () => {
  it.each([
    ['15 of them (270 once normalised)', GROWS.repeat(15)],
    ['60 of them (1080 once normalised, past the key column)', GROWS.repeat(60)],
    ['"ß" 200 times (400 once folded)', 'ß'.repeat(200)],
  ])('is refused at creation when %s', async (_case, username) => {
    expect(await createOnGraphql(username)).toEqual(refusedOnGraphql(TOO_LONG_ONCE_NORMALISED));
    expect(await createOnTrpc(username)).toEqual(refusedOnTrpc(TOO_LONG_ONCE_NORMALISED));
  });

  it('is created while it fits once normalised, and logs in', async () => {
    const fits = GROWS.repeat(14); // 252 once normalised
    expect(await createOnGraphql(fits)).toBe(fits);
    expect((await login(server.url, fits, PASSWORD)).user.username).toBe(fits);
  });

  it('past the key column is bad input on every login door, never a 500', async () => {
    const username = GROWS.repeat(60);
    const stock = await post(server.url, '/login', { username, password: PASSWORD });
    expect([stock.status, stock.text]).toEqual([400, '{"message":"Datos inválidos","errors":{"username":["is too long once normalised"]}}']);
    const b2 = await post(server.url, '/api/login', { _username: username, _password: PASSWORD });
    expect([b2.status, b2.text]).toEqual([
      400,
      '{"code":400,"error":"Invalid request body.","fields":{"_username":["is too long once normalised"]}}',
    ]);
    const gql = await graphql(server.url, 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }', {
      u: username,
      p: PASSWORD,
    });
    expect(gql.body.errors[0]).toMatchObject({
      message: 'username is too long once normalised',
      extensions: { code: 'BAD_USER_INPUT', fields: { username: ['is too long once normalised'] } },
    });
    const rpc = await trpc(server.url, 'mutation', 'auth.login', { username, password: PASSWORD });
    expect(rpc.status).toBe(400);
    expect(rpc.body.error.data).toMatchObject({ code: 'BAD_REQUEST', domainCode: 'BAD_USER_INPUT', fields: { username: ['is too long once normalised'] } });
  });

  it('within the key column is an unknown user on every login door', async () => {
    const username = GROWS.repeat(40); // 720 once normalised: nobody's, but it could be stored
    expect((await post(server.url, '/login', { username, password: PASSWORD })).text).toBe('{"message":"Usuario no encontrado"}');
    expect((await post(server.url, '/api/login', { _username: username, _password: PASSWORD })).text).toBe(
      '{"code":401,"error":"User not found."}',
    );
    const gql = await graphql(server.url, 'mutation($u: String!) { login(username: $u, password: "x-password") { token } }', { u: username });
    expect(gql.body.errors[0].extensions.code).toBe('USER_NOT_FOUND');
    const rpc = await trpc(server.url, 'mutation', 'auth.login', { username, password: PASSWORD });
    expect([rpc.status, rpc.body.error.data.domainCode]).toEqual([401, 'USER_NOT_FOUND']);
  });
});

describe('a username that hides what it is', () => {
  it.each([
    ['a zero-width space', 'admin\u200B', 'must not contain invisible or formatting characters'],
    ['a right-to-left override', 'nimda\u202E', 'must not contain invisible or formatting characters'],
    ['a soft hyphen', 'ad\u00ADmin', 'must not contain invisible or formatting characters'],
    ['a Hangul filler', 'admin\u3164', 'must not contain invisible or formatting characters'],
    ['a variation selector', 'admin\uFE0F', 'must not contain invisible or formatting characters'],
    ['a line separator', 'ad\u2028min', 'must not contain invisible or formatting characters'],
    ['a control character', 'ad\u0007min', 'must not contain control characters'],
    ['a private-use character', 'admin\uE000', 'must not contain unassigned or private-use characters'],
    ['a Cyrillic а among Latin letters', '\u0430dmin', 'must not mix scripts (Latin may go with one other, but not Cyrillic or Greek)'],
    ['a Greek ο among Latin letters', 'r\u03BFot', 'must not mix scripts (Latin may go with one other, but not Cyrillic or Greek)'],
    ['Cyrillic and Greek', '\u0434\u03B1', 'must not mix scripts (Latin may go with one other, but not Cyrillic or Greek)'],
  ])('is refused with %s', async (_case, username, problem) => {
    expect(await createOnGraphql(username)).toEqual(refusedOnGraphql(problem));
    expect(await createOnTrpc(username)).toEqual(refusedOnTrpc(problem));
  });
});

describe('a username that looks like an existing one', () => {
  it.each([
    ['"adrnin" (rn for m)', 'adrnin'],
    ['"ADRNIN", in another case', 'ADRNIN'],
    ['"𝐚𝐝rn𝐢𝐧", in bold letters with rn', '𝐚𝐝rn𝐢𝐧'],
  ])('is refused: %s against "admin"', async (_case, username) => {
    const message = `The username ${JSON.stringify(username)} looks like an existing one`;
    const fields = { username: ['looks like an existing username'] };
    expect(await createOnGraphql(username)).toEqual({ message, code: 'BAD_USER_INPUT', fields });
    expect(await createOnTrpc(username)).toEqual({ status: 400, message, code: 'BAD_REQUEST', domainCode: 'BAD_USER_INPUT', fields });
  });

  it('is refused in a whole other script: Cyrillic "сор" against Latin "cop", "b0b" against "bob"', async () => {
    expect(await createOnGraphql('cop')).toBe('cop');
    expect(await createOnTrpc('\u0441\u043E\u0440')).toMatchObject({ status: 400, domainCode: 'BAD_USER_INPUT' });
    expect(await createOnTrpc('bob')).toBe('bob');
    expect(await createOnGraphql('B0B')).toMatchObject({ code: 'BAD_USER_INPUT', fields: { username: ['looks like an existing username'] } });
  });

  it('stays taken (CONFLICT) when it is the same name in another case', async () => {
    const reply = await createOnTrpc('ADMIN');
    expect(reply).toMatchObject({ status: 409, message: 'The username "ADMIN" is taken', domainCode: 'CONFLICT' });
  });
});

describe('a username in another script', () => {
  it.each([
    ['Cyrillic', 'Дмитрий'],
    ['Han', '山田'],
    ['Han and Hiragana', '山田たろう'],
    ['Latin with an accent', 'José'],
    ['Latin with Devanagari', 'Ravi रवि'],
    ['Latin with Han and Katakana', 'Tokyo 東京タワー'],
    ['Greek', 'Οδυσσέας'],
    ['Arabic', 'علي'],
  ])('is created when it is in %s, and logs in', async (_case, username) => {
    expect(await createOnGraphql(username)).toBe(username);
    expect((await login(server.url, username, PASSWORD)).user.username).toBe(username);
  });
});

describe.runIf(DB_KIND === 'postgres')('two lookalike names created at once', () => {
  it('leave exactly one user: the database refuses the second', async () => {
    for (let round = 0; round < 10; round++) {
      const [first, second] = await Promise.all([createOnGraphql(`corn-${round}`), createOnTrpc(`com-${round}`)]);
      const created = [first, second].filter((result) => typeof result === 'string');
      expect(created, `round ${round}`).toHaveLength(1);
      const refused = typeof first === 'string' ? second : first;
      expect(refused, `round ${round}`).toMatchObject({ code: expect.stringMatching(/^BAD_(USER_INPUT|REQUEST)$/), fields: { username: ['looks like an existing username'] } });
    }
  });
});
