import { existsSync } from 'node:fs';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { describeError } from './db/error-log.js';
import { isDatabaseUnavailable } from './db/errors.js';
import { DataDirInUseError } from './db/data-dir-lock.js';

/** Fails the start with one line on standard error, never a stack trace. */
function fail(message: string): never {
  process.stderr.write(`keyway: ${message}\n`);
  process.exit(1);
}

if (existsSync('.env')) process.loadEnvFile('.env');

let config: Config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}

const app = await buildApp(config).catch((error: unknown) => {
  if (error instanceof DataDirInUseError) fail(error.message);
  if (isDatabaseUnavailable(error)) fail('cannot reach the PostgreSQL server of DATABASE_URL');
  fail(`cannot start: ${describeError(error)}`);
});

try {
  await app.listen({ host: config.host, port: config.port });
} catch (error) {
  await app.close();
  fail(`cannot listen on ${config.host}:${config.port}: ${(error as NodeJS.ErrnoException).code ?? error}`);
}

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
