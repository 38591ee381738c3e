import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import { TRPCError } from '@trpc/server';
import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../core/services.js';
import { createRequestContext } from '../request-context.js';
import { domainErrorOf } from './errors.js';
import { appRouter, type AppRouter } from './router.js';

const MAX_BATCH_SIZE = 20;
const CREDENTIAL_PROCEDURES = new Set(['auth.login', 'auth.changePassword']);

/** The tRPC door at /trpc. */
export const trpcDoor: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  await app.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      maxBatchSize: MAX_BATCH_SIZE,
      createContext: ({ req, info }) => {
        // One password check per request, batched or not (GraphQL has the same rule).
        if (info.calls.filter((call) => CREDENTIAL_PROCEDURES.has(call.path)).length > 1) {
          throw new TRPCError({ code: 'BAD_REQUEST', message: 'Only one auth.login or auth.changePassword per request' });
        }
        return createRequestContext(services, req);
      },
      onError({ error, req }) {
        if (!domainErrorOf(error).expected) req.log.error({ err: error.cause ?? error }, 'trpc procedure failed');
      },
    },
  } satisfies FastifyTRPCPluginOptions<AppRouter>);
};
