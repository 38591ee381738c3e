// The server's process. Before anything else loads: Node's cache of compiled modules, then, on PGlite,
// the embedded database's thread, which takes about as long to start as the rest of Keyway takes to
// load, so both go at once; it opens DATA_DIR once the configuration is read and the directory held.
// Then the HTTP server, as src/app.ts builds it.
import { existsSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import type { Config } from './config.js';
import type { Embedded } from './db/pglite/embedded.js';

// In dist/, beside the code it caches and writable by whoever built it, rather than the system's shared
// temporary directory (where another local user could plant compiled code); a place it cannot write
// only means no cache.
enableCompileCache(fileURLToPath(new URL('../compile-cache', import.meta.url)));

/** Fails the start with one line on standard error, never a stack trace. */
function fail(message: string): never {
  process.stderr.write(`keyway: ${message}\n`);
  process.exit(1);
}

/** What a failed start says of an error it did not expect (a database error's statement stays out). */
async function cannotStart(error: unknown): Promise<never> {
  const { describeError } = await import('./db/error-log.js');
  fail(`cannot start: ${describeError(error)}`);
}

if (existsSync('.env')) process.loadEnvFile('.env');

// PGlite unless DATABASE_URL is set (and not empty), as the configuration will say.
const thread = process.env.DATABASE_URL ? undefined : (await import('./db/pglite/thread.js')).startPgliteThread();

const { ConfigError, loadConfig } = await import('./config.js');
let config: Config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}

let embedded: Embedded | undefined;
if (config.database.kind === 'pglite') {
  const { startEmbedded } = await import('./db/pglite/embedded.js');
  const { DataDirInUseError } = await import('./db/data-dir-lock.js');
  embedded = await startEmbedded(config.database.dataDir, thread).catch((error: unknown) => {
    if (error instanceof DataDirInUseError) fail(error.message);
    return cannotStart(error);
  });
} else {
  await thread?.close();
}

const { buildApp } = await import('./app.js');
const app = await buildApp(config, { embedded }).catch(async (error: unknown) => {
  const { isDatabaseUnavailable } = await import('./db/errors.js');
  if (isDatabaseUnavailable(error)) fail('cannot reach the PostgreSQL server of DATABASE_URL');
  return cannotStart(error);
});

try {
  await app.listen({ host: config.host, port: config.port });
} catch (error) {
  await app.close();
  fail(`cannot listen on ${config.host}:${config.port}: ${(error as NodeJS.ErrnoException).code ?? error}`);
}

// From here on V8 keeps the young generation at the size start-up gave it. Under a steady load it would
// double it to more than three times that, and keep it: on PostgreSQL that was most of the difference
// between an idle server and a busy one (139 MB → 245 MB serving GET /products), and GET /products and
// /api/verify_token answered as many requests a second without it. The flags are V8's, process-wide.
setFlagsFromString('--semi-space-growth-factor=1');
// And lets the old generation grow by a fifth past what a full collection left, not by up to four times
// under a fast allocation rate: the data paths' load on PostgreSQL took a server from 143 MB to 278–289 MB,
// and to 166–168 MB with this, at the same requests a second (two paired runs of the four paths).
setFlagsFromString('--heap-growing-percent=20');

// SIGTERM: stop accepting, finish the requests in flight, close the database, exit 0.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    app.log.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
