import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KIND } from '../helpers/database.js';
import { call, graphql, login } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer, type TestServer } from '../helpers/server.js';

/**
 * The README's examples, run as printed against a real server: its curl lines
 * (with `$TOKEN` captured the way it shows), its GraphQL operations and its
 * command lines. Placeholders are the README's own: `…` for a password,
 * `eyJ…` for a token, `kwrt_…` for a refresh token, `<username>` for a user.
 */
const README = readFileSync('README.md', 'utf8');

function fences(language: string): string[] {
  return [...README.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].filter(([, lang]) => lang === language).map(([, , body]) => body!);
}

/** Shell words of one command line: quotes, `$VAR` in double quotes and bare words, `#` comments. */
function shellWords(line: string, vars: Record<string, string>): string[] {
  const words: string[] = [];
  let word: string | undefined;
  const expand = (text: string) => text.replace(/\$(\w+)/g, (_, name: string) => vars[name] ?? '');
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === ' ') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === '#' && word === undefined) {
      break;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      const end = line.indexOf('"', i + 1);
      word = (word ?? '') + expand(line.slice(i + 1, end));
      i = end;
    } else if (c === '$') {
      const name = /^\$(\w+)/.exec(line.slice(i))![1]!;
      word = (word ?? '') + (vars[name] ?? '');
      i += name.length;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** Command lines of a shell fence, continuations joined, each with the `# {…}` answer printed under it. */
function shellCommands(body: string): { line: string; shown?: string }[] {
  const commands: { line: string; shown?: string }[] = [];
  for (const line of body.replace(/\\\n\s*/g, '').split('\n')) {
    if (line.startsWith('# {')) commands.at(-1)!.shown = line.slice(2);
    else if (line.trim() && !line.startsWith('#')) commands.push({ line });
  }
  return commands;
}

function run(file: string, args: string[], env: Record<string, string>, input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(input);
  });
}

/** Every key named anywhere in a JSON value. */
function keysOf(value: unknown, into = new Set<string>()): Set<string> {
  if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (!Array.isArray(value)) into.add(key);
      keysOf(inner, into);
    }
  }
  return into;
}

describe("the README's examples, as printed", () => {
  let server: TestServer;
  const placeholders = (text: string, tokens: { token: string; refreshToken: string }) =>
    text.replaceAll('"eyJ…"', JSON.stringify(tokens.token)).replaceAll('"kwrt_…"', JSON.stringify(tokens.refreshToken)).replaceAll('…', ADMIN_PASSWORD);

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server?.close());

  it('curl: every request answers 2xx with the fields the README shows', async () => {
    const vars: Record<string, string> = {};
    const lines = [...fences('sh').flatMap(shellCommands)].filter(({ line }) => /^(\w+=\$\()?curl /.test(line));
    expect(lines.length).toBeGreaterThanOrEqual(6);
    for (const { line, shown } of lines) {
      const capture = /^(\w+)=\$\((.*) \| node -p '([^']*)'\)$/.exec(line);
      const words = shellWords(placeholders(capture ? capture[2]! : line, { token: vars.TOKEN ?? '', refreshToken: '' }), vars);
      expect(words[0]).toBe('curl');
      let method: string | undefined;
      let data: string | undefined;
      let url: string | undefined;
      const headers: Record<string, string> = {};
      for (let i = 1; i < words.length; i++) {
        const word = words[i]!;
        if (word === '-s') continue;
        else if (word === '-X') method = words[++i];
        else if (word === '-H') {
          const [name, ...value] = words[++i]!.split(':');
          headers[name!.toLowerCase()] = value.join(':').trim();
        } else if (word === '-d') data = words[++i];
        else if (/^localhost:4000\//.test(word)) url = word.replace('localhost:4000', server.url);
        else throw new Error(`the README's curl line uses ${word}, which this test does not know: ${line}`);
      }
      const response = await fetch(url!, { method: method ?? (data ? 'POST' : 'GET'), headers, body: data });
      const text = await response.text();
      expect(response.status, `${line}\n→ ${text}`).toBeLessThan(300);
      if (shown) {
        const present = keysOf(JSON.parse(text));
        for (const [, key] of shown.matchAll(/"(\w+)":/g)) expect(present, `${line}: ${key}`).toContain(key);
      }
      if (capture) {
        const evaluated = await run(process.execPath, ['-p', capture[3]!], {}, text);
        expect(evaluated.code).toBe(0);
        vars[capture[1]!] = evaluated.stdout.trim();
        expect((await call(server.url, '/api/verify_token', { method: 'POST', token: vars[capture[1]!] })).status).toBe(200);
      }
    }
    expect(vars.TOKEN).toMatch(/^eyJ/);
  });

  it('GraphQL: every operation answers data and no error', async () => {
    const operations = fences('graphql')
      .flatMap((body) => body.split('\n'))
      .filter((line) => /^(query|mutation) /.test(line))
      .map((line) => line.replace(/\s+# .*$/, ''));
    expect(operations.length).toBeGreaterThanOrEqual(10);
    for (const operation of operations) {
      // A session of its own for each, so `logout` leaves the others' tokens alone.
      const tokens = await login(server.url, 'admin', ADMIN_PASSWORD);
      const reply = await graphql(server.url, placeholders(operation, tokens), {}, tokens.token);
      expect(reply.body.errors, `${operation}\n→ ${reply.text}`).toBeUndefined();
      expect(Object.values(reply.body.data ?? {}).every((value) => value !== null), operation).toBe(true);
    }
  });

});

// Through a running server's control socket, as the README runs them beside a server; a server of its own,
// since the GraphQL examples above already created the user these create.
describe.runIf(DB_KIND === 'pglite')("the README's command lines, as printed", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server?.close());

  it('every command exits 0', { timeout: 120_000 }, async () => {
    const vars = { PASSWORD: 'vera-password' };
    const lines = fences('sh').flatMap(shellCommands).map(({ line }) => line).filter((line) => line.includes('npm run cli --'));
    expect(lines.length).toBeGreaterThanOrEqual(12);
    for (const line of lines) {
      const piped = /^echo "\$(\w+)" \| (.*)$/.exec(line);
      const words = shellWords((piped ? piped[2]! : line).replaceAll('<username>', 'admin'), vars);
      expect(words.slice(0, 3)).toEqual(['npm', 'run', 'cli']);
      const input = piped ? `${vars[piped[1] as keyof typeof vars]}\n` : line.includes('set-password') ? 'another-password\n' : '';
      const result = await run(process.execPath, ['dist/src/cli/main.js', ...words.slice(4)], { ...server.database.env, LOG_LEVEL: 'warn' }, input);
      expect(result, line).toMatchObject({ code: 0, stderr: '' });
    }
  });
});
