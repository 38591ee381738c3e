import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, realpathSync, renameSync, rmdirSync, rmSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';

/** Another live process holds the data directory. */
export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
}

export interface DataDirLock {
  release(): Promise<void>;
}

const HELD = 'keyway.lock';
// A socket's path must fit sun_path (108 bytes on Linux, 104 on macOS, with the NUL);
// Node cuts a longer one short without a word and would listen somewhere else.
const MAX_SOCKET_PATH = process.platform === 'linux' ? 107 : 103;

/**
 * PGlite does not refuse a second process on its directory: both would write
 * and the cluster would be corrupted. Keyway holds this lock for as long as
 * PGlite is open: the directory DATA_DIR/keyway.lock with one Unix socket in
 * it, named `<pid>.<random>`, that the holder listens on. Only who can write
 * DATA_DIR (0700) can make it, unlike a name in the kernel's abstract socket
 * namespace, which every local user can list and take first.
 *
 * A candidate listens in a directory of its own, then renames that directory
 * onto keyway.lock. rename replaces an empty directory but never one with an
 * entry, so of processes starting together one wins. A socket nobody listens
 * on is a crashed holder's: a candidate removes it by its unique name (never
 * a live holder's, which stays connectable) and renames again. So a crash
 * never blocks a restart, and two live holders cannot be.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const directory = realpathSync(dataDir);
  // It holds password hashes, private keys, this lock and the command line's socket: its owner's alone.
  try {
    chmodSync(directory, 0o700);
  } catch {
    // not ours to change; whoever set its mode decides who may lock it
  }
  const token = randomBytes(4).toString('hex');
  const name = `${process.pid}.${token}`;
  const candidate = join(directory, `${HELD}.${token}`);
  const held = join(directory, HELD);
  if (Buffer.byteLength(join(candidate, name)) > MAX_SOCKET_PATH) {
    throw new Error(`DATA_DIR ${directory} is too long a path for its lock socket; use a shorter one`);
  }

  mkdirSync(candidate, { mode: 0o700 });
  let server: Server | undefined;
  try {
    server = await listen(join(candidate, name));
    await takeOver(candidate, held, directory);
  } catch (error) {
    if (server) await close(server);
    rmSync(candidate, { recursive: true, force: true });
    throw error;
  }
  const listening = server;
  return {
    async release() {
      removeQuietly(() => unlinkSync(join(held, name)));
      removeQuietly(() => rmdirSync(held));
      await close(listening);
    },
  };
}

async function takeOver(candidate: string, held: string, directory: string): Promise<void> {
  // Each round removes a dead holder's socket or ends; the bound only guards against the unforeseen.
  for (let round = 0; round < 100; round++) {
    try {
      renameSync(candidate, held);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    }
    for (const entry of entriesOf(held)) {
      const state = await probe(join(held, entry));
      if (state === 'alive') {
        const pid = Number.parseInt(entry, 10);
        throw new DataDirInUseError(
          `DATA_DIR ${directory} is in use by another Keyway process${pid > 0 ? ` (pid ${pid})` : ''}; ` +
            'stop it, or use DATABASE_URL or another DATA_DIR',
        );
      }
      if (state === 'dead') removeQuietly(() => unlinkSync(join(held, entry)));
    }
  }
  throw new Error(`cannot take the lock on DATA_DIR ${directory}: ${held} keeps changing`);
}

/** Whether a process listens on the socket at `path`: a crashed one's refuses connections. */
function probe(path: string): Promise<'alive' | 'dead' | 'gone'> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve('alive');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') resolve('dead');
      else if (error.code === 'ENOENT') resolve('gone');
      // A full backlog: someone listens.
      else if (error.code === 'EAGAIN') resolve('alive');
      else reject(error);
    });
  });
}

function listen(path: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      // A failed accept (no descriptors left) costs a prober its answer, not this process its life.
      server.on('error', () => {});
      server.unref();
      resolve(server);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function entriesOf(directory: string): string[] {
  try {
    return readdirSync(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Removes a file or directory that another process may have removed, or refilled, first. */
function removeQuietly(remove: () => void): void {
  try {
    remove();
  } catch {
    // gone already, or no longer empty: either way no longer ours
  }
}
