import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KIND } from '../helpers/database.js';
import { startLocalIssuer, type LocalIssuer } from '../helpers/local-issuer.js';

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
  let issuer: LocalIssuer;
  beforeAll(async () => {
    issuer = await startLocalIssuer();
  });
  afterAll(() => issuer?.close());

  it('loads nothing of the server, follows the feed, and lets the process exit once closed', async () => {
    expect(existsSync(ENTRY), `${ENTRY} is missing: npm run build first`).toBe(true);
    const revokedSession = randomUUID();
    await issuer.publish(revokedSession);
    const env = {
      ...process.env,
      ISSUER: issuer.url,
      CLIENT_ID: issuer.client.id,
      CLIENT_SECRET: issuer.client.secret,
      TOKEN: await issuer.sign(),
      REVOKED: await issuer.sign({ sid: revokedSession }),
    };
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

    const server = /\/node_modules\/(@mikro-orm|@apollo|@trpc|@electric-sql|type-graphql|graphql|fastify|express|pg)\/|\/src\/(core|db|doors|cli)\//;
    const allowed = /^node:|\/dist\/src\/verify\/[\w-]+\.js$|\/node_modules\/(jose|eventsource-parser)\//;
    expect(out.resolved.filter((url: string) => server.test(url))).toEqual([]);
    expect(out.resolved.filter((url: string) => !allowed.test(url))).toEqual([]);
    expect(out.resolved).toContainEqual(expect.stringMatching(/\/node_modules\/jose\//));

    // The child's own clock: it ended well before the 10 s kill, with nothing left running.
    expect(performance.now() - started).toBeLessThan(8000);
  });
});
