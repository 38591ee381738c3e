import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, post } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});

afterAll(() => server?.close());

const json = { 'content-type': 'application/json' };

/** Each case on StockAPI's /login and B2Market's /api/login, with each dialect's exact answer. */
const cases: Array<{ name: string; body: string | Uint8Array; headers: Record<string, string>; stockapi: [number, string]; b2market: [number, string] }> = [
  {
    name: 'a body that is not JSON',
    body: '{"username": "admin",',
    headers: json,
    stockapi: [400, '{"message":"El cuerpo de la solicitud no es JSON válido"}'],
    b2market: [400, '{"code":400,"error":"Request body is not valid JSON."}'],
  },
  {
    name: 'an empty JSON body',
    body: '',
    headers: json,
    stockapi: [400, '{"message":"El cuerpo de la solicitud no es JSON válido"}'],
    b2market: [400, '{"code":400,"error":"Request body is not valid JSON."}'],
  },
  {
    name: 'a prototype-poisoning body',
    body: '{"__proto__": {"admin": true}, "username": "admin", "password": "x"}',
    headers: json,
    stockapi: [400, '{"message":"El cuerpo de la solicitud no es JSON válido"}'],
    b2market: [400, '{"code":400,"error":"Request body is not valid JSON."}'],
  },
  {
    name: 'a body over 64 KiB',
    body: JSON.stringify({ username: 'admin', password: 'x'.repeat(70 * 1024) }),
    headers: json,
    stockapi: [413, '{"message":"El cuerpo de la solicitud es demasiado grande"}'],
    b2market: [413, '{"code":413,"error":"Request body is too large."}'],
  },
  {
    name: 'a body that is not sent as JSON',
    body: 'username=admin&password=x',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    stockapi: [415, '{"message":"El cuerpo debe enviarse como application/json"}'],
    b2market: [415, '{"code":415,"error":"Content-Type must be application/json."}'],
  },
  {
    name: 'a text/plain body',
    body: '{"username":"admin","password":"x"}',
    headers: { 'content-type': 'text/plain' },
    stockapi: [415, '{"message":"El cuerpo debe enviarse como application/json"}'],
    b2market: [415, '{"code":415,"error":"Content-Type must be application/json."}'],
  },
];

describe('bad bodies get a JSON 4xx in the dialect of their route, never a 500', () => {
  for (const bad of cases) {
    it(`${bad.name}: StockAPI`, async () => {
      const reply = await post(server.url, '/login', bad.body, { headers: bad.headers });
      expect([reply.status, reply.text]).toEqual(bad.stockapi);
      expect(reply.headers.get('content-type')).toBe('application/json; charset=utf-8');
    });
    it(`${bad.name}: B2Market`, async () => {
      const reply = await post(server.url, '/api/login', bad.body, { headers: bad.headers });
      expect([reply.status, reply.text]).toEqual(bad.b2market);
    });
  }

  it('fields of the wrong type: 400 naming them', async () => {
    for (const body of [{ username: 1, password: 'x' }, { username: 'admin', password: ['x'] }, [], 'admin', null, 42]) {
      const reply = await post(server.url, '/login', JSON.stringify(body), { headers: json });
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.message).toBe('Datos inválidos');
    }
  });

  it('a password over 1024 bytes: 400, before any hashing', async () => {
    const reply = await post(server.url, '/login', { username: 'admin', password: 'é'.repeat(513) });
    expect(reply.status).toBe(400);
    expect(reply.body.errors.password).toEqual(['must be at most 1024 bytes']);
  });

  it('invalid UTF-8 in a JSON string is an ordinary wrong login, not a fault', async () => {
    const bytes = Buffer.concat([Buffer.from('{"username":"adm'), Buffer.from([0xc3, 0x28]), Buffer.from(`","password":"x"}`)]);
    const reply = await post(server.url, '/login', new Uint8Array(bytes), { headers: json });
    expect(reply.status).toBe(401);
    expect(reply.text).toBe('{"message":"Usuario no encontrado"}');
  });

  it('no answer carries a stack trace, and the server keeps serving', async () => {
    for (const bad of cases) {
      const reply = await post(server.url, '/login', bad.body, { headers: bad.headers });
      expect(reply.text).not.toMatch(/\bat .*\(|node_modules|\.ts:\d+/);
    }
    expect((await post(server.url, '/login', { username: 'admin', password: ADMIN_PASSWORD })).status).toBe(200);
    expect((await call(server.url, '/healthz')).status).toBe(200);
  });
});
