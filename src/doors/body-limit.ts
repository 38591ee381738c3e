import type { FastifyError, FastifyRequest } from 'fastify';

/** The ways Fastify refuses a body before a route sees it, each door wording them in its own dialect. */
export type BodyFailure = 'BODY_TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE' | 'MALFORMED_BODY';

/**
 * Which body failure an error is, if it is one. A body whose declared length
 * is over the limit is refused for its size whatever its type, as a JSON body
 * would be; one sent chunked, of a type the route does not read, is refused
 * for its type at once, unread.
 */
export function bodyFailureOf(error: FastifyError, request: FastifyRequest): BodyFailure | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'BODY_TOO_LARGE';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return Number(request.headers['content-length']) > request.routeOptions.bodyLimit ? 'BODY_TOO_LARGE' : 'UNSUPPORTED_MEDIA_TYPE';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'MALFORMED_BODY';
  }
  return undefined;
}
