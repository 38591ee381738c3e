import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { isDatabaseUnavailable } from '../core/errors.js';
import { DataDirInUseError } from '../db/data-dir-lock.js';
import { openKeyway } from '../keyway.js';
import { executeCommand, needsPassword, USAGE } from './commands.js';
import { sendToServer, type CliRequest, type CliResponse } from './control-socket.js';
import { readPassword } from './password-input.js';

/** One clear line and exit code 1: never a stack trace. */
function fail(message: string): never {
  process.stderr.write(`keyway: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    options: { role: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help || positionals.length === 0) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  const request: CliRequest = { words: positionals, options: { role: values.role } };
  if (needsPassword(positionals)) request.password = await readPassword(`Password for ${positionals[2] ?? 'the user'}: `);

  const response = await execute(config, request);
  if (!response.ok) fail(response.message);
  process.stdout.write(`${response.output}\n`);
}

/** On PGlite, a running server does the work (it owns the data directory); otherwise this process does. */
async function execute(config: Config, request: CliRequest): Promise<CliResponse> {
  if (config.database.kind === 'pglite') {
    const answer = await sendToServer(config.database.dataDir, request);
    if (answer) return answer;
  }
  const keyway = await openKeyway(config, {
    debug: () => {},
    warn: (message) => process.stderr.write(`keyway: ${message}\n`),
    error: () => {},
  });
  try {
    return await executeCommand(keyway.services, request);
  } finally {
    await keyway.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof DataDirInUseError) fail(error.message);
    if (isDatabaseUnavailable(error)) fail('cannot reach the PostgreSQL server of DATABASE_URL');
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      fail(`${error.message} (see --help)`);
    }
    fail(error instanceof Error ? error.message : String(error));
  },
);
