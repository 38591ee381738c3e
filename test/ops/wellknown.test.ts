import { createPublicKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer({ env: { PUBLIC_URL: 'https://auth.example.com' } });
});

afterAll(() => server?.close());

describe('discovery for services that verify tokens themselves', () => {
  it('publishes the signing key as a JWKS, enough to verify a token without calling Keyway', async () => {
    const { token } = await login(server.url, 'admin', ADMIN_PASSWORD);
    const reply = await call(server.url, '/.well-known/jwks.json');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('cache-control')).toBe('public, max-age=60');
    expect(reply.body.keys).toHaveLength(1);
    const [jwk] = reply.body.keys;
    expect(jwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
    expect(Object.keys(jwk).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);

    const { kid } = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());
    expect(kid).toBe(jwk.kid);
    const claims = jwt.verify(token, createPublicKey({ key: jwk, format: 'jwk' }), {
      algorithms: ['RS256'],
      issuer: 'https://auth.example.com',
    });
    expect(claims).toMatchObject({ username: 'admin', role: 'admin' });
  });

  it('serves an OpenID-style discovery document naming the issuer and the JWKS', async () => {
    const reply = await call(server.url, '/.well-known/openid-configuration');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      issuer: 'https://auth.example.com',
      jwks_uri: 'https://auth.example.com/.well-known/jwks.json',
      id_token_signing_alg_values_supported: ['RS256'],
    });
  });

  it('answers the probes', async () => {
    expect((await call(server.url, '/healthz')).body).toEqual({ status: 'ok' });
    expect((await call(server.url, '/readyz')).body).toEqual({ status: 'ok' });
  });
});
