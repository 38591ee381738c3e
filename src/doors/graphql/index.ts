import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../core/services.js';
import { bodyFailureOf, type BodyFailure } from '../body-limit.js';
import { watchSubscriber } from '../streams.js';
import { playgroundFiles, servePlayground, wantsPlayground } from './playground.js';
import type { GraphqlServer } from './server.js';

/** The GraphQL door: Apollo Server on Fastify at /graphql, and a playground there for browsers. */
export interface GraphqlOptions {
  services: Services;
  /** Whether GraphQL answers introspection queries. */
  introspection: boolean;
}

/**
 * GraphQL itself (graphql-js, type-graphql, Apollo and the schema they build) loads on the first
 * request that needs it, not at start: it is a quarter of what a start loads and of the memory an
 * idle server holds, and a server whose clients speak REST or tRPC never needs it. That first
 * request waits for it (a few hundred milliseconds); the playground's page does not.
 */
export const graphqlDoor: FastifyPluginAsync<GraphqlOptions> = async (app, options) => {
  let server: GraphqlServer | undefined;
  let loading: Promise<GraphqlServer> | undefined;
  const graphql = async () => {
    loading ??= import('./server.js').then(({ startGraphqlServer }) => startGraphqlServer(app, options));
    return (server ??= await loading);
  };

  app.setErrorHandler(answerBodyFailure);
  await app.register(playgroundFiles, { sdl: async () => (await graphql()).sdl });
  app.route<{ Reply: string }>({
    method: ['GET', 'POST', 'OPTIONS'],
    url: '/graphql',
    handler(request, reply) {
      if (wantsPlayground(request)) return servePlayground(reply);
      if (server) return server.execute.call(this, request, reply);
      return graphql().then(({ execute }) => execute.call(this, request, reply));
    },
  });

  // Subscriptions (`revocations`), GraphQL over Server-Sent Events: each its own request (graphql-sse's
  // "distinct connections" mode), a POST or GET asking for text/event-stream.
  app.route({
    method: ['GET', 'POST'],
    url: '/graphql/stream',
    async handler(request, reply) {
      if (request.headers.accept !== 'text/event-stream') {
        const message = 'GraphQL over SSE: send the operation with "Accept: text/event-stream"';
        return reply.code(406).send({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });
      }
      const { stream } = await graphql();
      const gone = new AbortController();
      const { raw } = reply.hijack();
      raw.on('close', () => gone.abort());
      const stopWatching = watchSubscriber(raw, STALL_CHECK_MS, { keepAlive: false });
      try {
        await stream(request, reply, gone.signal);
      } catch (error) {
        if (!gone.signal.aborted) request.log.error({ err: error }, 'a GraphQL subscription failed');
      } finally {
        stopWatching();
        raw.end();
      }
    },
  });
};

/** How often a subscription's socket is checked for a subscriber that stopped reading (graphql-sse pings every 12 s). */
const STALL_CHECK_MS = 15_000;

const BODY_FAILURES: Record<BodyFailure, [number, string]> = {
  BODY_TOO_LARGE: [413, 'Request body is too large'],
  UNSUPPORTED_MEDIA_TYPE: [415, 'Content-Type must be application/json'],
  MALFORMED_BODY: [400, 'Request body is not valid JSON'],
};

/**
 * A body Fastify refused before Apollo saw it, answered as Apollo answers a
 * request it cannot read: `{"errors": [...]}` with the code BAD_REQUEST.
 */
function answerBodyFailure(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const failure = bodyFailureOf(error, request);
  if (!failure) throw error;
  const [status, message] = BODY_FAILURES[failure];
  return reply.code(status).send({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });
}
