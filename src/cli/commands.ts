import { DomainError } from '../core/errors.js';
import type { KeyInfo } from '../core/keys.service.js';
import type { Services } from '../core/services.js';
import type { CliRequest, CliResponse } from './control-socket.js';

export const USAGE = `Usage: npm run cli -- <command>

  keys list                          the signing keys and their state
  keys rotate                        a new signing key (the current one keeps verifying its tokens)
  sessions revoke <username>         revoke every session of a user

Works on the database of DATA_DIR or DATABASE_URL, also while a server runs on it.
Passwords are read from standard input, never from arguments.`;

/** A command line the CLI could not make sense of. */
export class UsageError extends Error {}

/** The commands that read a password from standard input. */
const PASSWORD_COMMANDS = new Set<string>();

export function needsPassword(words: string[]): boolean {
  return PASSWORD_COMMANDS.has(words.slice(0, 2).join(' '));
}

/** Runs one command on Keyway's services: the same code in the CLI's own process and in a running server. */
export async function executeCommand(services: Services, request: CliRequest): Promise<CliResponse> {
  try {
    return { ok: true, output: await run(services, request) };
  } catch (error) {
    if (error instanceof DomainError || error instanceof UsageError) return { ok: false, message: error.message };
    throw error;
  }
}

async function run(services: Services, { words }: CliRequest): Promise<string> {
  const [group, action, ...rest] = words;
  const command = `${group ?? ''} ${action ?? ''}`.trim();
  switch (command) {
    case 'keys list':
      expectArguments(rest, 0, command);
      return table(
        ['kid', 'algorithm', 'state', 'signs from', 'retired', 'published until'],
        (await services.keys.list()).map(keyRow),
      );
    case 'keys rotate': {
      expectArguments(rest, 0, command);
      const key = await services.keys.rotate();
      return `rotated: ${key.kid} signs from ${key.activatesAt?.toISOString()}; earlier keys verify until their tokens expire`;
    }
    case 'sessions revoke': {
      const [username] = expectArguments(rest, 1, command);
      const user = await services.users.findByUsername(username!);
      const count = await services.sessions.revokeAll(user.id);
      return `revoked ${count} session${count === 1 ? '' : 's'} of ${user.username}`;
    }
    default:
      throw new UsageError(command ? `unknown command "${command}" (see --help)` : 'no command given (see --help)');
  }
}

function expectArguments(rest: string[], count: number, command: string): string[] {
  if (rest.length !== count) {
    throw new UsageError(`"${command}" takes ${count === 0 ? 'no arguments' : `${count} argument${count > 1 ? 's' : ''}`} (see --help)`);
  }
  return rest;
}

function keyRow(key: KeyInfo): string[] {
  const iso = (date: Date | null) => date?.toISOString() ?? '-';
  return [key.kid, key.algorithm, key.state, iso(key.activatesAt), iso(key.retiredAt), key.publishedUntil ? iso(key.publishedUntil) : '-'];
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
