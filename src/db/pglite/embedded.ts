import { join, resolve } from 'node:path';
import { lockDataDir } from '../data-dir-lock.js';
import { provideCluster } from './cluster.js';
import { startPgliteThread, type PgliteThread } from './thread.js';

/** The embedded database being started: its DATA_DIR held, its cluster there, PGlite starting on its thread. */
export interface Embedded {
  readonly thread: PgliteThread;
  /** Stops PGlite and frees DATA_DIR. */
  close(): Promise<void>;
}

/**
 * Takes DATA_DIR, gives it a cluster on a first start, and starts PGlite there without waiting for
 * it. Light to load (no ORM, no HTTP): the server starts it first and loads the rest meanwhile.
 */
export async function startEmbedded(dataDir: string): Promise<Embedded> {
  const directory = resolve(dataDir);
  const lock = await lockDataDir(directory);
  try {
    const cluster = join(directory, 'pgdata');
    provideCluster(cluster);
    const thread = startPgliteThread(cluster);
    return {
      thread,
      async close() {
        await thread.close();
        await lock.release();
      },
    };
  } catch (error) {
    await lock.release();
    throw error;
  }
}
