import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../core/services.js';
import { createRequestContext } from '../request-context.js';
import { domainErrorOf } from './errors.js';
import { appRouter, type AppRouter } from './router.js';

/** The tRPC door at /trpc. */
export const trpcDoor: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  await app.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      createContext: ({ req }) => createRequestContext(services, req),
      onError({ error, req }) {
        if (!domainErrorOf(error).expected) req.log.error({ err: error.cause ?? error }, 'trpc procedure failed');
      },
    },
  } satisfies FastifyTRPCPluginOptions<AppRouter>);
};
