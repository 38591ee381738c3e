import { createConnection } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type ChildServer } from '../helpers/child-server.js';
import { cli } from '../helpers/cli.js';
import { createTestDatabase, DB_KIND, type TestDatabase } from '../helpers/database.js';
import { call, post } from '../helpers/http.js';
import { ADMIN_PASSWORD } from '../helpers/server.js';

/**
 * On PGlite a running server takes the command line's requests on
 * DATA_DIR/keyway.sock. Whatever its owner's processes write there, the
 * server answers one line and keeps running. The server is a child process,
 * so a crash ends it rather than this test's process.
 */

// A word the command line cannot send (an argument holds no NUL) and the database refuses:
// an error no command expects. The line names at most its kind, never the query.
const NUL_USERNAME = 'a\u0000b';
const UNEXPECTED = { ok: false, message: expect.stringMatching(/^internal error[^\n]*$/) };
const MALFORMED = { ok: false, message: 'malformed request' };
const request = (words: string[], extra: Record<string, unknown> = {}) => `${JSON.stringify({ words, options: {}, ...extra })}\n`;

/** Writes `frame` to the control socket and reads until the server closes; `end` says how the client leaves. */
function exchange(dataDir: string, frame: string | Uint8Array, end: 'wait' | 'half-close' = 'wait'): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection(join(dataDir, 'keyway.sock'));
    const chunks: Buffer[] = [];
    socket.on('connect', () => {
      if (frame.length > 0) socket.write(frame);
      if (end === 'half-close') socket.end();
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // The server may reset a connection whose rest it did not read: what it answered came first.
    socket.on('error', () => {});
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

const answerOf = (text: string) => {
  expect(text.endsWith('\n') && text.indexOf('\n') === text.length - 1, `one line: ${JSON.stringify(text.slice(0, 200))}`).toBe(true);
  return JSON.parse(text) as unknown;
};

describe.runIf(DB_KIND === 'pglite')('the control socket of a running server', { timeout: 180_000 }, () => {
  let database: TestDatabase;
  let server: ChildServer;
  let dataDir: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = database.env.DATA_DIR!;
    server = await spawnServer(database);
    expect(await server.ready()).toBe(true);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  it('answers a command that fails in the database with one generic line, and keeps running', async () => {
    for (const words of [['users', 'disable', NUL_USERNAME], ['sessions', 'revoke', NUL_USERNAME]]) {
      const answer = answerOf(await exchange(dataDir, request(words)));
      expect(answer, words[0]).toEqual(UNEXPECTED);
      expect(JSON.stringify(answer)).not.toMatch(/select|users|\\u0000/i);
      expect(server.running()).toBe(true);
    }
    expect((await call(server.url, '/healthz')).status).toBe(200);
    expect(await cli(database, ['roles', 'set', 'auditor', 'get'])).toMatchObject({ code: 0, stdout: 'auditor: GET\n' });
  });

  it('answers every odd frame with its one line', async () => {
    const cases: Array<[string, string | Uint8Array, unknown, ('wait' | 'half-close')?]> = [
      ['null', 'null\n', MALFORMED],
      ['an array', '[]\n', MALFORMED],
      ['a string', '"users list"\n', MALFORMED],
      ['an empty line', '\n', MALFORMED],
      ['not JSON', 'users list\n', MALFORMED],
      ['words a number', '{"words": 5}\n', MALFORMED],
      ['no options', '{"words":["users","list"]}\n', MALFORMED],
      ['a word a number', '{"words":["roles","set","x",5],"options":{}}\n', MALFORMED],
      ['a role a number', '{"words":["users","list"],"options":{"role":5}}\n', MALFORMED],
      ['a password an object', '{"words":["users","list"],"options":{},"password":{}}\n', MALFORMED],
      ['an unknown field', request(['users', 'list'], { admin: true }), MALFORMED],
      ['an unknown option', '{"words":["users","list"],"options":{"force":true}}\n', MALFORMED],
      ['prototype pollution', '{"__proto__":{"words":["users","list"],"options":{}}}\n', MALFORMED],
      ['deep arrays', `${'['.repeat(20_000)}${']'.repeat(20_000)}\n`, MALFORMED],
      ['deep objects', `${'{"words":'.repeat(5_000)}1${'}'.repeat(5_000)}\n`, MALFORMED],
      // {"words":["users","disable","\xc3\x28"],"options":{}}: a byte sequence no UTF-8 text contains.
      ['invalid UTF-8', Buffer.concat([Buffer.from('{"words":["users","disable","'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"],"options":{}}\n')]), MALFORMED],
      ['over 64 KiB', request(['users', 'list'], { password: 'x'.repeat(70 * 1024) }), { ok: false, message: 'request over 65536 bytes' }],
      ['over 64 KiB, no newline', 'x'.repeat(200 * 1024), { ok: false, message: 'request over 65536 bytes' }],
      ['no newline, then the end', request(['users', 'list']).trim(), { ok: false, message: 'incomplete request: no newline before the end' }, 'half-close'],
      ['nothing, then the end', '', { ok: false, message: 'incomplete request: no newline before the end' }, 'half-close'],
      ['no words', request([]), { ok: false, message: 'no command given (see --help)' }],
      ['an unknown command', request(['users', 'drop']), { ok: false, message: 'unknown command "users drop" (see --help)' }],
      ['no role', request(['users', 'create', 'x']), { ok: false, message: '"users create" needs --role <role> (see --help)' }],
      ['no password', request(['users', 'create', 'x'], { options: { role: 'viewer' } }), { ok: false, message: 'password Invalid input: expected string, received undefined' }],
      ['a lone surrogate', request(['users', 'disable', '\ud800']), { ok: false, message: 'No user named "\\ud800"' }],
      ['two requests: the first is answered', `${request(['users', 'drop'])}${request(['users', 'list'])}`, { ok: false, message: 'unknown command "users drop" (see --help)' }],
    ];
    for (const [name, frame, expected, end] of cases) {
      expect(answerOf(await exchange(dataDir, frame, end)), name).toEqual(expected);
      expect(server.running(), name).toBe(true);
    }
  });

  it('gives up on a connection that sends nothing', async () => {
    expect(answerOf(await exchange(dataDir, ''))).toEqual({ ok: false, message: 'no request within 5 seconds' });
  });

  it('survives clients that leave mid-frame and mid-command, and floods of connections', async () => {
    // Gone before the end of a frame, and gone before the answer of a command.
    const unanswered = ['{"words":["us', request(['users', 'list']), request(['users', 'disable', NUL_USERNAME])];
    for (const frame of unanswered) {
      const socket = createConnection(join(dataDir, 'keyway.sock'));
      socket.on('error', () => {});
      await new Promise((resolve) => socket.on('connect', resolve));
      socket.write(frame, () => socket.destroy());
    }
    // More at once than the server serves: the rest are told so.
    const busy = { ok: false, message: 'busy with other commands; try again' };
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => exchange(dataDir, i % 2 ? request(['roles', 'list']) : '[]\n')));
    answers.forEach((text, i) => {
      const answer = answerOf(text) as { ok: boolean; output?: string };
      if (answer.ok) expect(i % 2 && answer.output).toMatch(/^role\s+permissions\n/);
      else expect([busy, i % 2 ? busy : MALFORMED]).toContainEqual(answer);
    });
    expect(answers.some((text) => text.includes('"ok":true'))).toBe(true);
    expect(server.running()).toBe(true);
  });

  it('still serves HTTP and the command line afterwards, and stops cleanly', async () => {
    expect((await call(server.url, '/healthz')).status).toBe(200);
    expect((await post(server.url, '/login', { username: 'admin', password: ADMIN_PASSWORD })).status).toBe(200);
    expect(await cli(database, ['users', 'disable', 'nobody'])).toEqual({ code: 1, stdout: '', stderr: 'keyway: No user named "nobody"\n' });
    expect((await cli(database, ['users', 'list'])).stdout).toMatch(/^id\s+username/);

    // Its log holds no statement that failed (nor the parameters within).
    expect(server.stdout()).not.toMatch(/select |username_key/i);
    expect(await server.stop()).toBe(0);
  });
});

