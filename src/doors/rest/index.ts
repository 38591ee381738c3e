import type { FastifyPluginAsync } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Services } from '../../core/services.js';
import { b2marketRoutes } from './b2market.routes.js';
import { opsRoutes } from './ops.routes.js';
import { stockApiRoutes } from './stockapi.routes.js';

/** The REST door: the two replaced APIs, byte for byte, plus discovery and health. */
export const restDoor: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Their bodies are JSON only: text/plain is refused (415) rather than parsed into a string.
  app.removeContentTypeParser('text/plain');
  await app.register(stockApiRoutes, { services });
  await app.register(b2marketRoutes, { services });
  await app.register(opsRoutes, { services });
};
