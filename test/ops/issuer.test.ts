import { describe, expect, it } from 'vitest';
import { createTestDatabase, DB_KIND } from '../helpers/database.js';
import { call, graphql, login, post } from '../helpers/http.js';
import { spawnServer } from '../helpers/child-server.js';
import { ADMIN_PASSWORD, startServer } from '../helpers/server.js';

/** What each door answers a token: it is accepted on every one, or the test says which refused it. */
async function doorsAccepting(url: string, token: string) {
  const [b2market, stockapi, gql, trpc] = await Promise.all([
    post(url, '/api/verify_token', undefined, { token }),
    call(url, '/products', { token }),
    graphql(url, '{ me { username } }', {}, token),
    call(url, '/trpc/auth.me', { token }),
  ]);
  return {
    rest_b2market: b2market.status === 200 && b2market.body.valid === true,
    rest_stockapi: stockapi.status === 200,
    graphql: gql.body?.data?.me?.username === 'admin',
    trpc: trpc.status === 200 && trpc.body.result.data.username === 'admin',
  };
}

const EVERY_DOOR = { rest_b2market: true, rest_stockapi: true, graphql: true, trpc: true };
const NO_DOOR = { rest_b2market: false, rest_stockapi: false, graphql: false, trpc: false };

const issuerOf = async (url: string) => (await call(url, '/.well-known/openid-configuration')).body.issuer as string;

// Nothing here sets JWT_ISSUER: the defaults a user gets.
describe('one issuer per database, with no issuer setting', () => {
  it.runIf(DB_KIND === 'postgres')('two instances on different ports accept each other\'s tokens on every door', async () => {
    const a = await startServer({ env: { PORT: '4101' } });
    const b = await startServer({ database: a.database, env: { PORT: '4102' } });
    try {
      expect(await issuerOf(b.url)).toBe(await issuerOf(a.url));
      const fromA = await login(a.url, 'admin', ADMIN_PASSWORD);
      const fromB = await login(b.url, 'admin', ADMIN_PASSWORD);
      expect(await doorsAccepting(b.url, fromA.token)).toEqual(EVERY_DOOR);
      expect(await doorsAccepting(a.url, fromB.token)).toEqual(EVERY_DOOR);
    } finally {
      await b.stop();
      await a.close();
    }
  });

  it('a restart on another port still accepts the tokens issued before it, on every door', async () => {
    const first = await startServer({ env: { PORT: '4101' } });
    const { token } = await login(first.url, 'admin', ADMIN_PASSWORD);
    await first.stop();
    const second = await startServer({ database: first.database, env: { PORT: '4102' } });
    try {
      expect(await doorsAccepting(second.url, token)).toEqual(EVERY_DOOR);
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
      // The first start's base URL, recorded in the database.
      expect(claims.iss).toBe('http://localhost:4101');
      expect(await issuerOf(second.url)).toBe('http://localhost:4101');
    } finally {
      await second.close();
    }
  });

  it('JWT_ISSUER, else PUBLIC_URL, wins over the recorded issuer while it is set', async () => {
    const first = await startServer({ env: { PORT: '4101' } });
    const recorded = await login(first.url, 'admin', ADMIN_PASSWORD);
    await first.stop();

    const named = await startServer({ database: first.database, env: { PUBLIC_URL: 'https://auth.example.com' } });
    expect(await issuerOf(named.url)).toBe('https://auth.example.com');
    expect(await doorsAccepting(named.url, recorded.token)).toEqual(NO_DOOR);
    await named.stop();

    const explicit = await startServer({
      database: first.database,
      env: { PUBLIC_URL: 'https://auth.example.com', JWT_ISSUER: 'urn:keyway:test' },
    });
    const { token } = await login(explicit.url, 'admin', ADMIN_PASSWORD);
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).iss).toBe('urn:keyway:test');
    await explicit.stop();

    // Unset again: back to the database's own.
    const plain = await startServer({ database: first.database, env: { PORT: '4555' } });
    try {
      expect(await issuerOf(plain.url)).toBe('http://localhost:4101');
      expect(await doorsAccepting(plain.url, recorded.token)).toEqual(EVERY_DOOR);
    } finally {
      await plain.close();
    }
  });
});

describe('npm start on an empty database, as a user runs it', { timeout: 120_000 }, () => {
  it('shows the generated admin password once even with LOG_LEVEL=silent, and a restart on another port keeps its tokens', async () => {
    const database = await createTestDatabase({ fresh: true });
    try {
      const first = await spawnServer(database, { LOG_LEVEL: 'silent' }, { bare: true });
      expect(await first.ready()).toBe(true);
      const shown = /^keyway: Created admin user "admin" with the generated password (\S+) \(shown once; change it\)\n$/.exec(first.stderr());
      expect(shown, first.stderr()).not.toBeNull();
      const { token } = await login(first.url, 'admin', shown![1]!);
      expect(await first.stop()).toBe(0);

      const second = await spawnServer(database, { LOG_LEVEL: 'error' }, { bare: true });
      expect(await second.ready()).toBe(true);
      try {
        expect(await doorsAccepting(second.url, token)).toEqual(EVERY_DOOR);
        expect(second.stderr()).toBe('');
      } finally {
        expect(await second.stop()).toBe(0);
      }
    } finally {
      await database.drop();
    }
  });
});
