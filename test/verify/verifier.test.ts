import { createServer as createTcpServer } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, keywayExpressMiddleware, keywayFastifyHook, type Verifier } from '../../src/verify/index.js';
import { OPERATOR } from '../../src/core/audit.js';
import { call, login } from '../helpers/http.js';
import { ADMIN_PASSWORD, freePort, startServer, type TestServer } from '../helpers/server.js';
import { EXPIRED, resign } from '../helpers/tokens.js';
import { until } from '../helpers/wait.js';

// keyway/verify (SPEC §14) against a real Keyway: discovery, its JWKS, its tokens, a key rotation,
// and the Fastify hook and Express middleware in front of tiny services.

let server: TestServer;
let verifier: Verifier;
let token: string;

const segments = (jwt: string) => jwt.split('.') as [string, string, string];
const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString());
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

beforeAll(async () => {
  // The issuer is the URL the verifier discovers Keyway at, as a deployment sets PUBLIC_URL.
  const port = await freePort();
  server = await startServer({ port, env: { PUBLIC_URL: `http://127.0.0.1:${port}` } });
  verifier = await createVerifier({ issuer: server.url });
  token = (await login(server.url, 'admin', ADMIN_PASSWORD)).token;
});

afterAll(async () => {
  await verifier?.close();
  await server?.close();
});

describe('a verifier of a real Keyway', () => {
  it("finds the JWKS by discovery and accepts a user's token with its claims, following no feed without credentials", async () => {
    const result = await verifier.verify(token);
    expect(result).toEqual({ ok: true, claims: decode(segments(token)[1]) });
    expect(result.ok && result.claims).toMatchObject({ sub: '1', username: 'admin', role: 'admin', iss: server.url, sid: expect.any(String) });
    expect(verifier.feed).toBe('off');
  });

  it('answers TOKEN_INVALID for a changed, foreign or malformed token, and TOKEN_EXPIRED for an expired one, never throwing', async () => {
    const [header, payload, signature] = segments(token);
    const promoted = `${header}.${encode({ ...decode(payload), role: 'superadmin' })}.${signature}`;
    const publicKey = (await call(server.url, '/.well-known/jwks.json')).body.keys[0];
    // The public key as an HMAC secret, and an unsigned token: the alg is pinned, neither is taken.
    const confused = jwt.sign(decode(payload), JSON.stringify(publicKey), { algorithm: 'HS256', keyid: decode(header).kid });
    const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${payload}.`;
    for (const bad of [promoted, confused, unsigned, 'not-a-jwt', '', `${token}x`]) {
      expect([bad, await verifier.verify(bad)]).toEqual([bad, { ok: false, reason: 'TOKEN_INVALID' }]);
    }
    expect(await verifier.verify(await resign(server, token, EXPIRED()))).toEqual({ ok: false, reason: 'TOKEN_EXPIRED' });
    // Within the clock tolerance (5 s by default) a token just past its expiry still passes.
    expect((await verifier.verify(await resign(server, token, { exp: Math.floor(Date.now() / 1000) - 2 }))).ok).toBe(true);
    // Signed by the right key for another issuer: not this Keyway's token.
    expect(await verifier.verify(await resign(server, token, { iss: 'https://other.example.com' }))).toEqual({ ok: false, reason: 'TOKEN_INVALID' });
  });

  it('checks the audience when it is given one', async () => {
    const forInventory = await resign(server, token, { aud: 'inventory' });
    const billing = await createVerifier({ issuer: server.url, audience: 'billing' });
    const inventory = await createVerifier({ issuer: server.url, audience: 'inventory' });
    try {
      expect(await billing.verify(forInventory)).toEqual({ ok: false, reason: 'TOKEN_INVALID' });
      expect(await billing.verify(token)).toEqual({ ok: false, reason: 'TOKEN_INVALID' });
      expect((await inventory.verify(forInventory)).ok).toBe(true);
    } finally {
      await Promise.all([billing.close(), inventory.close()]);
    }
  });

  it('learns a new signing key from the JWKS when a token names it', async () => {
    const before = await createVerifier({ issuer: server.url });
    try {
      const { kid } = await server.app.keyway.services.keys.rotate(OPERATOR);
      const kidOf = (jwt: string) => decode(segments(jwt)[0]).kid as string;
      const signedByNewKey = await until(() => login(server.url, 'admin', ADMIN_PASSWORD), (pair) => kidOf(pair.token) === kid, 5000);
      expect(kidOf(signedByNewKey.token)).toBe(kid);
      // Several requests at once with the unknown key: one refetch serves them all.
      const results = await Promise.all(Array.from({ length: 5 }, () => before.verify(signedByNewKey.token)));
      expect(results.map((result) => result.ok)).toEqual([true, true, true, true, true]);
      expect((await before.verify(token)).ok).toBe(true);
    } finally {
      await before.close();
    }
  });
});

describe('createVerifier refuses to start, saying why', () => {
  it('when the issuer is not the one Keyway issues tokens as', async () => {
    const started = performance.now();
    await expect(createVerifier({ issuer: 'https://keyway.example.com', url: server.url })).rejects.toThrow(
      `wrong issuer: Keyway at ${server.url} issues tokens as "${server.url}", not "https://keyway.example.com"`,
    );
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('when nothing listens at the URL, or something listens and never answers', async () => {
    const nobody = `http://127.0.0.1:${await freePort()}`;
    await expect(createVerifier({ issuer: nobody })).rejects.toThrow(
      `Keyway's discovery document (${nobody}/.well-known/oauth-authorization-server) is unreachable: connect ECONNREFUSED`,
    );

    const silent = createTcpServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const mute = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
    try {
      const started = performance.now();
      await expect(createVerifier({ issuer: mute, requestTimeoutSeconds: 0.5 })).rejects.toThrow(
        `Keyway's discovery document (${mute}/.well-known/oauth-authorization-server) did not answer within 0.5 s`,
      );
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      silent.close();
    }
  });

  it('when Keyway signs with JWT_SECRET and so publishes no keys', async () => {
    const port = await freePort();
    const hs256 = await startServer({ port, env: { PUBLIC_URL: `http://127.0.0.1:${port}`, JWT_SECRET: 'a-shared-secret-of-at-least-32-characters!' } });
    try {
      await expect(createVerifier({ issuer: hs256.url })).rejects.toThrow(
        `Keyway's JWKS (${hs256.url}/.well-known/jwks.json) publishes no keys: Keyway signs with JWT_SECRET (HS256)`,
      );
    } finally {
      await hs256.close();
    }
  });

  it('when only half of the client credentials are given', async () => {
    await expect(createVerifier({ issuer: server.url, clientId: 'svc' })).rejects.toThrow('`clientId` and `clientSecret` go together');
  });
});

describe('the Fastify hook and the Express middleware', () => {
  const apps: Array<() => Promise<void>> = [];
  const urls: Record<'fastify' | 'express', string> = { fastify: '', express: '' };

  beforeAll(async () => {
    const fastify = Fastify();
    fastify.addHook('onRequest', keywayFastifyHook(verifier));
    fastify.get('/whoami', async (request) => ({ sub: request.keyway?.sub, username: request.keyway?.username }));
    await fastify.listen({ host: '127.0.0.1', port: 0 });
    urls.fastify = `http://127.0.0.1:${(fastify.server.address() as { port: number }).port}`;
    apps.push(() => fastify.close());

    const app = express();
    app.use(keywayExpressMiddleware(verifier));
    app.get('/whoami', (req, res) => void res.json({ sub: req.keyway?.sub, username: req.keyway?.username }));
    const listening = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => listening.once('listening', resolve));
    urls.express = `http://127.0.0.1:${(listening.address() as { port: number }).port}`;
    apps.push(() => new Promise<void>((resolve) => listening.close(() => resolve())));
  });

  afterAll(() => Promise.all(apps.map((close) => close())));

  for (const kind of ['fastify', 'express'] as const) {
    it(`${kind}: lets a valid token through with its claims, and answers 401 for anything else`, async () => {
      const ok = await call(urls[kind], '/whoami', { token });
      expect([ok.status, ok.body]).toEqual([200, { sub: '1', username: 'admin' }]);

      const expired = await resign(server, token, EXPIRED());
      const cases: Array<[Record<string, string>, string, string]> = [
        [{}, 'Authentication required', 'Bearer'],
        [{ authorization: `Basic ${Buffer.from('admin:x').toString('base64')}` }, 'Authentication required', 'Bearer'],
        [{ authorization: 'Bearer not-a-jwt' }, 'Invalid token', 'Bearer error="invalid_token"'],
        [{ authorization: `Bearer ${expired}` }, 'Token expired', 'Bearer error="invalid_token"'],
      ];
      for (const [headers, message, challenge] of cases) {
        const refused = await call(urls[kind], '/whoami', { headers });
        expect([refused.status, refused.headers.get('content-type'), refused.headers.get('www-authenticate'), refused.text]).toEqual([
          401,
          expect.stringMatching(/^application\/json/),
          challenge,
          JSON.stringify({ error: 'UNAUTHENTICATED', message }),
        ]);
      }
    });
  }
});
