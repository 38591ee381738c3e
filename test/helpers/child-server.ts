import { spawn, type ChildProcess } from 'node:child_process';
import type { TestDatabase } from './database.js';
import { call } from './http.js';
import { runLogFile } from './logs.js';
import { freePort } from './postgres.js';
import { ADMIN_PASSWORD } from './server.js';

/** `npm start` as a child process: a crash there ends that process, not the test's. */
export interface ChildServer {
  url: string;
  child: ChildProcess;
  /** What it wrote to standard output (its JSON log lines) and standard error so far. */
  stdout: () => string;
  stderr: () => string;
  /** Its exit code (null after a signal), once it has exited. */
  exited: Promise<number | null>;
  /** Whether it is still running. */
  running(): boolean;
  /** Resolves true once /healthz answers 200, false if it exits first or `timeoutMs` passes. */
  ready(timeoutMs?: number): Promise<boolean>;
  /** SIGTERM, and its exit. */
  stop(): Promise<number | null>;
}

/**
 * `bare` starts it as a user would, with nothing in its environment but the database, the port and
 * `env`: the defaults a user gets (no ADMIN_PASSWORD, no LOG_LEVEL, nothing of the test run's own).
 */
export async function spawnServer(
  database: TestDatabase,
  env: Record<string, string> = {},
  { bare = false }: { bare?: boolean } = {},
): Promise<ChildServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const base = bare
    ? { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }
    : { ...process.env, DATA_DIR: '', DATABASE_URL: '', ADMIN_PASSWORD, LOG_LEVEL: 'info' };
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    env: { ...base, ...database.env, PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const keep = runLogFile('child');
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    keep(chunk);
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    keep(chunk);
  });
  let alive = true;
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      alive = false;
      resolve(code);
    }),
  );
  return {
    url,
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    running: () => alive,
    async ready(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (alive && Date.now() < deadline) {
        if ((await call(url, '/healthz').catch(() => undefined))?.status === 200) return true;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return false;
    },
    async stop() {
      if (alive) child.kill('SIGTERM');
      return exited;
    },
  };
}
