import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { DomainError, toDomainError } from '../../core/errors.js';
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
