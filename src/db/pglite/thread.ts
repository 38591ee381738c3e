import { Worker } from 'node:worker_threads';
import type { createPostgreSqlTypeParsers } from '@mikro-orm/sql';

/** What PGlite answers a query: kysely's PGlite dialect reads `rows` and `affectedRows`. */
interface Results {
  rows: unknown[];
  affectedRows?: number;
  fields: { name: string; dataTypeID: number }[];
}

interface Queryable {
  query(sql: string, params?: unknown[], options?: Record<string, unknown>): Promise<Results>;
}

/**
 * The part of PGlite's interface that MikroORM's PGlite driver (through
 * kysely) and Keyway call, served by a PGlite on a thread of its own
 * (worker.mjs): its WebAssembly and synchronous file system work never holds
 * up the event loop, so token verification goes on during a burst of logins.
 */
export interface PgliteThread extends Queryable {
  /** Starts PostgreSQL on the cluster in `dataDir` (its owner holds DATA_DIR); queries wait for it. */
  open(dataDir: string): void;
  readonly ready: boolean;
  readonly closed: boolean;
  readonly waitReady: Promise<void>;
  exec(sql: string): Promise<Results[]>;
  transaction<T>(callback: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

type Request = { op: 'open'; dataDir: string }
  | { op: 'query'; sql: string; params?: unknown[]; options?: Record<string, unknown>; tx?: number }
  | { op: 'exec'; sql: string }
  | { op: 'begin' | 'end'; tx: number; commit?: boolean }
  | { op: 'parsers'; raw: number[]; rawArrays: number[] }
  | { op: 'close' };

type SerialisedError = { name: string; message: string } & Record<string, unknown>;

// PostgreSQL's "admin shutdown": callers treat the database as unavailable, as when a server goes away.
const STOPPED = { name: 'DatabaseError', message: 'the embedded database has stopped', code: '57P01' };

/** Which types MikroORM keeps as text (and arrays of them), told to the worker as data. */
function parserOids(createParsers: typeof createPostgreSqlTypeParsers) {
  const arrayParse = (text: string) => [text];
  const entries = Object.entries(createParsers(arrayParse)).map(([oid, parse]) => [Number(oid), parse] as const);
  return {
    raw: entries.filter(([, parse]) => parse !== arrayParse).map(([oid]) => oid),
    rawArrays: entries.filter(([, parse]) => parse === arrayParse).map(([oid]) => oid),
  };
}

function revive(error: SerialisedError): Error {
  const { name, message, ...fields } = error;
  return Object.assign(new Error(message), fields, { name });
}

/**
 * The PostgreSQL settings the embedded database runs with, given on its command line at every start:
 * nothing is written into the data directory, so a directory made by an earlier Keyway runs with them
 * too, and a change here applies at the next start.
 *
 * `shared_buffers`: PostgreSQL's 128 MB default (PGlite keeps it) is sized for a server whose backends
 * share a cache; here the buffers sit in the one WebAssembly heap, and a page of it once touched stays
 * resident until the process ends. Keyway's tables are small, what a request reads is a few pages of
 * them, and the operating system caches the data files anyway (PGlite reads them with ordinary file
 * calls). The WAL buffers (1/32 of it by default) shrink with it.
 */
export const EMBEDDED_SETTINGS: Readonly<Record<string, string>> = {
  shared_buffers: '16MB',
};

/**
 * Starts PGlite's thread: it loads PGlite and compiles its WebAssembly at once, and starts PostgreSQL
 * when `open` names the cluster (initialising it when it is empty). Cheap to load and to call: the
 * server calls it first thing, and loads the rest while the thread starts.
 */
export function startPgliteThread(): PgliteThread {
  const worker = new Worker(new URL('./worker.mjs', import.meta.url), {
    workerData: { settings: EMBEDDED_SETTINGS },
    // Every query allocates a little (PGlite's protocol, the messages to and from here); V8 let the
    // young generation of this thread grow past 100 MB under a steady load for no gain in speed. The
    // old generation is not capped: running out of it would stop the database.
    resourceLimits: { maxYoungGenerationSizeMb: 16 },
  });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 0;
  let nextTx = 0;
  let ready = false;
  let closed = false;

  const stop = (error: SerialisedError) => {
    closed = true;
    for (const { reject } of pending.values()) reject(revive(error));
    pending.clear();
  };
  const started = new Promise<void>((resolve, reject) => {
    worker.on('message', (message: { id?: number; result?: unknown; error?: SerialisedError; ready?: true; failed?: SerialisedError }) => {
      if (message.ready) return resolve();
      if (message.failed) return reject(revive(message.failed));
      const call = pending.get(message.id!);
      pending.delete(message.id!);
      if (message.error) call?.reject(revive(message.error));
      else call?.resolve(message.result);
    });
    worker.on('error', (error) => {
      stop(STOPPED);
      reject(error);
    });
    worker.on('exit', () => {
      stop(STOPPED);
      reject(revive(STOPPED));
    });
  });

  const send = <T>(request: Request): Promise<T> => {
    if (closed) return Promise.reject(revive(STOPPED));
    return new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ id, ...request });
    });
  };
  let isOpen = false;
  let markOpened!: () => void;
  const opened = new Promise<void>((resolve) => (markOpened = resolve));
  // Which types MikroORM reads as text is MikroORM's to say, and loading it holds the event loop for a
  // while (Node loads a module graph at once): it waits for `open`, so PGlite starts meanwhile, and the
  // thread hears of them before any query (messages arrive in the order sent).
  let told = false;
  const telling = opened
    .then(() => import('@mikro-orm/sql'))
    .then(async ({ createPostgreSqlTypeParsers }) => {
      await send({ op: 'parsers', ...parserOids(createPostgreSqlTypeParsers) });
      told = true;
    });
  const waitReady = Promise.all([started, telling]).then(() => {
    ready = true;
  });
  // Whoever needs the database awaits waitReady; an early failure must not also be an unhandled rejection.
  waitReady.catch(() => {});

  const call = <T>(request: Request): Promise<T> => (told ? send<T>(request) : telling.then(() => send<T>(request)));

  return {
    open(dataDir) {
      if (isOpen) throw new Error('the embedded database is already open');
      isOpen = true;
      worker.postMessage({ op: 'open', dataDir } satisfies Request);
      markOpened();
    },
    get ready() {
      return ready;
    },
    get closed() {
      return closed;
    },
    waitReady,
    query: (sql, params, options) => call({ op: 'query', sql, params, options }),
    exec: (sql) => call({ op: 'exec', sql }),
    async transaction(callback) {
      const tx = nextTx++;
      await call({ op: 'begin', tx });
      let result;
      try {
        result = await callback({ query: (sql, params, options) => call({ op: 'query', sql, params, options, tx }) });
      } catch (error) {
        await call({ op: 'end', tx, commit: false }).catch(() => {});
        throw error;
      }
      await call({ op: 'end', tx, commit: true });
      return result;
    },
    async close() {
      if (closed) return;
      // Never opened, it has nothing to close; opened, PGlite closes its cluster first.
      if (isOpen) await call({ op: 'close' }).catch(() => {});
      closed = true;
      await worker.terminate();
    },
  };
}
