import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { spawnServer } from '../helpers/child-server.js';
import { requireInCi } from '../helpers/ci.js';
import { cli } from '../helpers/cli.js';
import { createTestDatabase, DB_KIND, type TestDatabase } from '../helpers/database.js';
import { call, post } from '../helpers/http.js';
import { ADMIN_PASSWORD, startServer } from '../helpers/server.js';

const IN_USE = /^DATA_DIR \S+ is in use by another Keyway process \(pid (\d+)\); stop it, or use DATABASE_URL or another DATA_DIR$/;

/**
 * A process that takes the DATA_DIR lock (the built module, as the server
 * does) when told "go" on its standard input, says how it went, and holds on
 * until it is killed.
 */
const CONTENDER = `
const [, moduleUrl, dataDir] = process.argv;
const { lockDataDir } = await import(moduleUrl);
process.stdout.write('ready\\n');
process.stdin.once('data', async () => {
  try {
    await lockDataDir(dataDir);
    process.stdout.write('won\\n');
  } catch (error) {
    process.stdout.write('refused ' + error.message + '\\n');
  }
  setInterval(() => {}, 1 << 30);
});
`;
const LOCK_MODULE = pathToFileURL(resolve('dist/src/db/data-dir-lock.js')).href;

interface Contender {
  child: ChildProcess;
  lines: AsyncIterator<string>;
}

async function contender(dataDir: string, as?: { uid: number; gid: number }): Promise<Contender> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CONTENDER, LOCK_MODULE, dataDir], { ...as });
  const lines = linesOf(child);
  expect((await lines.next()).value).toBe('ready');
  return { child, lines };
}

function linesOf(child: ChildProcess): AsyncIterator<string> {
  return createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
}

/** Tells every contender "go" at once and reads each one's outcome. */
async function race(contenders: Contender[]): Promise<string[]> {
  for (const { child } of contenders) child.stdin!.write('go\n');
  return Promise.all(contenders.map(async ({ lines }) => String((await lines.next()).value)));
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** The abstract socket name the lock once was: predictable from the path alone. */
function formerLockName(dataDir: string): string {
  return `\0keyway-data-dir-${createHash('sha256').update(realpathSync(dataDir)).digest('hex').slice(0, 40)}`;
}

function listen(path: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen({ path, exclusive: true }, () => resolve(server));
  });
}

async function expectServes(database: TestDatabase): Promise<void> {
  const server = await startServer({ database });
  try {
    expect((await call(server.url, '/readyz')).status).toBe(200);
    expect((await post(server.url, '/login', { username: 'admin', password: ADMIN_PASSWORD })).status).toBe(200);
  } finally {
    await server.stop();
  }
}

/** Another local user, when the tests run as root: nobody. */
function nobody(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(spawnSync('id', [flag, 'nobody'], { encoding: 'utf8' }).stdout.trim()) || undefined;
  const uid = id('-u');
  const gid = id('-g');
  return uid && gid ? { uid, gid } : undefined;
}
const otherUser = nobody();
const asOtherUser =
  DB_KIND === 'pglite' &&
  requireInCi(otherUser !== undefined, 'another local user (the tests run as root, with a user nobody)', 'the DATA_DIR lock test against another local user');

describe.runIf(DB_KIND === 'pglite')('the DATA_DIR lock', { timeout: 300_000 }, () => {
  it('cannot be taken first by binding the name the lock once had', async () => {
    const database = await createTestDatabase();
    const squatter = await listen(formerLockName(database.env.DATA_DIR!));
    try {
      await expectServes(database);
    } finally {
      squatter.close();
      await database.drop();
    }
  });

  it.runIf(asOtherUser)('cannot be taken, nor kept from Keyway, by another local user', async () => {
    const database = await createTestDatabase();
    const dataDir = database.env.DATA_DIR!;
    // The other user squats the former name, then tries the lock itself in the 0700 directory.
    const squatter = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(formerLockName(dataDir))}, () => console.log('bound'))`], { ...otherUser });
    let stranger: Contender | undefined;
    try {
      expect((await linesOf(squatter).next()).value).toBe('bound');
      stranger = await contender(dataDir, otherUser);
      expect(await race([stranger])).toEqual([expect.stringMatching(/^refused EACCES: permission denied, mkdir '.*keyway\.lock\.[0-9a-f]{8}'$/)]);
      await expectServes(database);
    } finally {
      await Promise.all([kill(squatter), stranger && kill(stranger.child)]);
      await database.drop();
    }
  });

  it('is free again at once after its holder is killed', async () => {
    const database = await createTestDatabase();
    try {
      const server = await spawnServer(database);
      onTestFinished(() => kill(server.child));
      expect(await server.ready()).toBe(true);
      server.child.kill('SIGKILL');
      expect(await server.exited).toBe(null);
      expect(existsSync(join(database.env.DATA_DIR!, 'keyway.lock'))).toBe(true);
      await expectServes(database);
    } finally {
      await database.drop();
    }
  });

  it('goes to exactly one of three processes trying at once, round after round, over the lock of a killed holder', async () => {
    const database = await createTestDatabase({ fresh: true });
    const dataDir = database.env.DATA_DIR!;
    try {
      for (let round = 0; round < 10; round++) {
        const contenders = await Promise.all([contender(dataDir), contender(dataDir), contender(dataDir)]);
        try {
          const outcomes = await race(contenders);
          const winner = outcomes.indexOf('won');
          expect(outcomes.filter((outcome) => outcome === 'won'), `round ${round}: ${outcomes.join(' | ')}`).toHaveLength(1);
          outcomes.forEach((outcome, i) => {
            if (i === winner) return;
            const refusal = /^refused (.*)$/.exec(outcome)?.[1] ?? outcome;
            expect(refusal).toMatch(IN_USE);
            // The holder's pid comes with its lock, never a former holder's.
            expect(Number(IN_USE.exec(refusal)![1])).toBe(contenders[winner]!.child.pid);
          });
        } finally {
          // The winner dies holding the lock: the next round finds it stale.
          await Promise.all(contenders.map(({ child }) => kill(child)));
        }
      }
    } finally {
      await database.drop();
    }
  });

  it('lets one of two servers started together run, refuses the other in one line, and damages nothing', async () => {
    const database = await createTestDatabase();
    try {
      for (let round = 0; round < 3; round++) {
        const servers = await Promise.all([spawnServer(database), spawnServer(database)]);
        onTestFinished(() => Promise.all(servers.map(({ child }) => kill(child))).then(() => {}));
        const ready = await Promise.all(servers.map((server) => server.ready()));
        expect(ready.filter(Boolean), `round ${round}`).toHaveLength(1);
        const [winner, loser] = ready[0] ? servers : [servers[1]!, servers[0]!];
        expect(await loser!.exited).toBe(1);
        expect(loser!.stderr()).toMatch(new RegExp(`^keyway: DATA_DIR \\S+ is in use by another Keyway process \\(pid ${winner!.child.pid}\\); [^\\n]*\\n$`));
        // Through the winner, which owns the database now.
        const created = await cli(database, ['users', 'create', `racer${round}`, '--role', 'viewer'], 'racer-password\n');
        expect(created).toMatchObject({ code: 0, stdout: `created user racer${round} (viewer)\n` });
        // One winner is killed, not stopped: the next round starts over its stale lock.
        if (round === 1) {
          winner!.child.kill('SIGKILL');
          expect(await winner!.exited).toBe(null);
        } else {
          expect(await winner!.stop()).toBe(0);
        }
      }
      const server = await startServer({ database });
      try {
        for (const user of ['admin', 'racer0', 'racer1', 'racer2']) {
          const password = user === 'admin' ? ADMIN_PASSWORD : 'racer-password';
          expect((await post(server.url, '/login', { username: user, password })).status, user).toBe(200);
        }
      } finally {
        await server.stop();
      }
    } finally {
      await database.drop();
    }
  });
});
