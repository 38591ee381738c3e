import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KIND } from '../helpers/database.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';

const run = promisify(execFile);
const REPO = resolve('.');
const TSC = join(REPO, 'node_modules/typescript/bin/tsc');

/**
 * A frontend outside the repository that depends on the `keyway` package
 * (linked, as `npm install ../keyway` would) and on @trpc/client. It imports
 * only a type: `import type { AppRouter } from 'keyway/trpc'`.
 */
function frontend(code: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'keyway-frontend-'));
  mkdirSync(join(dir, 'node_modules/@trpc'), { recursive: true });
  symlinkSync(REPO, join(dir, 'node_modules/keyway'));
  symlinkSync(join(REPO, 'node_modules/@trpc/client'), join(dir, 'node_modules/@trpc/client'));
  symlinkSync(join(REPO, 'node_modules/@trpc/server'), join(dir, 'node_modules/@trpc/server'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'frontend', type: 'module', private: true }));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'bundler', strict: true, skipLibCheck: true, outDir: 'out', lib: ['ES2022', 'DOM'] },
      include: ['*.ts'],
    }),
  );
  for (const [file, text] of Object.entries(code)) writeFileSync(join(dir, file), text);
  return dir;
}

const CLIENT = `
declare const process: { env: Record<string, string | undefined> };
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import type { AppRouter } from 'keyway/trpc';

const client = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: process.env.KEYWAY_URL + '/trpc' })] });
const pair = await client.auth.login.mutate({ username: 'admin', password: process.env.KEYWAY_PASSWORD! });
// No transformer: dates arrive as ISO strings, and the types say so.
const expiresAt: string = pair.expiresAt;
const role: string = pair.user.role.name;
const authed = createTRPCClient<AppRouter>({
  links: [httpBatchLink({ url: process.env.KEYWAY_URL + '/trpc', headers: { authorization: 'Bearer ' + pair.token } })],
});
const created = await authed.products.create.mutate({ sku: 'TYPED-1', name: 'Typed', price: '4.5', stock: 3 });
const price: string = created.price;
const me = await authed.auth.me.query();
// A mutation: the token travels in the body or the header, never in a URL.
const verdict = await authed.auth.verifyToken.mutate();
const valid: boolean = verdict.valid;
console.log(JSON.stringify({ expiresAt, role, price, username: me.username, valid }));
`;


describe.runIf(DB_KIND === 'pglite')("import type { AppRouter } from 'keyway/trpc'", { timeout: 120_000 }, () => {
  let server: TestServer;
  const dirs: string[] = [];

  beforeAll(async () => {
    server = await startServer();
  });

  afterAll(async () => {
    await server?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('types a frontend that depends on the package, which then talks to a real server', async () => {
    const dir = frontend({ 'client.ts': CLIENT });
    dirs.push(dir);
    await run(process.execPath, [TSC, '-p', dir]);
    const { stdout } = await run(process.execPath, [join(dir, 'out/client.js')], {
      env: { ...process.env, KEYWAY_URL: server.url, KEYWAY_PASSWORD: ADMIN_PASSWORD },
    });
    expect(JSON.parse(stdout)).toEqual({ expiresAt: expect.stringMatching(/Z$/), role: 'admin', price: '4.50', username: 'admin', valid: true });
  });

  it('refuses to compile a wrong call', async () => {
    const dir = frontend({
      'wrong.ts': `import { createTRPCClient, httpBatchLink } from '@trpc/client';
import type { AppRouter } from 'keyway/trpc';
const client = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: 'http://localhost:4000/trpc' })] });
await client.auth.login.mutate({ username: 42, password: 'x' });
await client.products.update.mutate({ id: 1, stock: 'many' });
await client.auth.nonexistent.query();
const when: Date = (await client.auth.login.mutate({ username: 'a', password: 'b' })).expiresAt;
await client.auth.verifyToken.query({ token: 'x' });
`,
    });
    dirs.push(dir);
    const result = await run(process.execPath, [TSC, '-p', dir]).then(
      () => ({ stdout: '' }),
      (error: { stdout: string }) => error,
    );
    const errors = result.stdout.split('\n').filter((line) => line.includes('error TS'));
    expect(errors.map((line) => /wrong\.ts\((\d+),/.exec(line)?.[1])).toEqual(['4', '5', '6', '7', '8']);
  });
});
