import { unwrapResolverError } from '@apollo/server/errors';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { DomainError, toDomainError } from '../../core/errors.js';
import { bodyFailureOf, type BodyFailure } from '../body-limit.js';
import { variableErrorMessage } from './variable-errors.js';

/**
 * Every error leaves with `extensions.code`: a domain error keeps its code
 * (and `retryAfter` or `fields`), GraphQL's own errors keep Apollo's code
 * without field suggestions or a refused variable's value, anything else is
 * INTERNAL_SERVER_ERROR with no detail. Stack traces never leave.
 */
export function createErrorFormatter(schema: GraphQLSchema) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const { locations, path } = formatted;
    if (original instanceof DomainError || !formatted.extensions?.code || formatted.extensions.code === 'INTERNAL_SERVER_ERROR') {
      const { error: domain } = toDomainError(original);
      return {
        message: domain.message,
        locations,
        path,
        extensions: { code: domain.code, ...domain.details },
      };
    }
    return {
      message: variableErrorMessage(schema, original) ?? withoutSuggestions(formatted.message),
      locations,
      path,
      extensions: { code: formatted.extensions.code },
    };
  };
}

const BODY_FAILURES: Record<BodyFailure, [number, string]> = {
  BODY_TOO_LARGE: [413, 'Request body is too large'],
  UNSUPPORTED_MEDIA_TYPE: [415, 'Content-Type must be application/json'],
  MALFORMED_BODY: [400, 'Request body is not valid JSON'],
};

/**
 * A body Fastify refused before Apollo saw it, answered as Apollo answers a
 * request it cannot read: `{"errors": [...]}` with the code BAD_REQUEST.
 */
export function answerBodyFailure(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const failure = bodyFailureOf(error, request);
  if (!failure) throw error;
  const [status, message] = BODY_FAILURES[failure];
  return reply.code(status).send({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });
}

/** The unexpected ones, to be logged once with the request. */
export function isUnexpected(error: unknown): boolean {
  const original = unwrapResolverError(error);
  return !(original instanceof DomainError) && !toDomainError(original).expected && !hasApolloCode(error);
}

function hasApolloCode(error: unknown): boolean {
  const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
  return typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR';
}

// "Did you mean ...?" names fields and types a caller may not know about; a literal
// the query wrote with the wrong type is not echoed back either.
function withoutSuggestions(message: string): string {
  return message
    .replace(/ ?Did you mean [^?]*\?/g, '')
    .replace(/(cannot represent [^:]*): [\s\S]*$/, '$1')
    .trim();
}
