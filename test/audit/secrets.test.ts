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

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the logs of the whole run', () => {
  it('were captured from every kind of process and database', () => {
    const kinds = new Set(files.map(({ name }) => name.split('-').slice(0, 2).join('-')));
    expect(kinds).toContain('pglite-server');
    expect(kinds).toContain('pglite-cli');
    if (process.env.KEYWAY_TEST_POSTGRES) expect(kinds).toContain('postgres-server');
    expect(lines.length).toBeGreaterThan(1000);
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
    expect(passwords.length).toBeGreaterThan(30);
    const leaks = passwords.flatMap((password) =>
      lines.filter(({ line }) => line.includes(password)).map(({ name, line }) => `${name}: ${password}: ${line.slice(0, 200)}`),
    );
    expect(leaks).toEqual([]);
  });
});
