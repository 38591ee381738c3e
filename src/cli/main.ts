import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config.js';
import type { CliRequest, CliResponse } from '../doors/control/protocol.js';
import { sendToServer } from './control-client.js';
import { readPassword } from './password-input.js';
import { needsPassword, USAGE } from './usage.js';

/** One clear line and exit code 1: never a stack trace. */
function fail(message: string): never {
  process.stderr.write(`keyway: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    options: {
      role: { type: 'string' },
      user: { type: 'string' },
      type: { type: 'string' },
      limit: { type: 'string' },
      search: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help || positionals.length === 0) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  const request: CliRequest = {
    words: positionals,
    options: { role: values.role, user: values.user, type: values.type, limit: values.limit, search: values.search },
  };
  if (needsPassword(positionals)) request.password = await readPassword(`Password for ${positionals[2] ?? 'the user'}: `);

  const response = await execute(config, request);
  if (!response.ok) fail(response.message);
  process.stdout.write(`${response.output}\n`);
}

/**
 * On PGlite, a running server does the work (it owns the data directory);
 * otherwise this process opens the database. The server's code is loaded only
 * then, so handing a command over stays quick.
 */
async function execute(config: Config, request: CliRequest): Promise<CliResponse> {
  if (config.database.kind === 'pglite') {
    const answer = await sendToServer(config.database.dataDir, request);
    if (answer) return answer;
  }
  const { executeLocally } = await import('./local.js');
  return executeLocally(config, request);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof ConfigError) fail(error.message);
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      fail(`${error.message} (see --help)`);
    }
    fail(error instanceof Error ? error.message : String(error));
  },
);
