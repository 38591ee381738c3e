import type { Config } from '../config.js';
import { describeError } from '../db/error-log.js';
import { isDatabaseUnavailable } from '../db/errors.js';
import { DataDirInUseError } from '../db/data-dir-lock.js';
import { NoDatabaseError } from '../db/database.js';
import { openKeyway } from '../keyway.js';
import { executeCommand } from './commands.js';
import type { CliRequest, CliResponse } from '../doors/control/protocol.js';

/** Runs a command in the command line's own process, on the database it opens (and closes) for it. */
export async function executeLocally(config: Config, request: CliRequest): Promise<CliResponse> {
  let keyway;
  try {
    keyway = await openKeyway(
      config,
      {
        debug: () => {},
        warn: () => {},
        error: () => {},
        notice: (line) => process.stderr.write(`keyway: ${line}\n`),
      },
      // Only `init` may create a database: any other command on a mistyped DATA_DIR would make a new one.
      { create: request.words.join(' ') === 'init' },
    );
  } catch (error) {
    if (error instanceof DataDirInUseError || error instanceof NoDatabaseError) return { ok: false, message: error.message };
    if (isDatabaseUnavailable(error)) return { ok: false, message: 'cannot reach the PostgreSQL server of DATABASE_URL' };
    return { ok: false, message: `cannot open the database: ${describeError(error)}` };
  }
  try {
    return await executeCommand(keyway.services, request);
  } finally {
    await keyway.close();
  }
}
