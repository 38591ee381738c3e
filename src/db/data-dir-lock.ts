import { createHash } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, realpathSync, unlinkSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';

/** Another live process holds the data directory. */
export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
}

export interface DataDirLock {
  release(): Promise<void>;
}

/**
 * PGlite does not refuse a second process on its directory: both would write
 * and the cluster would be corrupted. Keyway holds this lock for as long as
 * PGlite is open. On Linux the lock is an abstract Unix socket named after
 * the directory: the kernel grants its name to one process and frees it when
 * that process dies, so a crash never leaves a stale lock. Elsewhere a pid
 * file stands in.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const directory = realpathSync(dataDir);
  // It holds password hashes, private keys and the command line's socket: its owner's alone.
  try {
    chmodSync(directory, 0o700);
  } catch {
    // not ours to change; the socket itself is still 0600
  }
  const pidFile = join(directory, 'keyway.pid');
  const inUse = () => {
    const pid = readPid(pidFile);
    return new DataDirInUseError(
      `DATA_DIR ${directory} is in use by another Keyway process${pid ? ` (pid ${pid})` : ''}; ` +
        'stop it, or use DATABASE_URL or another DATA_DIR',
    );
  };

  if (process.platform === 'linux') {
    const name = `\0keyway-data-dir-${createHash('sha256').update(directory).digest('hex').slice(0, 40)}`;
    const server = await listenExclusive(name).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'EADDRINUSE' ? inUse() : error;
    });
    writePid(pidFile);
    return {
      async release() {
        removePid(pidFile);
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }

  try {
    closeSync(openSync(pidFile, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const pid = readPid(pidFile);
    if (pid && isAlive(pid)) throw inUse();
    // The holder died: take the lock over.
    removePid(pidFile);
    closeSync(openSync(pidFile, 'wx', 0o600));
  }
  writePid(pidFile);
  return { release: async () => removePid(pidFile) };
}

function listenExclusive(name: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen({ path: name, exclusive: true }, () => {
      server.off('error', reject);
      server.unref();
      resolve(server);
    });
  });
}

function writePid(file: string): void {
  const fd = openSync(file, 'w', 0o600);
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function removePid(file: string): void {
  if (readPid(file) !== process.pid) return;
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
