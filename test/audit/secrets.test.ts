import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD } from '../helpers/server.js';

/**
 * Runs after every other project (vitest.config.ts: groupOrder 1) and reads
 * every log line the run's servers and command lines wrote: none may carry a
 * password, an access or refresh token, a password hash or a private key.
 */

const dir = process.env.KEYWAY_TEST_LOG_DIR!;
const files = readdirSync(dir).map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
const lines = files.flatMap(({ name, text }) => text.split('\n').filter(Boolean).map((line) => ({ name, line })));

/** Every password the suite uses: string literals that look like one in the test sources. */
function passwordsOfTheSuite(): string[] {
  const found = new Set([ADMIN_PASSWORD]);
  const visit = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.name.endsWith('.ts')) {
        for (const [, literal] of readFileSync(full, 'utf8').matchAll(/'(\w[\w .-]*-password[\w .-]*)'/g)) found.add(literal!);
      }
    }
  };
  visit('test');
  return [...found].filter((literal) => literal.length >= 8 && literal !== 'set-password');
}

const PATTERNS: Record<string, RegExp> = {
  'an access token': /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}/,
  'a refresh token': /kwrt_[\w-]{22}\.\d+\.[\w-]{10,}/,
  'a password hash': /\$argon2(id|i|d)\$/,
  'a private key': /PRIVATE KEY/,
};

const DATABASES = process.env.KEYWAY_TEST_POSTGRES ? ['pglite', 'postgres'] : ['pglite'];

/** The JSON lines the servers of one database's run wrote, in-process and spawned ones alike. */
function serverLines(database: string): any[] {
  const json = (line: string) => (line.startsWith('{') ? [JSON.parse(line)] : []);
  return lines.filter(({ name }) => name.startsWith(`${database}-server-`) || name.startsWith(`${database}-child-`)).flatMap(({ line }) => json(line));
}

/**
 * Requests whose bodies or headers carried a password, a token or a refresh
 * token, each sent by some test of the run: without their lines, finding no
 * secret in the logs would prove nothing.
 */
const REQUESTS_WITH_SECRETS = [
  'POST /login',
  'POST /api/login',
  'POST /api/verify_token',
  'POST /graphql',
  'GET /products',
  'POST /trpc/auth.login',
  'POST /trpc/auth.refresh',
  'POST /trpc/auth.changePassword',
  'POST /trpc/auth.verifyToken',
];

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the logs of the whole run', () => {
  it('were captured from every kind of process and database', () => {
    const kinds = new Set(files.map(({ name }) => name.split('-').slice(0, 2).join('-')));
    expect(kinds).toContain('pglite-server');
    expect(kinds).toContain('pglite-child');
    expect(kinds).toContain('pglite-cli');
    expect(kinds.has('postgres-server')).toBe(DATABASES.includes('postgres'));
  });

  it.each(DATABASES)('hold the lines of the requests and errors that carried secrets, on %s', (database) => {
    const logged = serverLines(database);
    const requests = new Set(logged.filter((entry) => entry.msg === 'incoming request').map(({ req }) => `${req.method} ${req.url}`));
    expect(REQUESTS_WITH_SECRETS.filter((request) => !requests.has(request))).toEqual([]);
    // A tRPC query carries its input in the query string: logged, it is cut off.
    expect([...requests].filter((request) => request.startsWith('GET /trpc/users.list'))).toEqual(['GET /trpc/users.list?…']);
    // The database errors test/ops/logs.test.ts provokes, whose statements held a password hash.
    const errors = logged.flatMap((entry) => (entry.err ? [entry.err] : []));
    expect(errors).toContainEqual(expect.objectContaining({ type: 'CheckConstraintViolationException', table: 'users', constraint: 'users_refused_check' }));
    const commandLines = files.filter(({ name }) => name.startsWith(`${database}-cli-`)).map(({ text }) => text);
    expect(commandLines).toContainEqual(expect.stringContaining('keyway: internal error (CheckConstraintViolationException, SQLSTATE 23514, table users'));
  });

  it('carry no token, hash or private key', () => {
    const leaks = lines.flatMap(({ name, line }) =>
      Object.entries(PATTERNS)
        .filter(([, pattern]) => pattern.test(line))
        .map(([what]) => `${name}: ${what}: ${line.slice(0, 200)}`),
    );
    expect(leaks).toEqual([]);
  });

  it('carry none of the passwords the suite used', () => {
    const passwords = passwordsOfTheSuite();
    // Passwords the run certainly sent, from several files: the search of the sources found them.
    expect(passwords).toEqual(expect.arrayContaining([ADMIN_PASSWORD, 'rita-password', 'carl-new-password', 'db-error-password', 'a-wrong-password-123', 'twin-password']));
    const leaks = passwords.flatMap((password) =>
      lines.filter(({ line }) => line.includes(password)).map(({ name, line }) => `${name}: ${password}: ${line.slice(0, 200)}`),
    );
    expect(leaks).toEqual([]);
  });
});
