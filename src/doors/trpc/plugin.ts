import { getTRPCErrorShape, TRPCError, type TRPC_ERROR_CODE_KEY } from '@trpc/server';
import { resolveResponse } from '@trpc/server/http';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../core/services.js';
import { bodyFailureOf, type BodyFailure } from '../body-limit.js';
import { createRequestContext } from '../request-context.js';
import { domainErrorOf } from './errors.js';
import { fetchRequestOf } from './fetch-request.js';
import { appRouter } from './router.js';

const MAX_BATCH_SIZE = 20;
const CREDENTIAL_PROCEDURES = new Set(['auth.login', 'auth.changePassword']);

/**
 * The tRPC door at /trpc, resolving tRPC's fetch `Request` on its own route
 * and sending a complete answer in one write. tRPC's Fastify adapter hands
 * Fastify the fetch `Response` as a stream, sent chunked: in the profile of
 * `auth.verifyToken`, that stream and its extra write were the largest cost
 * after the socket itself. Streamed answers (httpBatchStreamLink's JSON
 * lines, which tRPC marks chunked; server-sent events) stay streams, as does
 * anything that is not JSON.
 */
export const trpcDoor: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  // Every body, whatever its type, is read by Fastify as bytes under the body limit and only then
  // handed to tRPC, which parses JSON, FormData and octet streams itself (and would read an
  // unlimited stream for the last two if given the socket).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.setErrorHandler(answerBodyFailure);

  app.all<{ Params: { path: string } }>('/trpc/:path', async (request, reply) => {
    const response = await resolveResponse({
      router: appRouter,
      path: request.params.path,
      req: fetchRequestOf(request, reply),
      error: null,
      maxBatchSize: MAX_BATCH_SIZE,
      createContext: ({ info }) => {
        // One password check per request, batched or not (GraphQL has the same rule).
        if (info.calls.filter((call) => CREDENTIAL_PROCEDURES.has(call.path)).length > 1) {
          throw new TRPCError({ code: 'BAD_REQUEST', message: 'Only one auth.login or auth.changePassword per request' });
        }
        return Promise.resolve(createRequestContext(services, request));
      },
      onError({ error }) {
        if (!domainErrorOf(error).expected) request.log.error({ err: error.cause ?? error }, 'trpc procedure failed');
      },
    });
    return send(reply, response);
  });
};

async function send(reply: FastifyReply, response: Response): Promise<FastifyReply> {
  const complete = response.headers.get('content-type') === 'application/json' && !response.headers.has('transfer-encoding');
  if (!complete) return reply.send(response);
  reply.status(response.status);
  for (const [name, value] of response.headers) reply.header(name, value);
  return reply.send(await response.text());
}

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
