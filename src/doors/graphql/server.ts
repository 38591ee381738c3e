import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest, RawServerDefault, RouteHandlerMethod } from 'fastify';
import { GraphQLError, specifiedRules, validate, type ExecutionResult, type GraphQLFormattedError, type ValidationRule } from 'graphql';
import { createHandler as createSseHandler } from 'graphql-sse/lib/use/fastify';
import { createRequestContext, type RequestContext } from '../request-context.js';
import { createErrorFormatter, isUnexpected } from './errors.js';
import type { GraphqlOptions } from './index.js';
import { LIMITS, validationRules } from './limits.js';
import { refuseTokensInUrls } from './no-token-in-url.js';
import { subscriptionsAtTheStream } from './subscriptions-refused.js';
import { buildGraphQLSchema, schemaText } from './schema.js';

/** Apollo Server over the schema, started: what the door loads on the first request it needs GraphQL for. */
export interface GraphqlServer {
  /** Answers a GraphQL request (POST, or GET with a preflight header). */
  execute: RouteHandlerMethod<RawServerDefault, IncomingMessage, ServerResponse, { Reply: string }>;
  /** Answers a subscription over Server-Sent Events (graphql-sse, distinct connections), writing to the socket itself. */
  stream(request: FastifyRequest, reply: FastifyReply, signal: AbortSignal): Promise<void>;
  /** The schema's SDL, as `schema.graphql` holds it. */
  sdl: string;
}

export async function startGraphqlServer(app: FastifyInstance, { services, introspection }: GraphqlOptions): Promise<GraphqlServer> {
  const schema = await buildGraphQLSchema();
  const apollo = new ApolloServer<RequestContext>({
    schema,
    formatError: createErrorFormatter(schema),
    includeStacktraceInErrorResponses: false,
    introspection,
    validationOptions: { hideSuggestions: true },
    validationRules,
    parseOptions: { maxTokens: LIMITS.tokens },
    // Apollo's defaults, stated: no batched requests (one request, one password check) and CSRF prevention.
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    plugins: [
      fastifyApolloDrainPlugin(app),
      // Its default landing page loads from a CDN; Keyway serves its own playground instead.
      ApolloServerPluginLandingPageDisabled(),
      // Installed by default, it wraps every field's resolver to compute cache hints Keyway never sends.
      ApolloServerPluginCacheControlDisabled(),
      refuseTokensInUrls,
      subscriptionsAtTheStream,
      logUnexpectedErrors,
    ],
  });
  await apollo.start();
  const formatError = createErrorFormatter(schema);
  const subscribers = new WeakMap<FastifyRequest, NonNullable<RequestContext['subscriber']>>();
  const subscriberOf = (request: FastifyRequest) => subscribers.get(request);
  const stream = createSseHandler<RequestContext & Record<PropertyKey, unknown>>({
    schema,
    // No reserved streams (the "single connection" mode): each subscription is its own request, so nothing
    // is held for a client between requests, and none can be read with another's reservation token.
    authenticate: () => null,
    context: (request) => ({ ...createRequestContext(services, request.raw, 'graphql'), subscriber: subscriberOf(request.raw) }),
    validate: (validated, document) => validate(validated, document, [...specifiedRules, ...validationRules, subscriptionsOnly]),
    // Every result passes here, a refusal before any event included.
    onNext: (_context, _request, result) => (result.errors ? withFormattedErrors(result as ExecutionResult, formatError) : undefined),
  });
  return {
    execute: fastifyApolloHandler(apollo, { context: async (request) => createRequestContext(services, request, 'graphql') }),
    stream(request, reply, signal) {
      // graphql-sse takes events as they come and queues them for the socket: the feed waits for the socket instead.
      subscribers.set(request, { signal, drained: () => drainedOf(reply.raw, signal) });
      return stream(request, reply);
    },
    sdl: schemaText(schema),
  };
}

const logUnexpectedErrors: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async didEncounterErrors({ errors, contextValue }) {
        for (const error of errors.filter(isUnexpected)) {
          contextValue.log.error({ err: error.originalError ?? error }, 'graphql operation failed');
        }
      },
    };
  },
};

/**
 * A result's errors as Apollo's door words them (extensions.code, nothing
 * unexpected shown). An error of GraphQL's own with no cause and no code is
 * the document's (validation), as Apollo codes it.
 */
function withFormattedErrors<T extends ExecutionResult>(
  result: T,
  format: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError,
): T {
  const coded = (error: GraphQLError) =>
    error.originalError || error.extensions.code ? error : new GraphQLError(error.message, { nodes: error.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
  return {
    ...result,
    errors: result.errors!.map((error: GraphQLError) => {
      const withCode = coded(error);
      return format(withCode.toJSON(), withCode);
    }),
  };
}

/**
 * The stream serves subscriptions only: a query or a mutation sent there would
 * pass around what Apollo enforces at /graphql (introspection off in production,
 * the token-in-URL refusal, the parser's token limit).
 */
const subscriptionsOnly: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (node.operation === 'subscription') return;
    context.reportError(new GraphQLError('Only subscriptions are served at /graphql/stream: send queries and mutations to /graphql', { nodes: [node] }));
  },
});

/**
 * Resolves once `raw` holds nothing unsent (its client read it), or its client is gone: looked at
 * after each turn of the event loop (a write to a reading client leaves within one), then less
 * and less often, up to every 100 ms, for a client that does not read.
 */
async function drainedOf(raw: { writableLength: number }, gone: AbortSignal): Promise<void> {
  for (let waitMs = 0; raw.writableLength > 0 && !gone.aborted; waitMs = Math.min(100, waitMs * 2 || 1)) {
    await new Promise((resolve) => (waitMs === 0 ? setImmediate(resolve) : setTimeout(resolve, waitMs)));
  }
}
