import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, toDomainError, type ErrorCode } from '../../core/errors.js';
import type { PrincipalFailure } from '../../core/principal.js';
import { fieldErrors } from '../../core/schemas.js';
import { bodyFailureOf } from '../body-limit.js';
import { ZodError } from 'zod';

/**
 * The REST door speaks two dialects: StockAPI's `{"message"}` in Spanish and
 * B2Market's `{"code","error"}`. Each has one table from the core's error
 * codes (and from HTTP-level failures: bad JSON, size, media type) to its
 * status and body. The bodies StockAPI and B2Market sent are byte-exact here:
 * clients written against them match on the text.
 */

type HttpFailure = 'INVALID_JSON' | 'BODY_TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE' | 'BAD_REQUEST';

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

export interface Dialect {
  domain(error: DomainError, request: FastifyRequest): Answer;
  http(failure: HttpFailure, fields?: Record<string, string[]>): Answer;
}

const STOCKAPI_DOMAIN: Partial<Record<ErrorCode, [number, string]>> = {
  USER_NOT_FOUND: [401, 'Usuario no encontrado'],
  INVALID_PASSWORD: [401, 'Contraseña incorrecta'],
  USER_DISABLED: [403, 'Usuario deshabilitado'],
  INVALID_MFA_CODE: [401, 'Código de verificación incorrecto'],
  INVALID_MFA_TOKEN: [401, 'Desafío de segundo factor inválido o expirado'],
  UNAUTHENTICATED: [401, 'No se proporcionó token'],
  TOKEN_EXPIRED: [403, 'Token expirado o inválido'],
  FORBIDDEN: [403, 'Permiso denegado'],
  NOT_FOUND: [404, 'Producto no encontrado'],
  CONFLICT: [409, 'Ya existe un producto con ese SKU'],
  DATABASE_UNAVAILABLE: [503, 'Base de datos no disponible'],
};

/** StockAPI's verifyToken middleware: its statuses and Spanish messages, as its clients expect them. */
export const STOCKAPI_TOKEN_FAILURES: Record<PrincipalFailure, [number, string]> = {
  MISSING: [401, 'No se proporcionó token'],
  MALFORMED: [401, 'Token inválido'],
  TOKEN_EXPIRED: [403, 'Token expirado o inválido'],
  TOKEN_INVALID: [403, 'Token expirado o inválido'],
  SESSION_REVOKED: [403, 'Token expirado o inválido'],
};

const STOCKAPI_HTTP: Record<HttpFailure, [number, string]> = {
  INVALID_JSON: [400, 'El cuerpo de la solicitud no es JSON válido'],
  BAD_REQUEST: [400, 'Datos inválidos'],
  BODY_TOO_LARGE: [413, 'El cuerpo de la solicitud es demasiado grande'],
  UNSUPPORTED_MEDIA_TYPE: [415, 'El cuerpo debe enviarse como application/json'],
};

export const stockApi: Dialect = {
  domain(error, request) {
    if (error.code === 'TOO_MANY_REQUESTS') {
      const seconds = error.details.retryAfter ?? 1;
      return {
        status: 429,
        body: { message: `Demasiados intentos. Intente de nuevo en ${seconds} segundos` },
        headers: { 'retry-after': String(seconds) },
      };
    }
    if (error.code === 'BAD_USER_INPUT') return stockApi.http('BAD_REQUEST', error.details.fields);
    if (error.code === 'MFA_REQUIRED') return { status: 401, body: { message: 'Se requiere un segundo factor', mfaToken: error.details.mfaToken } };
    const known = STOCKAPI_DOMAIN[error.code];
    if (known && !(known[0] >= 500 && request.routeOptions.config.failureMessage)) {
      return { status: known[0], body: { message: known[1] } };
    }
    // StockAPI's login answers every other failure alike; other routes say it in their own words.
    return { status: 500, body: { message: request.routeOptions.config.failureMessage ?? 'Error interno del servidor' } };
  },
  http(failure, fields) {
    const [status, message] = STOCKAPI_HTTP[failure];
    return { status, body: fields ? { message, errors: fields } : { message } };
  },
};

const B2MARKET_DOMAIN: Partial<Record<ErrorCode, [number, string]>> = {
  USER_NOT_FOUND: [401, 'User not found.'],
  INVALID_PASSWORD: [401, 'Invalid password.'],
  USER_DISABLED: [403, 'User is disabled.'],
  INVALID_MFA_CODE: [401, 'Invalid verification code.'],
  INVALID_MFA_TOKEN: [401, 'Invalid or expired second-factor challenge.'],
  DATABASE_UNAVAILABLE: [500, 'Database connection failed.'],
};

const B2MARKET_HTTP: Record<HttpFailure, [number, string]> = {
  INVALID_JSON: [400, 'Request body is not valid JSON.'],
  BAD_REQUEST: [400, 'Invalid request body.'],
  BODY_TOO_LARGE: [413, 'Request body is too large.'],
  UNSUPPORTED_MEDIA_TYPE: [415, 'Content-Type must be application/json.'],
};

export const b2market: Dialect = {
  domain(error) {
    if (error.code === 'TOO_MANY_REQUESTS') {
      const seconds = error.details.retryAfter ?? 1;
      return {
        status: 429,
        body: { code: 429, error: `Too many failed attempts. Try again in ${seconds} seconds.` },
        headers: { 'retry-after': String(seconds) },
      };
    }
    if (error.code === 'BAD_USER_INPUT') return b2market.http('BAD_REQUEST', error.details.fields);
    if (error.code === 'MFA_REQUIRED') return { status: 401, body: { code: 401, error: 'Second factor required.', mfaToken: error.details.mfaToken } };
    const [status, message] = B2MARKET_DOMAIN[error.code] ?? [500, 'Internal server error.'];
    return { status, body: { code: status, error: message } };
  },
  http(failure, fields) {
    const [status, message] = B2MARKET_HTTP[failure];
    return { status, body: fields ? { code: status, error: message, fields } : { code: status, error: message } };
  },
};

/** One error handler per dialect: Fastify's own failures, validation, domain errors, then the unexpected. */
export function errorHandler(dialect: Dialect) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const answer = answerFor(dialect, error, request);
    return reply
      .code(answer.status)
      .headers(answer.headers ?? {})
      .send(answer.body);
  };
}

function answerFor(dialect: Dialect, error: FastifyError, request: FastifyRequest): Answer {
  if (error.validation) {
    return dialect.http('BAD_REQUEST', error.cause instanceof ZodError ? fieldErrors(error.cause) : validationFields(error));
  }
  switch (bodyFailureOf(error, request)) {
    case 'MALFORMED_BODY':
      return dialect.http('INVALID_JSON');
    case 'BODY_TOO_LARGE':
      return dialect.http('BODY_TOO_LARGE');
    case 'UNSUPPORTED_MEDIA_TYPE':
      return dialect.http('UNSUPPORTED_MEDIA_TYPE');
  }
  if (!(error instanceof DomainError) && error.statusCode && error.statusCode < 500) {
    // JSON.parse failures arrive as SyntaxError with statusCode 400.
    return dialect.http(error.statusCode === 413 ? 'BODY_TOO_LARGE' : error.statusCode === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'INVALID_JSON');
  }
  const { error: domain, expected } = toDomainError(error);
  if (!expected) request.log.error({ err: error }, 'request failed');
  return dialect.domain(domain, request);
}

function validationFields(error: FastifyError): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  for (const issue of error.validation ?? []) {
    const key = issue.instancePath.replace(/^\//, '').replaceAll('/', '.') || '_';
    (fields[key] ??= []).push(issue.message ?? 'is invalid');
  }
  return fields;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The body of a 500 on this route, where a replaced API fixed one ("Error en el login"). */
    failureMessage?: string;
  }
}
