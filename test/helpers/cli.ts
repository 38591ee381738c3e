import { execFile } from 'node:child_process';
import type { TestDatabase } from './database.js';
import { runLogFile } from './logs.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run cli -- …` as a child process on a test database, with `input` on its standard input. */
export function cli(database: TestDatabase, args: string[], input = ''): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['dist/src/cli/main.js', ...args],
      { env: { ...process.env, DATA_DIR: '', DATABASE_URL: '', ...database.env, LOG_LEVEL: 'warn' } },
      (error, stdout, stderr) => {
        const keep = runLogFile('cli');
        keep(stdout);
        keep(stderr);
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
    child.stdin?.end(input);
  });
}
