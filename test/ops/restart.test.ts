import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createTestDatabase, DB_KIND } from '../helpers/database.js';
import { call, login, post } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer } from '../helpers/server.js';
import { OPERATOR } from '../../src/core/audit.js';

const run = promisify(execFile);

describe('a restart on the same database', () => {
  it('keeps keys, users and valid tokens, and changes nothing of the first start', async () => {
    const first = await startServer();
    await first.app.keyway.services.users.create({ username: 'stays', password: 'stays-password', role: 'viewer' }, OPERATOR);
    const { token } = await login(first.url, 'admin', ADMIN_PASSWORD);
    const jwks = (await call(first.url, '/.well-known/jwks.json')).body;
    await first.stop();

    // A different ADMIN_PASSWORD on a later start does not touch the existing admin.
    const second = await startServer({ database: first.database, env: { ADMIN_PASSWORD: 'another-password' } });
    try {
      expect((await call(second.url, '/.well-known/jwks.json')).body).toEqual(jwks);
      expect((await call(second.url, '/products', { token })).status).toBe(200);
      expect((await post(second.url, '/api/verify_token', undefined, { token })).body.valid).toBe(true);
      expect((await post(second.url, '/login', { username: 'stays', password: 'stays-password' })).status).toBe(200);
      expect((await post(second.url, '/login', { username: 'admin', password: ADMIN_PASSWORD })).status).toBe(200);
      expect((await post(second.url, '/login', { username: 'admin', password: 'another-password' })).status).toBe(401);
      expect(second.logs.join('')).not.toContain('Created admin user');
    } finally {
      await second.close();
    }
  });

  it('starts on an empty data directory and prints a generated admin password once', async () => {
    // Nothing at all in the directory: PGlite's initdb, Keyway's migrations, then the first-start setup.
    const database = await createTestDatabase({ fresh: true });
    const first = await startServer({ database, env: { ADMIN_PASSWORD: '', ADMIN_USERNAME: 'root' } });
    expect(first.notices).toHaveLength(1);
    const password = /^keyway: Created admin user "root" with the generated password (\S+) \(shown once; change it\)\n$/.exec(first.notices[0]!)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    // Shown to the person starting Keyway, not written into the logs that are shipped elsewhere.
    expect(first.logs.join('')).not.toContain(password);
    expect((await post(first.url, '/login', { username: 'root', password })).status).toBe(200);
    await first.stop();
    const second = await startServer({ database, env: { ADMIN_PASSWORD: '', ADMIN_USERNAME: 'root' } });
    expect(second.notices).toEqual([]);
    await second.close();
  });
});

describe.runIf(DB_KIND === 'pglite')('one process per DATA_DIR', () => {
  it('refuses a second server on a DATA_DIR in use, in-process and as a child process, and damages nothing', async () => {
    const server = await startServer();
    try {
      const config = loadConfig({ ...server.database.env, ADMIN_PASSWORD, LOG_LEVEL: 'silent' });
      await expect(buildApp(config)).rejects.toThrow(/DATA_DIR .* is in use by another Keyway process \(pid \d+\)/);

      const child = await run(process.execPath, ['dist/src/main.js'], {
        env: { ...process.env, ...server.database.env, PORT: '0', LOG_LEVEL: 'silent', ADMIN_PASSWORD },
      }).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code: number; stderr: string }) => error,
      );
      expect(child.code).toBe(1);
      expect(child.stderr.trim().split('\n')).toHaveLength(1);
      expect(child.stderr).toMatch(/^keyway: DATA_DIR .* is in use by another Keyway process/);

      // The first server is untouched.
      expect((await post(server.url, '/login', { username: 'admin', password: ADMIN_PASSWORD })).status).toBe(200);
    } finally {
      await server.stop();
    }
    // Released on close: the directory opens again.
    const again = await startServer({ database: server.database });
    expect((await call(again.url, '/readyz')).status).toBe(200);
    await again.close();
  });
});
