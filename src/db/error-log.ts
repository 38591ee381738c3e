import { DriverException } from '@mikro-orm/core';

/**
 * Errors as logs and the command line may show them. A database error's
 * message and fields can carry the statement and its parameters (a failed
 * insert into users carries the password hash: PGlite's errors hold `query`
 * and `params`, MikroORM copies them onto its own), and its detail the row's
 * values. So an error that is, or was caused by, a database error is reduced
 * to what names the failure and holds no data: its class, SQLSTATE code, the
 * table, column and constraint, and its stack's frames without the message.
 */

const MAX_DEPTH = 5;

export interface LoggedError {
  type: string;
  message: string;
  stack: string;
  [field: string]: unknown;
}

/** pino's `err` serializer: the reduction above for database errors, type, message and stack for others. */
export function errorForLog(error: unknown): LoggedError {
  return serialize(error, 0);
}

/** One line for the command line or a failed start: never a database error's message. */
export function describeError(error: unknown): string {
  const database = databaseErrorIn(error);
  if (!database) return error instanceof Error ? error.message : String(error);
  const { type, code, table, constraint } = databaseFields(database);
  return [type, code && `SQLSTATE ${code}`, table && `table ${table}`, constraint && `constraint ${constraint}`].filter(Boolean).join(', ');
}

function serialize(error: unknown, depth: number): LoggedError {
  if (!(error instanceof Error)) return { type: typeof error, message: String(error), stack: '' };
  const database = databaseErrorIn(error);
  if (database) {
    const outer = database === error ? {} : { wrappedIn: typeName(error) };
    return { ...databaseFields(database), ...outer, message: describeError(database), stack: frames(error.stack) };
  }
  const logged: LoggedError = { type: typeName(error), message: error.message, stack: error.stack ?? '' };
  for (const [key, value] of Object.entries(error)) {
    if (!(key in logged)) logged[key] = value instanceof Error && depth < MAX_DEPTH ? serialize(value, depth + 1) : value;
  }
  if (error.cause !== undefined && depth < MAX_DEPTH) logged.cause = serialize(error.cause, depth + 1);
  if (error instanceof AggregateError && depth < MAX_DEPTH) logged.errors = error.errors.map((inner) => serialize(inner, depth + 1));
  return logged;
}

/** The database error `error` is or was caused by (through `cause` and GraphQL's `originalError`). */
function databaseErrorIn(error: unknown): Error | undefined {
  let current = error;
  for (let depth = 0; depth <= MAX_DEPTH && current instanceof Error; depth++) {
    if (isDatabaseError(current)) return current;
    current = current.cause ?? (current as { originalError?: unknown }).originalError;
  }
  return undefined;
}

function isDatabaseError(error: Error): boolean {
  if (error instanceof DriverException) return true;
  // pg's and PGlite's own errors (severity and SQLSTATE), or anything carrying a statement.
  return ('severity' in error && 'code' in error) || 'query' in error || 'sql' in error || 'params' in error;
}

function databaseFields(error: Error): { type: string } & Record<string, string | undefined> {
  const { code, sqlState, table, column, constraint } = error as unknown as Partial<Record<string, unknown>>;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return {
    type: typeName(error),
    code: text(sqlState) ?? text(code),
    table: text(table),
    column: text(column),
    constraint: text(constraint),
  };
}

function typeName(error: Error): string {
  return error.constructor?.name || error.name;
}

/** A stack without its first line, which repeats the message. */
function frames(stack: string | undefined): string {
  return (stack ?? '')
    .split('\n')
    .filter((line) => line.trim().startsWith('at '))
    .join('\n');
}
