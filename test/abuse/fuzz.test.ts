import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login, post } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';

/**
 * A generated corpus of malformed requests across the routes of every door:
 * wrong types, missing fields, deep JSON, huge numbers, invalid UTF-8, wrong
 * content types, duplicate keys. Each must get a 4xx (or, where the input
 * happens to be acceptable, a 2xx) with a JSON body, never a 5xx and never a
 * stack trace, and the server must keep serving.
 */

interface Case {
  name: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  auth?: boolean;
}

const JSON_TYPE = { 'content-type': 'application/json' };

/** Values that do not belong where a string or an integer is expected, as JSON text. */
const ODD_VALUES: string[] = [
  'null', 'true', '0', '-1', '1.5', '-0', '1e309', '123456789012345678901234567890', `1${'0'.repeat(400)}`,
  '""', '" "', `"${'x'.repeat(20_000)}"`, '[]', '{}', '[1,2]', '{"$gt":""}', '"\\u0000"', '"\\ud800"',
  `"${'😀'.repeat(300)}"`, '"1e3"', '"0x10"', '"-5"', '"<script>alert(1)</script>"', '"\' OR 1=1 --"',
  // Names that grow under NFKC (ﷺ is 18 characters once normalised), hidden characters, lookalikes.
  `"${'\ufdfa'.repeat(20)}"`, `"${'\ufdfa'.repeat(60)}"`, '"admin\u200b"', '"\u202eadmin"', '"\u0430dmin"', '"adrnin"',
];

const MULTIPART = { 'content-type': 'multipart/form-data; boundary=x' };
const part = (name: string, value: string) => `Content-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;

/** Bodies broken below the level of fields. */
const BROKEN_BODIES: Array<[string, string | Uint8Array, Record<string, string>?]> = [
  ['empty', ''],
  ['open brace', '{'],
  ['close brace', '}'],
  ['array', '[]'],
  ['null', 'null'],
  ['string', '"text"'],
  ['number', '123'],
  ['missing value', '{"a":}'],
  ['trailing comma', '{"a":1,}'],
  ['single quotes', "{'a':1}"],
  ['NaN', '{"a":NaN}'],
  ['comment', '{/* x */"a":1}'],
  ['byte order mark', '\ufeff{"a":1}'],
  ['deep arrays', `${'['.repeat(20_000)}${']'.repeat(20_000)}`],
  ['deep objects', `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`],
  ['deep objects naming constructor', `${'{"constructor":'.repeat(5_000)}1${'}'.repeat(5_000)}`],
  ['prototype pollution', '{"__proto__":{"isAdmin":true}}'],
  ['constructor pollution', '{"constructor":{"prototype":{"isAdmin":true}}}'],
  ['invalid UTF-8', new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0xff, 0xfe, 0x22, 0x7d])],
  ['UTF-16', new Uint8Array(Buffer.from('{"a":"b"}', 'utf16le'))],
  ['NUL bytes', '\u0000\u0000\u0000'],
  ['over 64 KiB', JSON.stringify({ a: 'x'.repeat(70 * 1024) })],
  ['form encoded', 'a=1&b=2', { 'content-type': 'application/x-www-form-urlencoded' }],
  ['text', '{"a":1}', { 'content-type': 'text/plain' }],
  ['xml', '<a>1</a>', { 'content-type': 'application/xml' }],
  ['multipart', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--', { 'content-type': 'multipart/form-data; boundary=x' }],
  ['multipart fields', `--x\r\n${part('username', 'admin')}--x\r\n${part('password', 'wrong-password')}--x--\r\n`, MULTIPART],
  ['multipart file', `--x\r\nContent-Disposition: form-data; name="f"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n\u0000\u00ff\r\n--x--\r\n`, MULTIPART],
  ['multipart unterminated', `--x\r\n${part('a', '1')}`, MULTIPART],
  ['multipart without boundary', `--x\r\n${part('a', '1')}--x--\r\n`, { 'content-type': 'multipart/form-data' }],
  ['multipart over 64 KiB', `--x\r\n${part('a', 'x'.repeat(70 * 1024))}--x--\r\n`, MULTIPART],
  ['multipart file over 64 KiB', `--x\r\nContent-Disposition: form-data; name="f"; filename="a.bin"\r\n\r\n${'\u00ff'.repeat(70 * 1024)}\r\n--x--\r\n`, MULTIPART],
  ['octet stream', new Uint8Array([0, 1, 2, 0xff]), { 'content-type': 'application/octet-stream' }],
  ['octet stream over 64 KiB', new Uint8Array(70 * 1024), { 'content-type': 'application/octet-stream' }],
  ['text over 64 KiB', 'x'.repeat(70 * 1024), { 'content-type': 'text/plain' }],
  ['latin-1 charset', '{"a":"\u00e9"}', { 'content-type': 'application/json; charset=latin1' }],
  ['bogus content type', '{"a":1}', { 'content-type': '\u00ff/\u00ff' }],
];

/** A route taking a JSON object: every field given each odd value, each field missing, and broken bodies. */
function jsonRoute(method: string, path: string, valid: Record<string, unknown>, auth = false): Case[] {
  const cases: Case[] = [];
  for (const field of Object.keys(valid)) {
    for (const value of ODD_VALUES) {
      const rest = JSON.stringify({ ...valid, [field]: undefined }).slice(1, -1);
      const body = `{${rest}${rest ? ',' : ''}${JSON.stringify(field)}:${value}}`;
      cases.push({ name: `${field}=${value.slice(0, 24)}`, method, path, headers: JSON_TYPE, body, auth });
    }
    const { [field]: _missing, ...without } = valid;
    cases.push({ name: `no ${field}`, method, path, headers: JSON_TYPE, body: JSON.stringify(without), auth });
  }
  const [first] = Object.keys(valid);
  const duplicated = `{${JSON.stringify(first)}:"one",${JSON.stringify(valid).slice(1)}`;
  cases.push({ name: 'duplicate keys', method, path, headers: JSON_TYPE, body: duplicated, auth });
  for (const [name, body, headers] of BROKEN_BODIES) {
    cases.push({ name, method, path, headers: headers ?? JSON_TYPE, body, auth });
  }
  cases.push({ name: 'no content type', method, path, headers: {}, body: JSON.stringify(valid), auth });
  return cases;
}

const CORPUS: Case[] = [
  ...jsonRoute('POST', '/login', { username: 'admin', password: 'wrong-password' }),
  ...jsonRoute('POST', '/api/login', { _username: 'admin', _password: 'wrong-password' }),
  ...jsonRoute('POST', '/products', { sku: 'FZ-1', name: 'Fuzz', description: 'd', price: '1.00', stock: 1 }, true),
  ...jsonRoute('PUT', '/products/1', { stock: 2, price: '2.00' }, true),
  ...jsonRoute('POST', '/trpc/auth.login', { username: 'admin', password: 'wrong-password' }),
  ...jsonRoute('POST', '/trpc/users.create', { username: 'fuzzed', password: 'fuzzed-password', role: 'viewer' }, true),
  ...jsonRoute('POST', '/trpc/auth.refresh', { refreshToken: 'kwrt_x' }),
  ...jsonRoute('POST', '/trpc/auth.verifyToken', { token: 'x.y.z' }, true),
  ...['[]', '{}', 'null', '{"0":1}', '{"0":{"token":1},"1":null}', '{"-1":{}}', '{"99":{}}'].map(
    (body): Case => ({ name: `batch ${body}`, method: 'POST', path: '/trpc/auth.verifyToken,auth.verifyToken?batch=1', headers: JSON_TYPE, body }),
  ),
  ...jsonRoute('POST', '/graphql', { query: '{ __typename }', variables: {}, operationName: null }),
  ...[
    '/products/0', '/products/-1', '/products/abc', '/products/1.5', '/products/99999999999999999999', '/products/%00',
    '/products/%ff', `/products/${'9'.repeat(5000)}`, '/products?limit=abc', '/products?limit=-1', '/products?limit=1e3',
    '/products?offset=99999999999999999999', '/products?limit=10&limit=20', '/products?limit[]=1', '/products?%ff=1',
  ].map((path): Case => ({ name: path.slice(0, 40), method: 'GET', path, auth: true })),
  // GETs of auth.verifyToken (a mutation) are refused whatever their input; the rest are queries.
  ...[
    '/trpc/auth.verifyToken?input=%7B', '/trpc/auth.verifyToken?input=null', '/trpc/auth.verifyToken?input=%22x%22',
    '/trpc/auth.verifyToken?input=%7B%22token%22%3A1%7D', '/trpc/auth.verifyToken?batch=1&input=%5B%5D',
    '/trpc/auth.verifyToken?batch=abc&input=%7B%7D', '/trpc/auth.verifyToken,?batch=1', '/trpc/..%2F..%2Fetc%2Fpasswd',
    '/trpc/auth.login', '/trpc/users.list?input=%7B%22limit%22%3A-1%7D', '/trpc/products.get?input=%7B%22id%22%3A%22x%22%7D',
    `/trpc/${'a.'.repeat(2000)}b`,
  ].map((path): Case => ({ name: path.slice(0, 40), method: 'GET', path, auth: true })),
  ...[
    '{ __typename', 'query { nope }', 'mutation { login }', 'subscription { x }', '{ me { password } }',
    '{ __schema { types { name fields { name type { name ofType { name ofType { name } } } } } } }', `{ ${'__typename '.repeat(3000)} }`,
    'query q { __typename } query q { __typename }', '{ verifyToken(token: 1) { valid } }', '{ product(id: "1") { id } }',
    'fragment A on Query { ...A } { ...A }', `{ verifyToken(token: "${'x'.repeat(10000)}") { valid } }`,
  ].map((query): Case => ({ name: `graphql ${query.slice(0, 30)}`, method: 'POST', path: '/graphql', headers: JSON_TYPE, body: JSON.stringify({ query }) })),
  ...[
    JSON.stringify({ query: 'mutation($p: String!) { login(username: "admin", password: $p) { token } }', variables: { p: { deep: [1] } } }),
    JSON.stringify({ query: '{ __typename }', variables: 'not an object' }),
    JSON.stringify({ query: '{ __typename }', operationName: 7 }),
    JSON.stringify({ query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: 'x' } } }),
    JSON.stringify({ query: ['{ __typename }'] }),
  ].map((body): Case => ({ name: `graphql ${body.slice(0, 30)}`, method: 'POST', path: '/graphql', headers: JSON_TYPE, body })),
  ...['/login', '/api/login', '/api/verify_token', '/products', '/graphql'].flatMap((path): Case[] =>
    ['PATCH', 'OPTIONS', 'DELETE'].map((method) => ({ name: `${method} ${path}`, method, path })),
  ),
  ...['Bearer', 'Bearer  ', 'bearer x.y.z', `Bearer ${'a'.repeat(60_000)}`, 'Bearer \u00ff\u00fe', 'Basic YWRtaW46YWRtaW4=', 'Bearer e30.e30.e30'].map(
    (authorization): Case => ({ name: `authorization ${authorization.slice(0, 20)}`, method: 'GET', path: '/products', headers: { authorization } }),
  ),
];

let server: TestServer;
let token: string;

beforeAll(async () => {
  // Throttling would turn the later login cases into 429s; the corpus is about input, not rate.
  server = await startServer({ env: { LOGIN_MAX_FAILURES: '1000' } });
  token = (await login(server.url, 'admin', ADMIN_PASSWORD)).token;
  await post(server.url, '/products', { sku: 'EXISTING', name: 'Existing', price: '1.00', stock: 1 }, { token });
});

afterAll(() => server?.close());

/** What every route taking a JSON object must answer to a body broken in three ways. */
const REFUSALS = { 'open brace': 400, 'over 64 KiB': 413, xml: 415 };

describe('a corpus of malformed requests', () => {
  it('gets a JSON 4xx (or a 2xx where the input happens to be fine) for every case, never a 5xx', { timeout: 180_000 }, async () => {
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const answers = new Map<string, number>();
    for (const request of CORPUS) {
      const headers = { ...request.headers, ...(request.auth ? { authorization: `Bearer ${token}` } : {}) };
      let reply;
      try {
        reply = await call(server.url, request.path, { method: request.method, headers, body: request.body });
      } catch (error) {
        failures.push(`${request.method} ${request.path} [${request.name}]: no answer (${(error as Error).message})`);
        continue;
      }
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
      answers.set(`${request.method} ${request.path} [${request.name}]`, reply.status);
      const problem =
        reply.status >= 500 ? 'a 5xx'
        : /\bat .+\(.*:\d+:\d+\)|node_modules|\.ts:\d+|stacktrace/i.test(reply.text) ? 'a stack trace'
        : reply.status !== 204 && reply.status !== 200 && reply.body === undefined && request.method !== 'OPTIONS' ? 'a body that is not JSON'
        : undefined;
      if (problem) failures.push(`${request.method} ${request.path} [${request.name}]: ${problem}: ${reply.status} ${reply.text.slice(0, 160)}`);
    }
    console.info(`fuzz corpus: ${CORPUS.length} requests, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    expect(failures).toEqual([]);
    // Each route's parser and limits were reached: a wrong path answering 404 to everything would pass the above.
    const refused = (route: string) => Object.fromEntries(Object.keys(REFUSALS).map((name) => [name, answers.get(`${route} [${name}]`)]));
    const routes = [
      'POST /login', 'POST /api/login', 'POST /products', 'PUT /products/1', 'POST /trpc/auth.login',
      'POST /trpc/users.create', 'POST /trpc/auth.refresh', 'POST /trpc/auth.verifyToken', 'POST /graphql',
    ];
    expect(Object.fromEntries(routes.map((route) => [route, refused(route)]))).toEqual(Object.fromEntries(routes.map((route) => [route, REFUSALS])));
  });

  it('leaves the server serving', async () => {
    expect((await call(server.url, '/healthz')).status).toBe(200);
    expect((await post(server.url, '/login', { username: 'admin', password: ADMIN_PASSWORD })).status).toBe(200);
    expect((await call(server.url, '/products', { token })).status).toBe(200);
  });
});
