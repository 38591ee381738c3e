import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JWTPayload } from 'jose';
import { authenticate } from './bearer.js';
import type { Verifier } from './verifier.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified claims of the request's Keyway token, set by `keywayFastifyHook`. */
    keyway?: JWTPayload;
  }
}

/**
 * An `onRequest` hook: a request with a valid Keyway token goes on with its
 * claims on `request.keyway`; any other is answered 401
 * `{"error":"UNAUTHENTICATED","message":…}` with `WWW-Authenticate`.
 *
 *     app.addHook('onRequest', keywayFastifyHook(verifier));
 */
export function keywayFastifyHook(verifier: Verifier): (request: FastifyRequest, reply: FastifyReply) => Promise<unknown> {
  return async (request, reply) => {
    const outcome = await authenticate(verifier, request.headers.authorization);
    if (outcome.ok) {
      request.keyway = outcome.claims;
      return;
    }
    const { status, challenge, body } = outcome.refusal;
    // Fastify's way to answer early from an async hook: send, then return the reply.
    return reply.code(status).header('www-authenticate', challenge).send(body);
  };
}
