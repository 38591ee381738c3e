import { ConnectionException, DriverException, UniqueConstraintViolationException } from '@mikro-orm/core';
import { DomainError } from '../core/errors.js';

/**
 * Driver errors, told apart here and nowhere else: the core sees a
 * DATABASE_UNAVAILABLE domain error or a repository's typed answer, never a
 * driver's exception.
 */

const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);
// SQLSTATE class 08 (connection exception) but 08P01 (a protocol violation: PGlite's answer to a NUL
// in a parameter, a statement refused, not a database away), 57P01-57P03 (admin shutdown, crash, cannot connect now).
const CONNECTION_SQLSTATE = /^(08(?!P01)|57P0[1-3])/;
const UNIQUE_VIOLATION = '23505';

/** Whether the database could not be reached (as opposed to a statement it refused). */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof DomainError) return error.code === 'DATABASE_UNAVAILABLE';
  if (error instanceof ConnectionException) return true;
  const cause = error instanceof DriverException ? (error as { cause?: unknown }).cause ?? error : error;
  if (typeof cause !== 'object' || cause === null) return false;
  const { code, message } = cause as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (CONNECTION_ERRNOS.has(code) || CONNECTION_SQLSTATE.test(code))) return true;
  return (
    typeof message === 'string' &&
    /Connection terminated|connection timeout|Client has encountered a connection error|not queryable|PGlite is closed/i.test(message)
  );
}

/**
 * The unique constraint a write violated (its name as PostgreSQL gives it,
 * '' when the driver did not say), or undefined for any other error: the
 * unique indexes decide races, and a repository answers what they decided.
 */
export function violatedUniqueConstraint(error: unknown): string | undefined {
  // MikroORM wraps what its entity manager ran (copying the constraint's name); a statement run on its
  // connection throws the driver's own error, with the SQLSTATE.
  const { code, constraint } = (error ?? {}) as { code?: unknown; constraint?: unknown };
  if (!(error instanceof UniqueConstraintViolationException) && code !== UNIQUE_VIOLATION) return undefined;
  return typeof constraint === 'string' ? constraint : '';
}

/**
 * A store whose every method answers an unreachable database as the domain
 * error DATABASE_UNAVAILABLE. A statement the database refused leaves it as
 * MikroORM's exception for its SQLSTATE (`convert`), whether the entity
 * manager or the connection ran it, so logs and the command line name the
 * failure alike on every path; anything else passes through unchanged, an
 * unexpected error for the door to log.
 */
export function withDatabaseErrors<T extends object>(store: T, convert: (error: Error) => Error): T {
  const wrapped = {} as Record<string, unknown>;
  for (const [name, method] of Object.entries(store)) {
    wrapped[name] =
      typeof method === 'function'
        ? async (...args: unknown[]) => {
            try {
              return await (method as (...args: unknown[]) => Promise<unknown>)(...args);
            } catch (error) {
              if (isDatabaseUnavailable(error)) throw new DomainError('DATABASE_UNAVAILABLE', undefined, {}, { cause: error });
              throw isDriverError(error) ? convert(error) : error;
            }
          }
        : method;
  }
  return wrapped as T;
}

/** A driver's own error: one with a SQLSTATE, not yet converted by MikroORM. */
function isDriverError(error: unknown): error is Error {
  if (!(error instanceof Error) || error instanceof DriverException || error instanceof DomainError) return false;
  const { code } = error as { code?: unknown };
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}
