import { getTRPCErrorShape, TRPCError, type TRPC_ERROR_CODE_KEY } from '@trpc/server';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../core/services.js';
import { bodyFailureOf, type BodyFailure } from '../body-limit.js';
import { createRequestContext } from '../request-context.js';
import { domainErrorOf } from './errors.js';
import { mountTRPC } from './fastify-handler.js';
import { appRouter } from './router.js';

const MAX_BATCH_SIZE = 20;
const CREDENTIAL_PROCEDURES = new Set(['auth.login', 'auth.changePassword', 'auth.completeLogin', 'mfa.confirmTotp', 'mfa.disable', 'mfa.regenerateRecoveryCodes']);

/**
 * The tRPC door at /trpc: the router on tRPC's Fastify adapter as Keyway
 * adapts it (fastify-handler.ts: bodies read by Fastify under its limit,
 * complete JSON answers sent in one write), the caller's context, and bodies
 * Fastify refused answered in tRPC's words.
 */
export const trpcDoor: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  app.setErrorHandler(answerBodyFailure);
  mountTRPC(app, '/trpc', {
    router: appRouter,
    maxBatchSize: MAX_BATCH_SIZE,
    createContext: (request, info) => {
      // One password check per request, batched or not (GraphQL has the same rule).
      if (info.calls.filter((call) => CREDENTIAL_PROCEDURES.has(call.path)).length > 1) {
        throw new TRPCError({ code: 'BAD_REQUEST', message: 'Only one password or second-factor check per request' });
      }
      return Promise.resolve(createRequestContext(services, request, 'trpc'));
    },
    onError(request, error) {
      if (!domainErrorOf(error).expected) request.log.error({ err: error.cause ?? error }, 'trpc procedure failed');
    },
  });
};

const BODY_FAILURES: Record<BodyFailure, [TRPC_ERROR_CODE_KEY, string]> = {
  BODY_TOO_LARGE: ['PAYLOAD_TOO_LARGE', 'Request body is too large'],
  UNSUPPORTED_MEDIA_TYPE: ['UNSUPPORTED_MEDIA_TYPE', 'Unsupported content type'],
  MALFORMED_BODY: ['BAD_REQUEST', 'Request body does not match its Content-Length'],
};

/** A body Fastify refused, answered as tRPC answers any request it cannot read: `{"error": shape}`. */
function answerBodyFailure(error: FastifyError, request: FastifyRequest<{ Params: { path?: string } }>, reply: FastifyReply) {
  const failure = bodyFailureOf(error, request);
  if (!failure) throw error;
  const [code, message] = BODY_FAILURES[failure];
  const shape = getTRPCErrorShape({
    config: appRouter._def._config,
    error: new TRPCError({ code, message }),
    type: 'unknown',
    path: request.params.path,
    input: undefined,
    ctx: undefined,
  });
  return reply.code(shape.data.httpStatus).send({ error: shape });
}
