import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, post } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';
import { OPERATOR } from '../../src/core/audit.js';

let server: TestServer;
let token: string;

/** The payload segment of a JWT, decoded: what verify_token must echo. */
function payloadOf(jwt: string): unknown {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString());
}

beforeAll(async () => {
  server = await startServer();
  const { users } = server.app.keyway.services;
  const disabled = await users.create({ username: 'retired', password: 'retired-pw-1', role: 'viewer' }, OPERATOR);
  await users.update(disabled.id, { disabled: true }, OPERATOR);
  token = (await post(server.url, '/api/login', { _username: 'admin', _password: ADMIN_PASSWORD })).body.token;
});

afterAll(() => server?.close());

describe('POST /api/login (B2Market)', () => {
  it("accepts the seed's curl body byte for byte and answers a token", async () => {
    const reply = await post(server.url, '/api/login', `{"_username":"admin","_password":"${ADMIN_PASSWORD}"}`, {
      headers: { 'Content-Type': 'application/json' },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.token).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(payloadOf(reply.body.token)).toMatchObject({
      username: 'admin',
      roles: { GET: true, POST: true, PUT: true, DELETE: true },
    });
  });

  it('answers an unknown username with 401 {"code":401,"error":"User not found."}', async () => {
    const reply = await post(server.url, '/api/login', { _username: 'username', _password: 'password' });
    expect(reply.status).toBe(401);
    expect(reply.text).toBe('{"code":401,"error":"User not found."}');
  });

  it('answers a wrong password with 401 {"code":401,"error":"Invalid password."}', async () => {
    const reply = await post(server.url, '/api/login', { _username: 'admin', _password: 'password' });
    expect(reply.status).toBe(401);
    expect(reply.text).toBe('{"code":401,"error":"Invalid password."}');
  });

  it('answers a disabled user with 403 {"code":403,"error":"User is disabled."}', async () => {
    const reply = await post(server.url, '/api/login', { _username: 'retired', _password: 'retired-pw-1' });
    expect(reply.status).toBe(403);
    expect(reply.text).toBe('{"code":403,"error":"User is disabled."}');
  });

  it('answers a body of the wrong shape with 400 in its own dialect', async () => {
    const reply = await post(server.url, '/api/login', { username: 'admin', password: ADMIN_PASSWORD });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ code: 400, error: 'Invalid request body.' });
    expect(Object.keys(reply.body.fields).sort()).toEqual(['_password', '_username']);
  });
});

describe('POST /api/verify_token (B2Market)', () => {
  it('answers a valid token with 200 {"valid":true,"payload":…} holding exactly its payload', async () => {
    const reply = await post(server.url, '/api/verify_token', undefined, { token });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ valid: true, payload: payloadOf(token) });
  });

  it("ignores whatever body the seed's clients send: none, JSON, an empty form", async () => {
    const shapes: Array<{ headers?: Record<string, string>; body?: string }> = [
      {}, // Python requests.post(url, headers=…), Node fetch without a body
      { headers: { 'Content-Type': 'application/json' }, body: '{"_username":"username","_password":"password"}' }, // PHP
      { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: '' }, // Java HttpURLConnection
      { headers: { 'Content-Type': 'application/json' }, body: '' },
      { headers: { 'Content-Type': 'text/plain' }, body: 'anything at all' },
    ];
    for (const shape of shapes) {
      const reply = await call(server.url, '/api/verify_token', {
        method: 'POST',
        headers: { ...shape.headers, Authorization: `Bearer ${token}`, 'Accept-Charset': 'utf-8' },
        body: shape.body,
      });
      expect(reply.status, JSON.stringify(shape)).toBe(200);
      expect(reply.body.valid).toBe(true);
    }
  });

  it('answers a token that does not verify with 500 and the exact body', async () => {
    const [header, payload, signature] = token.split('.');
    const forged = `${header}.${payload}.${signature!.slice(0, -4)}AAAA`;
    const reply = await post(server.url, '/api/verify_token', undefined, { token: forged });
    expect(reply.status).toBe(500);
    expect(reply.text).toBe('{"code":500,"valid":false,"error":"Token is not valid. Please login again."}');
  });

  it('answers no Authorization header with 401 and the exact body', async () => {
    const reply = await post(server.url, '/api/verify_token');
    expect(reply.status).toBe(401);
    expect(reply.text).toBe('{"code":401,"valid":false,"error":"No token provided."}');
  });

  it('answers a malformed Authorization header with the same 401', async () => {
    for (const authorization of [`Basic ${token}`, 'Bearer', 'Bearer not-a-jwt', token]) {
      const reply = await call(server.url, '/api/verify_token', { method: 'POST', headers: { authorization } });
      expect(reply.status, authorization.slice(0, 20)).toBe(401);
      expect(reply.text).toBe('{"code":401,"valid":false,"error":"No token provided."}');
    }
  });
});
