import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR } from '../../src/core/audit.js';
import { call, graphql, login, trpc } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';

// The signing keys for admins on tRPC (keys.list, keys.rotate) and GraphQL (signingKeys,
// rotateSigningKey), as the command line has them: what the console's keys page uses.

let server: TestServer;
let admin: string;

beforeAll(async () => {
  server = await startServer();
  admin = (await login(server.url, 'admin', ADMIN_PASSWORD)).token;
  await server.app.keyway.services.users.create({ username: 'vera', password: 'a long enough password', role: 'viewer' }, OPERATOR);
});

afterAll(() => server?.close());

const jwksKids = async () => ((await call(server.url, '/.well-known/jwks.json')).body.keys as Array<{ kid: string }>).map((key) => key.kid);

describe('signing keys for admins', () => {
  it('are listed and rotated on tRPC and GraphQL, the new key published at once, each rotation audited', async () => {
    const listed = await trpc(server.url, 'query', 'keys.list', undefined, admin);
    expect(listed.status).toBe(200);
    const [first] = listed.body.result.data;
    expect(first).toEqual({
      kid: expect.any(String),
      algorithm: 'RS256',
      state: 'active',
      createdAt: expect.any(String),
      activatesAt: expect.any(String),
      retiredAt: null,
      publishedUntil: null,
    });

    const viaTrpc = (await trpc(server.url, 'mutation', 'keys.rotate', undefined, admin)).body.result.data;
    expect(viaTrpc).toMatchObject({ algorithm: 'RS256', state: 'pending', retiredAt: null });
    expect(await jwksKids()).toContain(viaTrpc.kid);

    const viaGraphql = await graphql(server.url, 'mutation { rotateSigningKey { kid state activatesAt } }', {}, admin);
    const rotated = viaGraphql.body.data.rotateSigningKey;
    expect(rotated.state).toBe('pending');
    const keys = (await graphql(server.url, '{ signingKeys { kid algorithm state publishedUntil } }', {}, admin)).body.data.signingKeys;
    expect(keys.map((key: { kid: string }) => key.kid)).toEqual(expect.arrayContaining([first.kid, viaTrpc.kid, rotated.kid]));

    const audit = await trpc(server.url, 'query', 'audit.list', { types: ['KEY_ROTATED'], limit: 5 }, admin);
    const events = audit.body.result.data.events as Array<{ door: string; actor: string; details: { kid: string } }>;
    expect(events.map((event) => [event.door, event.actor, event.details.kid])).toEqual([
      ['graphql', 'admin', rotated.kid],
      ['trpc', 'admin', viaTrpc.kid],
    ]);
  });

  it('are refused to anyone but an admin', async () => {
    const user = (await login(server.url, 'vera', 'a long enough password')).token;
    const rpc = await trpc(server.url, 'query', 'keys.list', undefined, user);
    expect([rpc.status, rpc.body.error.data.domainCode, rpc.body.error.message]).toEqual([403, 'FORBIDDEN', 'Requires role admin']);
    const anonymous = await trpc(server.url, 'mutation', 'keys.rotate');
    expect([anonymous.status, anonymous.body.error.data.domainCode]).toEqual([401, 'UNAUTHENTICATED']);
    const gql = await graphql(server.url, 'mutation { rotateSigningKey { kid } }', {}, user);
    expect(gql.body.errors[0]).toMatchObject({ message: 'Requires role admin', extensions: { code: 'FORBIDDEN' } });
  });

  it('cannot be rotated when tokens are signed with JWT_SECRET, saying how instead', async () => {
    const hs256 = await startServer({ env: { JWT_SECRET: 'a shared secret of at least thirty-two bytes' } });
    try {
      const token = (await login(hs256.url, 'admin', ADMIN_PASSWORD)).token;
      const listed = (await trpc(hs256.url, 'query', 'keys.list', undefined, token)).body.result.data;
      expect(listed).toEqual([expect.objectContaining({ algorithm: 'HS256', state: 'active', createdAt: null })]);
      const rotate = await trpc(hs256.url, 'mutation', 'keys.rotate', undefined, token);
      expect([rotate.status, rotate.body.error.data.domainCode, rotate.body.error.message]).toEqual([
        400,
        'BAD_USER_INPUT',
        'Tokens are signed HS256 with JWT_SECRET: rotate by changing JWT_SECRET',
      ]);
    } finally {
      await hs256.close();
    }
  });
});
