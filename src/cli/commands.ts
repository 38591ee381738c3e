import { OPERATOR } from '../core/audit.js';
import { describeError } from '../db/error-log.js';
import { DomainError } from '../core/errors.js';
import type { KeyInfo } from '../core/keys.service.js';
import type { UserRecord } from '../core/records.js';
import { auditListInput, createClientInput, createUserInput, sessionIdField, describeIssues, roleInput, roleNameField, updateUserInput, userListInput } from '../core/schemas.js';
import type { Services } from '../core/services.js';
import type { z } from 'zod';
import type { CliRequest, CliResponse } from '../doors/control/protocol.js';

/** A command line the CLI could not make sense of. */
export class UsageError extends Error {}

/**
 * Runs one command on Keyway's services: the same code in the CLI's own
 * process and in a running server, which passes `onUnexpected` to log what
 * the command line is told only in one line (never a database error's message).
 */
export async function executeCommand(
  services: Services,
  request: CliRequest,
  onUnexpected: (error: unknown) => void = () => {},
): Promise<CliResponse> {
  try {
    return { ok: true, output: await run(services, request) };
  } catch (error) {
    if (error instanceof DomainError || error instanceof UsageError) return { ok: false, message: error.message };
    onUnexpected(error);
    return { ok: false, message: `internal error (${describeError(error)})` };
  }
}

async function run(services: Services, { words, options, password }: CliRequest): Promise<string> {
  const [group, action, ...rest] = words;
  const command = `${group ?? ''} ${action ?? ''}`.trim();
  const user = (name: string) => services.users.findByUsername(name);
  switch (command) {
    case 'init':
      // Opening the database created it if there was none (the admin's generated password went to stderr).
      expectArguments(rest, 0, command);
      return 'the Keyway database is ready';
    case 'users list': {
      expectArguments(rest, 0, command);
      const { search } = parse(userListInput, { search: options.search });
      const users: UserRecord[] = [];
      for (let offset = 0, page; (page = await services.users.list({ limit: 100, offset, search })).length > 0; offset += 100) users.push(...page);
      return table(
        ['id', 'username', 'role', 'state', 'created'],
        users.map((u) => [String(u.id), u.username, u.role.name, u.disabled ? 'disabled' : 'enabled', u.createdAt.toISOString()]),
      );
    }
    case 'users create': {
      const [username] = expectArguments(rest, 1, command);
      if (!options.role) throw new UsageError('"users create" needs --role <role> (see --help)');
      const created = await services.users.create(parse(createUserInput, { username, password, role: options.role }), OPERATOR);
      return `created user ${created.username} (${created.role.name})`;
    }
    case 'users set-role': {
      const [username, role] = expectArguments(rest, 2, command);
      const updated = await services.users.update((await user(username!)).id, parse(updateUserInput, { role }), OPERATOR);
      return `${updated.username} is now ${updated.role.name}`;
    }
    case 'users disable':
    case 'users enable': {
      const [username] = expectArguments(rest, 1, command);
      const disabled = action === 'disable';
      const updated = await services.users.update((await user(username!)).id, { disabled }, OPERATOR);
      return `${updated.username} is ${disabled ? 'disabled' : 'enabled'}`;
    }
    case 'users reset-mfa': {
      const [username] = expectArguments(rest, 1, command);
      const updated = await services.users.update((await user(username!)).id, { resetMfa: true }, OPERATOR);
      return `${updated.username} has no second factor now and enrols again (their sessions are revoked)`;
    }
    case 'users delete': {
      const [username] = expectArguments(rest, 1, command);
      const found = await user(username!);
      await services.users.delete(found.id, OPERATOR);
      return `deleted user ${found.username}`;
    }
    case 'users set-password': {
      const [username] = expectArguments(rest, 1, command);
      const updated = await services.users.update((await user(username!)).id, parse(updateUserInput, { password }), OPERATOR);
      return `password of ${updated.username} set; their sessions are revoked`;
    }
    case 'roles list':
      expectArguments(rest, 0, command);
      return table(
        ['role', 'permissions'],
        (await services.roles.list()).map((role) => [role.name, role.permissions.join(',') || '-']),
      );
    case 'roles set': {
      const [name, list] = expectArguments(rest, 2, command);
      const permissions = list!.split(',').map((permission) => permission.trim().toUpperCase()).filter(Boolean);
      const role = await services.roles.upsert(parse(roleInput, { name, permissions }), OPERATOR);
      return `${role.name}: ${role.permissions.join(',') || 'no permissions'}`;
    }
    case 'roles delete': {
      const [name] = expectArguments(rest, 1, command);
      await services.roles.delete(parse(roleNameField, name), OPERATOR);
      return `deleted role ${name}`;
    }
    case 'keys list':
      expectArguments(rest, 0, command);
      return table(
        ['kid', 'algorithm', 'state', 'signs from', 'retired', 'published until'],
        (await services.keys.list()).map(keyRow),
      );
    case 'keys rotate': {
      expectArguments(rest, 0, command);
      const key = await services.keys.rotate(OPERATOR);
      return `rotated: ${key.kid} signs from ${key.activatesAt?.toISOString()}; earlier keys verify until their tokens expire`;
    }
    case 'sessions list': {
      const [username] = expectArguments(rest, 1, command);
      const sessions = await services.sessions.list((await user(username!)).id);
      return table(
        ['id', 'signed in', 'last used', 'expires', 'address', 'user agent'],
        sessions.map((s) => [s.id, iso(s.createdAt), iso(s.lastUsedAt), iso(s.expiresAt), s.ipAddress ?? '-', s.userAgent ?? '-']),
      );
    }
    case 'sessions revoke-one': {
      const [id] = expectArguments(rest, 1, command);
      await services.sessions.revoke(OPERATOR, parse(sessionIdField, id));
      return `revoked session ${id}`;
    }
    case 'sessions revoke': {
      const [username] = expectArguments(rest, 1, command);
      const user = await services.users.findByUsername(username!);
      const count = await services.sessions.revokeAll(user, OPERATOR);
      return `revoked ${count} session${count === 1 ? '' : 's'} of ${user.username}`;
    }
    case 'clients list':
      expectArguments(rest, 0, command);
      return table(
        ['client id', 'name', 'role', 'state', 'created', 'last used'],
        (await services.clients.list()).map((c) => [
          c.clientId,
          c.name,
          c.role.name,
          c.disabled ? 'disabled' : 'enabled',
          iso(c.createdAt),
          iso(c.lastUsedAt),
        ]),
      );
    case 'clients create': {
      const [name] = expectArguments(rest, 1, command);
      if (!options.role) throw new UsageError('"clients create" needs --role <role> (see --help)');
      const { client, secret } = await services.clients.create(parse(createClientInput, { name, role: options.role }), OPERATOR);
      return `created client ${client.name} (${client.role.name})\nclient id: ${client.clientId}\nsecret:    ${secret}\n(shown this once: keep it now)`;
    }
    case 'clients rotate-secret': {
      const [clientId] = expectArguments(rest, 1, command);
      const { client, secret } = await services.clients.rotateSecret((await services.clients.findByClientId(clientId!)).id, OPERATOR);
      return `new secret of ${client.clientId}: ${secret}\n(shown this once; the old secret and its tokens no longer work)`;
    }
    case 'clients disable':
    case 'clients enable': {
      const [clientId] = expectArguments(rest, 1, command);
      const disabled = action === 'disable';
      const client = await services.clients.update((await services.clients.findByClientId(clientId!)).id, { disabled }, OPERATOR);
      return `${client.clientId} is ${disabled ? 'disabled (its tokens are revoked)' : 'enabled'}`;
    }
    case 'clients delete': {
      const [clientId] = expectArguments(rest, 1, command);
      await services.clients.delete((await services.clients.findByClientId(clientId!)).id, OPERATOR);
      return `deleted client ${clientId} (its tokens are revoked)`;
    }
    case 'audit list': {
      expectArguments(rest, 0, command);
      const userId = options.user === undefined ? undefined : (await user(options.user)).id;
      const types = options.type?.split(',').map((type) => type.trim().toUpperCase());
      const { limit, ...filter } = parse(auditListInput, { types, userId, limit: options.limit ?? '50' });
      const { events } = await services.audit.list(filter, limit);
      return table(
        ['at', 'type', 'actor', 'user', 'address', 'door', 'details'],
        events.map((e) => [iso(e.at), e.type, e.actor ?? '-', e.username ?? '-', e.ipAddress ?? '-', e.door, JSON.stringify(e.details)]),
      );
    }
    default:
      throw new UsageError(command ? `unknown command "${command}" (see --help)` : 'no command given (see --help)');
  }
}

/** Input checked with the same schemas as the doors', reported as one line. */
function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new UsageError(describeIssues(result.error));
  return result.data;
}

function expectArguments(rest: string[], count: number, command: string): string[] {
  if (rest.length !== count) {
    throw new UsageError(`"${command}" takes ${count === 0 ? 'no arguments' : `${count} argument${count > 1 ? 's' : ''}`} (see --help)`);
  }
  return rest;
}

const iso = (date: Date | null) => date?.toISOString() ?? '-';

function keyRow(key: KeyInfo): string[] {
  return [key.kid, key.algorithm, key.state, iso(key.activatesAt), iso(key.retiredAt), key.publishedUntil ? iso(key.publishedUntil) : '-'];
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
