import { ConnectionException, DriverException, UniqueConstraintViolationException } from '@mikro-orm/core';

/**
 * The closed set of outcomes a caller can be told about. Each door maps a code
 * to its own answer (REST body and status, GraphQL `extensions.code`, tRPC
 * code) from one table; the core never speaks HTTP.
 */
export const ERROR_CODES = [
  'UNAUTHENTICATED',
  'TOKEN_EXPIRED',
  'FORBIDDEN',
  'USER_NOT_FOUND',
  'INVALID_PASSWORD',
  'USER_DISABLED',
  'BAD_USER_INPUT',
  'CONFLICT',
  'NOT_FOUND',
  'TOO_MANY_REQUESTS',
  'DATABASE_UNAVAILABLE',
  'INTERNAL_SERVER_ERROR',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorDetails {
  /** Seconds until a throttled caller may try again. */
  retryAfter?: number;
  /** Which input fields were wrong, for BAD_USER_INPUT. */
  fields?: Record<string, string[]>;
}

const DEFAULT_MESSAGES: Record<ErrorCode, string> = {
  UNAUTHENTICATED: 'Authentication required',
  TOKEN_EXPIRED: 'Token expired',
  FORBIDDEN: 'Permission denied',
  USER_NOT_FOUND: 'User not found',
  INVALID_PASSWORD: 'Invalid password',
  USER_DISABLED: 'User is disabled',
  BAD_USER_INPUT: 'Invalid input',
  CONFLICT: 'Conflict',
  NOT_FOUND: 'Not found',
  TOO_MANY_REQUESTS: 'Too many failed attempts',
  DATABASE_UNAVAILABLE: 'Database unavailable',
  INTERNAL_SERVER_ERROR: 'Internal server error',
};

export class DomainError extends Error {
  override name = 'DomainError';

  constructor(
    readonly code: ErrorCode,
    message: string = DEFAULT_MESSAGES[code],
    readonly details: ErrorDetails = {},
  ) {
    super(message);
  }
}

/**
 * Whatever was thrown, as a DomainError. `expected` is false for errors the
 * caller did not cause: the door logs those once and shows only the code.
 */
export function toDomainError(error: unknown): { error: DomainError; expected: boolean } {
  if (error instanceof DomainError) return { error, expected: error.code !== 'INTERNAL_SERVER_ERROR' };
  if (error instanceof UniqueConstraintViolationException) {
    return { error: new DomainError('CONFLICT'), expected: true };
  }
  if (isDatabaseUnavailable(error)) {
    return { error: new DomainError('DATABASE_UNAVAILABLE'), expected: false };
  }
  return { error: new DomainError('INTERNAL_SERVER_ERROR'), expected: false };
}

const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);
// SQLSTATE class 08 (connection exception), 57P01-57P03 (admin shutdown, crash, cannot connect now).
const CONNECTION_SQLSTATE = /^(08|57P0[1-3])/;

export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof ConnectionException) return true;
  const cause = error instanceof DriverException ? (error as { cause?: unknown }).cause ?? error : error;
  if (typeof cause !== 'object' || cause === null) return false;
  const { code, message } = cause as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (CONNECTION_ERRNOS.has(code) || CONNECTION_SQLSTATE.test(code))) return true;
  return (
    typeof message === 'string' &&
    /Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i.test(message)
  );
}
