import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KIND } from '../helpers/database.js';
import { login, trpc } from '../helpers/http.js';
import { ADMIN_PASSWORD, freePort, startServer, type TestServer } from '../helpers/server.js';

// keyway/verify as another service gets it: the built package, by its name, in a process of its own.
// What it loads is recorded by a resolve hook (module.registerHooks) and must be the library, jose,
// eventsource-parser and Node's own modules; after close() the process must end by itself.

const ENTRY = 'dist/src/verify/index.js';

const SERVICE = `
import { registerHooks } from 'node:module';
const resolved = [];
registerHooks({ resolve(specifier, context, next) { const result = next(specifier, context); resolved.push(result.url); return result; } });
const lib = await import('keyway/verify');
const { ISSUER, CLIENT_ID, CLIENT_SECRET, TOKEN, REVOKED } = process.env;
const verifier = await lib.createVerifier({ issuer: ISSUER, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
const answers = { feed: verifier.feed, good: await verifier.verify(TOKEN), revoked: await verifier.verify(REVOKED) };
await verifier.close();
console.log(JSON.stringify({ exports: Object.keys(lib).sort(), answers, resolved, closedAt: performance.now() }));
`;

describe.runIf(DB_KIND === 'pglite')('the keyway/verify package', () => {
  let server: TestServer;
  beforeAll(async () => {
    const port = await freePort();
    server = await startServer({ port, env: { PUBLIC_URL: `http://127.0.0.1:${port}` } });
  });
  afterAll(() => server?.close());

  it('loads nothing of the server, follows the feed, and lets the process exit once closed', async () => {
    expect(existsSync(ENTRY), `${ENTRY} is missing: npm run build first`).toBe(true);
    const admin = (await login(server.url, 'admin', ADMIN_PASSWORD)).token;
    const revoked = (await login(server.url, 'admin', ADMIN_PASSWORD)).token;
    expect((await trpc(server.url, 'mutation', 'auth.logout', undefined, revoked)).status).toBe(200);
    const created = await trpc(server.url, 'mutation', 'clients.create', { name: 'a service', role: 'viewer' }, admin);
    const { client, secret } = created.body.result.data;
    const env = { ...process.env, ISSUER: server.url, CLIENT_ID: client.clientId, CLIENT_SECRET: secret, TOKEN: admin, REVOKED: revoked };
    const started = performance.now();
    const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number | string | null }>((resolve) => {
      // Killed after 10 s: a timer or socket left behind by close() would keep it alive that long.
      execFile(process.execPath, ['--input-type=module', '-e', SERVICE], { env, timeout: 10_000 }, (error, stdout, stderr) =>
        resolve({ stdout, stderr, code: error ? (error.code ?? error.signal ?? 1) : 0 }),
      );
    });
    expect([code, stderr]).toEqual([0, '']);
    const out = JSON.parse(stdout);
    expect(out.exports).toEqual(['createVerifier', 'keywayExpressMiddleware', 'keywayFastifyHook']);
    expect(out.answers).toMatchObject({ feed: 'connected', good: { ok: true }, revoked: { ok: false, reason: 'SESSION_REVOKED' } });

    const ofServer = /\/node_modules\/(@mikro-orm|@apollo|@trpc|@electric-sql|type-graphql|graphql|fastify|express|pg)\/|\/src\/(core|db|doors|cli)\//;
    const allowed = /^node:|\/dist\/src\/verify\/[\w-]+\.js$|\/node_modules\/(jose|eventsource-parser)\//;
    expect(out.resolved.filter((url: string) => ofServer.test(url))).toEqual([]);
    expect(out.resolved.filter((url: string) => !allowed.test(url))).toEqual([]);
    expect(out.resolved).toContainEqual(expect.stringMatching(/\/node_modules\/jose\//));

    // The child's own clock: it ended well before the 10 s kill, with nothing left running.
    expect(performance.now() - started).toBeLessThan(8000);
  });
});
