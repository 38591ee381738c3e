import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './postgres.js';

export interface KeywayProcess {
  url: string;
  /** Everything the process wrote to standard error so far. */
  stderr(): string;
  /** SIGTERM, then its exit code. */
  stop(): Promise<number | null>;
}

/**
 * `npm start` as a user runs it: `node dist/src/main.js` in a child process with
 * nothing in its environment but `env` (no test defaults), ready once /healthz answers.
 */
export async function startKeywayProcess(env: Record<string, string>): Promise<KeywayProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['dist/src/main.js'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`keyway exited with ${child.exitCode}: ${stderr}`);
    const up = await fetch(`${url}/healthz`).then((reply) => reply.ok, () => false);
    if (up) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`keyway did not answer /healthz within 60 s: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    stderr: () => stderr,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
