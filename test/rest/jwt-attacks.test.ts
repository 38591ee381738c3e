import { createHmac, createPublicKey, generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, graphql, login, post, trpc } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const headerOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());
const payloadOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());

/** Every door's verdict on a token: REST products, B2Market verify, GraphQL @auth, tRPC authed. */
async function verdicts(server: TestServer, token: string) {
  const products = await call(server.url, '/products', { token });
  const verify = await post(server.url, '/api/verify_token', undefined, { token });
  const me = await graphql(server.url, '{ me { username } }', {}, token);
  const rpc = await trpc(server.url, 'query', 'auth.me', undefined, token);
  const check = await graphql(server.url, 'query($t: String) { verifyToken(token: $t) { valid code } }', { t: token });
  return {
    products: [products.status, products.text],
    verify: [verify.status, verify.text],
    graphql: me.body.errors?.[0]?.extensions?.code,
    trpc: [rpc.status, rpc.body.error?.data?.domainCode],
    verifyToken: check.body.data.verifyToken,
  };
}

const REFUSED_AS_INVALID = {
  products: [403, '{"message":"Token expirado o inválido"}'],
  verify: [500, '{"code":500,"valid":false,"error":"Token is not valid. Please login again."}'],
  graphql: 'UNAUTHENTICATED',
  trpc: [401, 'UNAUTHENTICATED'],
  verifyToken: { valid: false, code: 'TOKEN_INVALID' },
};

describe('RS256: forged tokens are refused by every door', () => {
  let server: TestServer;
  let token: string;

  beforeAll(async () => {
    server = await startServer();
    token = (await login(server.url, 'admin', ADMIN_PASSWORD)).token;
  });
  afterAll(() => server?.close());

  it('accepts the genuine token everywhere (the baseline)', async () => {
    const result = await verdicts(server, token);
    expect(result.products[0]).toBe(200);
    expect(result.verify[0]).toBe(200);
    expect(result.graphql).toBeUndefined();
    expect(result.trpc[0]).toBe(200);
    expect(result.verifyToken).toEqual({ valid: true, code: null });
  });

  it('refuses alg "none"', async () => {
    const forged = `${b64({ alg: 'none', typ: 'JWT', kid: headerOf(token).kid })}.${token.split('.')[1]}.`;
    expect(await verdicts(server, forged)).toEqual(REFUSED_AS_INVALID);
  });

  it('refuses HS256 keyed with the RS256 public key (algorithm confusion)', async () => {
    const jwks = (await call(server.url, '/.well-known/jwks.json')).body;
    const publicPem = createPublicKey({ key: jwks.keys[0], format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    const signingInput = `${b64({ alg: 'HS256', typ: 'JWT', kid: headerOf(token).kid })}.${token.split('.')[1]}`;
    const signature = createHmac('sha256', publicPem).update(signingInput).digest('base64url');
    const forged = `${signingInput}.${signature}`;
    expect(await verdicts(server, forged)).toEqual(REFUSED_AS_INVALID);
  });

  it('refuses a tampered payload under the original signature', async () => {
    const [header, , signature] = token.split('.');
    const tampered = `${header}.${b64({ ...payloadOf(token), username: 'mallory', role: 'admin' })}.${signature}`;
    expect(await verdicts(server, tampered)).toEqual(REFUSED_AS_INVALID);
  });

  it("refuses a token signed by another RSA key under the server's kid", async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = jwt.sign(payloadOf(token), privateKey, { algorithm: 'RS256', keyid: headerOf(token).kid });
    expect(await verdicts(server, forged)).toEqual(REFUSED_AS_INVALID);
  });

  it('refuses a token whose kid is unknown', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = jwt.sign(payloadOf(token), privateKey, { algorithm: 'RS256', keyid: 'someone-elses-key' });
    expect(await verdicts(server, forged)).toEqual(REFUSED_AS_INVALID);
  });

  it('still lets a client holding a stale token log in', async () => {
    const stale = `${token.split('.').slice(0, 2).join('.')}.c3RhbGU`;
    const gql = await graphql(server.url, `mutation { login(username: "admin", password: "${ADMIN_PASSWORD}") { token } }`, {}, stale);
    expect(gql.body.data.login.token).toEqual(expect.any(String));
    const rpc = await post(server.url, '/trpc/auth.login', { username: 'admin', password: ADMIN_PASSWORD }, { token: stale });
    expect(rpc.status).toBe(200);
  });
});

describe('HS256 with JWT_SECRET: expiry, clock tolerance, algorithm pinning', () => {
  const secret = 'an HS256 secret of at least thirty-two bytes';
  let server: TestServer;
  let token: string;

  beforeAll(async () => {
    server = await startServer({ env: { JWT_SECRET: secret, CLOCK_TOLERANCE: '5s' } });
    token = (await login(server.url, 'admin', ADMIN_PASSWORD)).token;
  });
  afterAll(() => server?.close());

  const resign = (changes: Record<string, unknown>) =>
    jwt.sign({ ...payloadOf(token), ...changes }, secret, { algorithm: 'HS256', keyid: headerOf(token).kid });

  it('signs HS256 and publishes no key', async () => {
    expect(headerOf(token).alg).toBe('HS256');
    expect((await call(server.url, '/.well-known/jwks.json')).body).toEqual({ keys: [] });
    expect((await call(server.url, '/.well-known/openid-configuration')).body.id_token_signing_alg_values_supported).toEqual(['HS256']);
  });

  it('refuses an expired token: 403 on REST, TOKEN_EXPIRED on GraphQL and tRPC', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = resign({ iat: now - 4 * 3600, exp: now - 60 });
    expect(await verdicts(server, expired)).toEqual({
      products: [403, '{"message":"Token expirado o inválido"}'],
      verify: [500, '{"code":500,"valid":false,"error":"Token is not valid. Please login again."}'],
      graphql: 'TOKEN_EXPIRED',
      trpc: [401, 'TOKEN_EXPIRED'],
      verifyToken: { valid: false, code: 'TOKEN_EXPIRED' },
    });
  });

  it('accepts a token expired by less than CLOCK_TOLERANCE', async () => {
    const now = Math.floor(Date.now() / 1000);
    const justExpired = resign({ exp: now - 2 });
    expect((await call(server.url, '/products', { token: justExpired })).status).toBe(200);
  });

  it('refuses a token from another issuer', async () => {
    expect(await verdicts(server, resign({ iss: 'https://elsewhere.example' }))).toEqual(REFUSED_AS_INVALID);
  });

  it('refuses an RS256 token even with a valid signature of its own', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rs256 = jwt.sign(payloadOf(token), privateKey, { algorithm: 'RS256', keyid: headerOf(token).kid });
    expect(await verdicts(server, rs256)).toEqual(REFUSED_AS_INVALID);
  });
});

describe('JWT_AUDIENCE: a token for another audience is refused', () => {
  it('is refused by a server expecting another audience on the same keys', async () => {
    const first = await startServer({ env: { JWT_AUDIENCE: 'inventory-api' } });
    const token = (await login(first.url, 'admin', ADMIN_PASSWORD)).token;
    expect(payloadOf(token).aud).toBe('inventory-api');
    expect((await call(first.url, '/products', { token })).status).toBe(200);
    await first.stop();

    const second = await startServer({ database: first.database, env: { JWT_AUDIENCE: 'billing-api' } });
    try {
      expect(await verdicts(second, token)).toEqual(REFUSED_AS_INVALID);
    } finally {
      await second.close();
    }
  });
});
