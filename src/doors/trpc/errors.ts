import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { TRPC_ERROR_CODES_BY_KEY, type TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import { ZodError } from 'zod';
import { DomainError, toDomainError, type ErrorCode, type ErrorDetails } from '../../core/errors.js';
import { describeIssues, fieldErrors } from '../../core/schemas.js';

/** The domain's codes as tRPC codes; the domain code itself travels in `error.data.domainCode`. */
const TRPC_CODES: Record<ErrorCode, TRPC_ERROR_CODE_KEY> = {
  UNAUTHENTICATED: 'UNAUTHORIZED',
  TOKEN_EXPIRED: 'UNAUTHORIZED',
  USER_NOT_FOUND: 'UNAUTHORIZED',
  INVALID_PASSWORD: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  USER_DISABLED: 'FORBIDDEN',
  BAD_USER_INPUT: 'BAD_REQUEST',
  CONFLICT: 'CONFLICT',
  NOT_FOUND: 'NOT_FOUND',
  TOO_MANY_REQUESTS: 'TOO_MANY_REQUESTS',
  MFA_REQUIRED: 'UNAUTHORIZED',
  INVALID_MFA_CODE: 'UNAUTHORIZED',
  INVALID_MFA_TOKEN: 'UNAUTHORIZED',
  MFA_STEP_UP_REQUIRED: 'FORBIDDEN',
  DATABASE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
};

/**
 * The code and HTTP status a failed call answers with. A domain error thrown
 * by a procedure, or anything unexpected (a database that went away), reaches
 * tRPC as an INTERNAL_SERVER_ERROR: its domain view (`domainErrorOf`) decides,
 * mapped here rather than in a middleware wrapping every call. tRPC's own
 * refusals (405, 413, a zod input error) keep their code.
 */
export function trpcCodeOf(error: TRPCError, domain: DomainError): { code: TRPC_ERROR_CODE_KEY; jsonRpcCode: number; httpStatus: number } {
  const mapped =
    error.cause instanceof DomainError || error.code === 'INTERNAL_SERVER_ERROR' ? new TRPCError({ code: TRPC_CODES[domain.code] }) : error;
  return { code: mapped.code, jsonRpcCode: TRPC_ERROR_CODES_BY_KEY[mapped.code], httpStatus: getHTTPStatusCodeFromError(mapped) };
}

/** The domain view of whatever a procedure failed with: zod input errors, domain errors, the unexpected. */
export function domainErrorOf(error: TRPCError): { error: DomainError; expected: boolean } {
  const cause = error.cause;
  if (cause instanceof ZodError) {
    return { error: new DomainError('BAD_USER_INPUT', describeIssues(cause), { fields: fieldErrors(cause) }), expected: true };
  }
  if (cause instanceof DomainError || error.code === 'INTERNAL_SERVER_ERROR') return toDomainError(cause ?? error);
  // tRPC's own refusals: unknown procedure, wrong method, unparsable input. JSON.parse's message
  // quotes the text around the fault, which may be a password: it is not passed on.
  const code: ErrorCode = error.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'BAD_USER_INPUT';
  return { error: new DomainError(code, cause instanceof SyntaxError ? 'Input is not valid JSON' : error.message), expected: true };
}

export interface DomainErrorData {
  domainCode: ErrorCode;
  retryAfter?: ErrorDetails['retryAfter'];
  fields?: ErrorDetails['fields'];
  mfaToken?: ErrorDetails['mfaToken'];
}
