import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, type Reply } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});

afterAll(() => server?.close());

/**
 * Secrets built from marker words joined by what a message clean-up might
 * look for. A response leaks a secret if any marker shows in it, raw or
 * JSON-escaped.
 */
const SECRETS: Array<{ name: string; value: string; markers: string[] }> = [
  { name: 'a "; " inside', value: 'Kwaa1; Kwab2', markers: ['Kwaa1', 'Kwab2'] },
  { name: 'quotes', value: 'Kwba1"Kwbb2\'Kwbc3"', markers: ['Kwba1', 'Kwbb2', 'Kwbc3'] },
  { name: 'a newline', value: 'Kwca1\nKwcb2\r\n; Kwcc3', markers: ['Kwca1', 'Kwcb2', 'Kwcc3'] },
  { name: 'a suggestion', value: 'Kwda1 Did you mean "Kwdb2"? Kwdc3', markers: ['Kwda1', 'Kwdb2', 'Kwdc3'] },
  { name: 'a coercion message', value: 'Kwea1"; Variable "$p" got invalid value "Kweb2"; at "p.password"; Kwec3', markers: ['Kwea1', 'Kweb2', 'Kwec3'] },
  { name: 'a fake path at its end', value: 'Kwfa1 at "i.password"', markers: ['Kwfa1'] },
  { name: 'unicode', value: 'Kwga1 пароль密码🔑 Kwgb2', markers: ['Kwga1', 'пароль', '密码', 'Kwgb2'] },
  { name: 'JSON-ish text', value: '{"Kwha1": ["Kwhb2"]}, cannot represent: Kwhc3', markers: ['Kwha1', 'Kwhb2', 'Kwhc3'] },
  { name: 'a long one', value: `Kwia1${'Kwi9'.repeat(5000)}Kwib2`, markers: ['Kwia1', 'Kwi9', 'Kwib2'] },
];

function leaks(reply: Reply, markers: string[]): string[] {
  const text = reply.text;
  return markers.filter((marker) => text.includes(marker) || text.includes(JSON.stringify(marker).slice(1, -1)));
}

const LOGIN = 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }';
const USERS = 'query($l: Int!) { users(limit: $l) { id } }';
const CREATE_USER = 'mutation($i: CreateUserInput!) { createUser(input: $i) { id } }';
const UPSERT_ROLE = 'mutation($n: String!, $ps: [Permission!]!) { upsertRole(name: $n, permissions: $ps) { name } }';

/** Each way of sending a secret where it does not fit, and the message that must answer it. */
const SHAPES: Array<{ name: string; query: string; variables: (secret: string) => Record<string, unknown>; message: string }> = [
  {
    name: 'a list of strings where a String is expected',
    query: LOGIN,
    variables: (secret) => ({ u: 'admin', p: [secret, 'other'] }),
    message: 'Variable "$p" got an invalid value; expected a value of type "String!"',
  },
  {
    name: 'an object where a String is expected (the secret as key and value)',
    query: LOGIN,
    variables: (secret) => ({ u: { [secret]: secret }, p: 'x' }),
    message: 'Variable "$u" got an invalid value; expected a value of type "String!"',
  },
  {
    name: 'a string where an Int is expected',
    query: USERS,
    variables: (secret) => ({ l: secret }),
    message: 'Variable "$l" got an invalid value; expected a value of type "Int!"',
  },
  {
    name: 'a list inside an input object',
    query: CREATE_USER,
    variables: (secret) => ({ i: { username: 'someone', password: [secret], role: 'viewer' } }),
    message: 'Variable "$i" got an invalid value at "i.password"; expected a value of type "String!"',
  },
  {
    name: 'a string where an input object is expected',
    query: CREATE_USER,
    variables: (secret) => ({ i: secret }),
    message: 'Variable "$i" got an invalid value; expected a value of type "CreateUserInput!"',
  },
  {
    name: 'an unknown field of an input object',
    query: CREATE_USER,
    variables: (secret) => ({ i: { username: 'someone', password: 'long-enough', role: 'viewer', [secret]: secret } }),
    message: 'Variable "$i" got an invalid value; it has a field not defined by type "CreateUserInput"',
  },
  {
    name: 'a missing field beside the secret',
    query: CREATE_USER,
    variables: (secret) => ({ i: { username: secret, role: 'viewer' } }),
    message: 'Variable "$i" got an invalid value; field "password" of required type "String!" was not provided',
  },
  {
    name: 'a string that is not an enum value, inside a list',
    query: UPSERT_ROLE,
    variables: (secret) => ({ n: 'role', ps: ['GET', secret] }),
    message: 'Variable "$ps" got an invalid value at "ps[1]"; expected a value of type "Permission!"',
  },
];

describe('a variable of the wrong type is refused without echoing its value', () => {
  for (const shape of SHAPES) {
    it(shape.name, async () => {
      for (const secret of SECRETS) {
        const reply = await graphql(server.url, shape.query, shape.variables(secret.value));
        expect(leaks(reply, secret.markers), `${secret.name}: ${reply.text.slice(0, 300)}`).toEqual([]);
        expect(reply.status, secret.name).toBe(400);
        expect(reply.body, secret.name).toEqual({
          errors: [{ message: shape.message, locations: [expect.any(Object)], extensions: { code: 'BAD_USER_INPUT' } }],
        });
      }
    });
  }

  it('still says when a required variable is missing or null', async () => {
    const missing = await graphql(server.url, LOGIN, { u: 'admin' });
    expect(missing.body.errors[0].message).toBe('Variable "$p" of required type "String!" was not provided.');
    const nulled = await graphql(server.url, LOGIN, { u: 'admin', p: null });
    expect(nulled.body.errors[0].message).toBe('Variable "$p" of non-null type "String!" must not be null.');
  });
});
