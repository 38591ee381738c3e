import type { IncomingMessage } from 'node:http';
import { TRPCError } from '@trpc/server';
import { incomingMessageToRequest } from '@trpc/server/adapters/node-http';
import { resolveResponse } from '@trpc/server/http';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Services } from '../../core/services.js';
import { createRequestContext } from '../request-context.js';
import { domainErrorOf } from './errors.js';
import { appRouter } from './router.js';

const MAX_BATCH_SIZE = 20;
const CREDENTIAL_PROCEDURES = new Set(['auth.login', 'auth.changePassword']);

/**
 * The tRPC door at /trpc, mounted as tRPC's own Fastify adapter mounts it
 * (bodies reach tRPC unparsed), but sending a complete answer in one write.
 * The adapter hands Fastify the fetch `Response` as a stream, sent chunked:
 * in the profile of `auth.verifyToken`, that stream and its extra write were
 * the largest cost after the socket itself. Streamed answers
 * (httpBatchStreamLink's JSON lines, which tRPC marks chunked; server-sent
 * events) stay streams, as does anything that is not JSON.
 */
export const trpcDoor: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const passThrough = (_request: unknown, body: unknown, done: (error: null, body: unknown) => void) => done(null, body);
  app.removeContentTypeParser(['application/json', 'multipart/form-data']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, passThrough);
  app.addContentTypeParser('multipart/form-data', passThrough);

  app.all<{ Params: { path: string } }>('/trpc/:path', async (request, reply) => {
    const incoming: IncomingMessage & { body?: unknown } = request.raw;
    if (request.body !== undefined) incoming.body = request.body;
    const response = await resolveResponse({
      router: appRouter,
      path: request.params.path,
      req: incomingMessageToRequest(incoming, reply.raw, { maxBodySize: null }),
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
