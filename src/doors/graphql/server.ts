import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, RawServerDefault, RouteHandlerMethod } from 'fastify';
import { createRequestContext, type RequestContext } from '../request-context.js';
import { createErrorFormatter, isUnexpected } from './errors.js';
import type { GraphqlOptions } from './index.js';
import { LIMITS, validationRules } from './limits.js';
import { refuseTokensInUrls } from './no-token-in-url.js';
import { buildGraphQLSchema, schemaText } from './schema.js';

/** Apollo Server over the schema, started: what the door loads on the first request it needs GraphQL for. */
export interface GraphqlServer {
  /** Answers a GraphQL request (POST, or GET with a preflight header). */
  execute: RouteHandlerMethod<RawServerDefault, IncomingMessage, ServerResponse, { Reply: string }>;
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
      logUnexpectedErrors,
    ],
  });
  await apollo.start();
  return {
    execute: fastifyApolloHandler(apollo, { context: async (request) => createRequestContext(services, request, 'graphql') }),
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
