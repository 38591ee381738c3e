/**
 * The closed set of outcomes a caller can be told about. Each door maps a code
 * to its own answer (REST body and status, GraphQL `extensions.code`, tRPC
 * code) from one table; the core never speaks HTTP.
 */
const ERROR_CODES = [
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
  'MFA_REQUIRED',
  'INVALID_MFA_CODE',
  'INVALID_MFA_TOKEN',
  'MFA_STEP_UP_REQUIRED',
  'DATABASE_UNAVAILABLE',
  'INTERNAL_SERVER_ERROR',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorDetails {
  /** Seconds until a throttled caller may try again. */
  retryAfter?: number;
  /** Which input fields were wrong, for BAD_USER_INPUT. */
  fields?: Record<string, string[]>;
  /** The challenge a login with a second factor answers with, for MFA_REQUIRED. */
  mfaToken?: string;
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
  MFA_REQUIRED: 'A second factor is required',
  INVALID_MFA_CODE: 'Invalid verification code',
  INVALID_MFA_TOKEN: 'The second-factor challenge is invalid or has expired; sign in again',
  MFA_STEP_UP_REQUIRED: 'This operation needs a session signed in with a second factor',
  DATABASE_UNAVAILABLE: 'Database unavailable',
  INTERNAL_SERVER_ERROR: 'Internal server error',
};

export class DomainError extends Error {
  override name = 'DomainError';

  constructor(
    readonly code: ErrorCode,
    message: string = DEFAULT_MESSAGES[code],
    readonly details: ErrorDetails = {},
    /** What caused it, for the log (DATABASE_UNAVAILABLE keeps the driver's error); never shown to a caller. */
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Whatever was thrown, as a DomainError. `expected` is false for errors the
 * caller did not cause: the door logs those once and shows only the code.
 */
export function toDomainError(error: unknown): { error: DomainError; expected: boolean } {
  if (error instanceof DomainError) {
    return { error, expected: error.code !== 'INTERNAL_SERVER_ERROR' && error.code !== 'DATABASE_UNAVAILABLE' };
  }
  return { error: new DomainError('INTERNAL_SERVER_ERROR'), expected: false };
}
