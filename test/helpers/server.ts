import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { runLogFile } from './logs.js';

export const ADMIN_PASSWORD = 'correct horse battery';

export interface TestServer {
  url: string;
  app: FastifyInstance;
  database: TestDatabase;
  /** Every log line the server wrote, as JSON text. */
  logs: string[];
  /** Lines written for a person whatever the log level (the generated admin password). */
  notices: string[];
  /** Stops the server; the database stays, for a restart on it. */
  stop(): Promise<void>;
  /** Stops the server and drops its database. */
  close(): Promise<void>;
}

export interface ServerOptions {
  env?: Record<string, string>;
  /** Reuse a database (a restart, a second instance); a fresh one otherwise. */
  database?: TestDatabase;
  /** A fixed port (see `freePort`), for a server whose PUBLIC_URL must name itself; 0 otherwise. */
  port?: number;
  /** The clock second-factor codes are checked against (a test's own); the system's otherwise. */
  now?: () => number;
}

/** A real Keyway on a real database, listening on 127.0.0.1 port 0. */
export async function startServer(options: ServerOptions = {}): Promise<TestServer> {
  const database = options.database ?? (await createTestDatabase());
  const config = loadConfig({
    LOG_LEVEL: 'info',
    ADMIN_PASSWORD,
    ...database.env,
    ...options.env,
  });
  const logs: string[] = [];
  const notices: string[] = [];
  const keep = runLogFile('server');
  const app = await buildApp(config, {
    logStream: {
      write: (line) => {
        logs.push(line);
        keep(line);
      },
    },
    noticeStream: { write: (line) => void notices.push(line) },
    now: options.now,
  });
  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  const { port } = app.server.address() as { port: number };
  const stop = () => app.close();
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    database,
    logs,
    notices,
    stop,
    async close() {
      await stop();
      await database.drop();
    },
  };
}

/** A port free right now, for a server that must know its own URL before it starts. */
export { freePort } from './postgres.js';
