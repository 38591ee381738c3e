import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../core/services.js';
import { createRequestContext, type RequestContext } from '../request-context.js';
import { answerBodyFailure, createErrorFormatter, isUnexpected } from './errors.js';
import { LIMITS, validationRules } from './limits.js';
import { refuseTokensInUrls } from './no-token-in-url.js';
import { playgroundFiles, servePlayground, wantsPlayground } from './playground.js';
import { buildGraphQLSchema } from './schema.js';

/** The GraphQL door: Apollo Server on Fastify at /graphql, and a playground there for browsers. */
export interface GraphqlOptions {
  services: Services;
  /** Whether GraphQL answers introspection queries. */
  introspection: boolean;
}

export const graphqlDoor: FastifyPluginAsync<GraphqlOptions> = async (app, { services, introspection }) => {
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

  app.setErrorHandler(answerBodyFailure);
  const execute = fastifyApolloHandler(apollo, { context: async (request) => createRequestContext(services, request) });
  await app.register(playgroundFiles, { schema });
  app.route<{ Reply: string }>({
    method: ['GET', 'POST', 'OPTIONS'],
    url: '/graphql',
    handler(request, reply) {
      if (!wantsPlayground(request)) return execute.call(this, request, reply);
      servePlayground(reply);
    },
  });
};

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
