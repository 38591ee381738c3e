import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, graphql, login, post } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';

const secret = 'a secret for the token cache test, 32+ bytes';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The cache of verified tokens may save an RSA verification, never a check of expiry or revocation. */
describe.each(['10000', '0'])('with TOKEN_CACHE_SIZE=%s', (cacheSize) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ env: { JWT_SECRET: secret, CLOCK_TOLERANCE: '0s', TOKEN_CACHE_SIZE: cacheSize } });
  });
  afterAll(() => server?.close());

  it('refuses a token the moment it expires, however often it was accepted before', async () => {
    const { token } = await login(server.url, 'admin', ADMIN_PASSWORD);
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    const { kid } = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());
    const shortLived = jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) + 2 }, secret, { algorithm: 'HS256', keyid: kid });
    for (let n = 0; n < 3; n++) expect((await call(server.url, '/products', { token: shortLived })).status).toBe(200);
    await sleep(2100);
    expect((await call(server.url, '/products', { token: shortLived })).text).toBe('{"message":"Token expirado o inválido"}');
    const verdict = await graphql(server.url, '{ verifyToken { valid code } }', {}, shortLived);
    expect(verdict.body.data.verifyToken).toEqual({ valid: false, code: 'TOKEN_EXPIRED' });
  });

  it('refuses a token the moment its session is revoked, however often it was accepted before', async () => {
    const { token } = await login(server.url, 'admin', ADMIN_PASSWORD);
    for (let n = 0; n < 3; n++) expect((await post(server.url, '/api/verify_token', undefined, { token })).status).toBe(200);
    await graphql(server.url, 'mutation { logout }', {}, token);
    expect((await post(server.url, '/api/verify_token', undefined, { token })).status).toBe(500);
    expect((await graphql(server.url, '{ verifyToken { code } }', {}, token)).body.data.verifyToken.code).toBe('SESSION_REVOKED');
  });
});
