import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login } from '../helpers/http.js';
import { ADMIN_PASSWORD, freePort, startServer, type TestServer } from '../helpers/server.js';

/**
 * The metadata documents, as a service that verifies Keyway's tokens reads
 * them: from a Keyway whose PUBLIC_URL is its own address and whose issuer
 * is left to default to it, so every URL they name can be fetched.
 */

// A user's token's claims, then what a machine client's adds.
const CLAIMS = ['sub', 'id', 'username', 'role', 'roles', 'iat', 'exp', 'iss', 'aud', 'jti', 'sid', 'amr', 'client_id', 'scope'];

let server: TestServer;

beforeAll(async () => {
  const port = await freePort();
  server = await startServer({ port, env: { PUBLIC_URL: `http://127.0.0.1:${port}`, JWT_ISSUER: '' } });
});

afterAll(() => server?.close());

describe('GET /.well-known/oauth-authorization-server (RFC 8414)', () => {
  it('states the issuer, the JWKS, the token endpoint of the one grant it serves (client credentials) and, explicitly empty, the response types', async () => {
    const reply = await call(server.url, '/.well-known/oauth-authorization-server');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(reply.headers.get('cache-control')).toBe('public, max-age=300');
    expect(reply.body).toEqual({
      issuer: server.url,
      jwks_uri: `${server.url}/.well-known/jwks.json`,
      token_endpoint: `${server.url}/oauth/token`,
      response_types_supported: [],
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      introspection_endpoint: `${server.url}/oauth/introspect`,
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      revocation_feed_endpoint: `${server.url}/events/revocations`,
    });
  });
});

describe('GET /.well-known/openid-configuration', () => {
  it('is the same metadata plus the OpenID members true of access tokens, and no authorization endpoint', async () => {
    const reply = await call(server.url, '/.well-known/openid-configuration');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('cache-control')).toBe('public, max-age=300');
    const metadata = (await call(server.url, '/.well-known/oauth-authorization-server')).body;
    expect(reply.body).toEqual({
      ...metadata,
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      claims_supported: CLAIMS,
    });
  });

  it("names the issuer that tokens carry, at the URL the documents are served under", async () => {
    const { token } = await login(server.url, 'admin', ADMIN_PASSWORD);
    const { iss } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      const { issuer } = (await call(server.url, path)).body;
      expect(issuer).toBe(iss);
      // OpenID Connect Discovery §4.3 and RFC 8414 §3.3: the document is found by appending its path to the issuer.
      expect((await fetch(`${issuer}${path}`)).status).toBe(200);
    }
  });

  it('leads a verifier with nothing but the issuer to a JWKS that verifies a real token (jose)', async () => {
    const { token } = await login(server.url, 'admin', ADMIN_PASSWORD);
    const discovered = (await call(server.url, '/.well-known/openid-configuration')).body;
    const jwks = createRemoteJWKSet(new URL(discovered.jwks_uri));
    const verified = await jwtVerify(token, jwks, { issuer: discovered.issuer, algorithms: discovered.id_token_signing_alg_values_supported });
    expect(verified.protectedHeader.alg).toBe('RS256');
    expect(verified.payload).toMatchObject({ username: 'admin', role: 'admin', iss: discovered.issuer });

    const [header, payload, signature] = token.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), role: 'viewer' })).toString('base64url')}.${signature}`;
    await expect(jwtVerify(forged, jwks, { issuer: discovered.issuer })).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
    await expect(jwtVerify(token, jwks, { issuer: 'https://someone-else.example' })).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'iss' });
  });
});

describe('in HS256 mode (JWT_SECRET)', () => {
  let hs: TestServer;
  beforeAll(async () => {
    hs = await startServer({ env: { JWT_SECRET: 'a secret of at least thirty-two bytes for discovery' } });
  });
  afterAll(() => hs?.close());

  it('names HS256, and its JWKS publishes no key (the secret is never published)', async () => {
    const discovered = (await call(hs.url, '/.well-known/openid-configuration')).body;
    expect(discovered.id_token_signing_alg_values_supported).toEqual(['HS256']);
    expect((await call(hs.url, '/.well-known/jwks.json')).body).toEqual({ keys: [] });
  });
});
