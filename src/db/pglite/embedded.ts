import { join, resolve } from 'node:path';
import { lockDataDir, type DataDirLock } from '../data-dir-lock.js';
import { provideCluster } from './cluster.js';
import { startPgliteThread, type PgliteThread } from './thread.js';

/** The embedded database being started: its DATA_DIR held, its cluster there, PGlite starting on its thread. */
export interface Embedded {
  readonly thread: PgliteThread;
  /** Stops PGlite and frees DATA_DIR. */
  close(): Promise<void>;
}

/**
 * Takes DATA_DIR, gives it a cluster on a first start, and has PGlite start there (on `thread`, which
 * the server starts before it has read its configuration; a new one otherwise), without waiting for
 * it. Light to load (no ORM, no HTTP): the server starts it first and loads the rest meanwhile.
 */
export async function startEmbedded(dataDir: string, thread: PgliteThread = startPgliteThread()): Promise<Embedded> {
  const directory = resolve(dataDir);
  let lock: DataDirLock | undefined;
  try {
    lock = await lockDataDir(directory);
    const cluster = join(directory, 'pgdata');
    provideCluster(cluster);
    thread.open(cluster);
    const held = lock;
    return {
      thread,
      async close() {
        await thread.close();
        await held.release();
      },
    };
  } catch (error) {
    await thread.close();
    await lock?.release();
    throw error;
  }
}
