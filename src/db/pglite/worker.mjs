// The embedded PostgreSQL's own thread. PGlite runs PostgreSQL as WebAssembly on the thread that calls it,
// file system included, synchronously: on the server's event loop a burst of logins (or one checkpoint)
// would freeze token verification. Here it runs beside the event loop; thread.ts is the other end.
import { readFile } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import parseArray from 'postgres-array';

// PostgreSQL runs on V8's baseline WebAssembly compiler (Liftoff) only. Left to itself, V8 recompiles
// the functions that run most with its optimising compiler, and one of them, PostgreSQL's SQL parser
// (107 KB of WebAssembly, run on every query), takes it 2 s of CPU and 600 MB of memory, a second
// after start and again on a busy server: a 2-core machine starts slower, memory peaks at twice the
// server's size, and some of it is never given back. A query's time is mostly PGlite's JavaScript
// and file system calls, not PostgreSQL's code: GET /products and logins measured as fast without.
// The flag lets only the function of that index be optimised, and no module has that many functions.
// It is V8's, process-wide, and must be set before PGlite compiles its module.
setFlagsFromString('--wasm-tier-up-filter=2147483647');

// Compiled while the thread waits to be told its data directory (the server takes DATA_DIR's lock first).
const compiled = readFile(new URL('pglite.wasm', import.meta.resolve('@electric-sql/pglite'))).then((bytes) => WebAssembly.compile(bytes));
compiled.catch(() => {}); // PGlite.create reports it

/** Types MikroORM reads as PostgreSQL's text, and arrays of them (thread.ts sends which, before any query). */
function parsers({ raw, rawArrays }) {
  const keep = (text) => text;
  const keepArray = (text) => parseArray.parse(text);
  return Object.fromEntries([...raw.map((oid) => [oid, keep]), ...rawArrays.map((oid) => [oid, keepArray])]);
}

// What a caller needs to tell one database error from another (SQLSTATE, constraint…), never more.
const ERROR_FIELDS = ['code', 'severity', 'detail', 'hint', 'schema', 'table', 'column', 'dataType', 'constraint', 'routine'];

function serialise(error) {
  const fields = Object.fromEntries(ERROR_FIELDS.filter((field) => error?.[field] !== undefined).map((field) => [field, error[field]]));
  return { name: error?.name ?? 'Error', message: String(error?.message ?? error), ...fields };
}

const transactions = new Map();

function answer(id, work) {
  work.then(
    (result) => parentPort.postMessage({ id, result }),
    (error) => parentPort.postMessage({ id, error: serialise(error) }),
  );
}

/** PGlite's own start parameters, then the settings thread.ts chose (on the command line, they win over postgresql.conf). */
function startParams(settings) {
  return [...PGlite.defaultStartParams, ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])];
}

let database;

async function openCluster(dataDir) {
  try {
    database = await PGlite.create({ dataDir, startParams: startParams(workerData.settings), pgliteWasmModule: await compiled });
    parentPort.postMessage({ ready: true });
  } catch (error) {
    parentPort.postMessage({ failed: serialise(error) });
    process.exit(1);
  }
}

// thread.ts sends `open` first; everything after it waits for the database, in the order sent.
let opened;
parentPort.on('message', (message) => {
  if (message.op === 'open') opened = openCluster(message.dataDir);
  else opened.then(() => handle(message));
});

function handle(message) {
  const { id, op } = message;
  if (op === 'parsers') {
    Object.assign(database.parsers, parsers(message));
    return parentPort.postMessage({ id });
  }
  if (op === 'query') {
    const target = message.tx === undefined ? database : transactions.get(message.tx)?.tx;
    if (!target) return answer(id, Promise.reject(new Error('no such transaction')));
    return answer(id, target.query(message.sql, message.params, message.options));
  }
  if (op === 'exec') return answer(id, database.exec(message.sql));
  if (op === 'begin') {
    // PGlite's exclusive transaction: queries outside it wait until it ends, as on the event loop before.
    let end;
    const ended = new Promise((resolve, reject) => (end = { resolve, reject }));
    const done = database.transaction(async (tx) => {
      transactions.set(message.tx, { tx, end, done });
      parentPort.postMessage({ id });
      await ended;
    });
    // A transaction that fails to begin answers the begin; one that fails to commit answers the end.
    done.catch((error) => {
      if (!transactions.has(message.tx)) parentPort.postMessage({ id, error: serialise(error) });
    });
    return;
  }
  if (op === 'end') {
    const open = transactions.get(message.tx);
    if (!open) return answer(id, Promise.reject(new Error('no such transaction')));
    if (message.commit) open.end.resolve();
    else open.end.reject(new Error('rolled back'));
    return answer(
      id,
      open.done.then(
        () => transactions.delete(message.tx),
        (error) => {
          transactions.delete(message.tx);
          if (message.commit) throw error;
        },
      ),
    );
  }
  if (op === 'close') return answer(id, database.close());
}
