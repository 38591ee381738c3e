import fastifySwagger from '@fastify/swagger';
import type { FastifyPluginAsync } from 'fastify';
import { jsonSchemaTransform, validatorCompiler } from 'fastify-type-provider-zod';
import type { Services } from '../../core/services.js';
import { b2marketRoutes } from './b2market.routes.js';
import type { DiscoveryOptions } from './discovery.js';
import { OPENAPI_INFO } from './openapi.js';
import { opsRoutes } from './ops.routes.js';
import { stockApiRoutes } from './stockapi.routes.js';

/** The REST door: the two replaced APIs, byte for byte, plus discovery and health, described at /openapi.json. */
export const restDoor: FastifyPluginAsync<{ services: Services; discovery: DiscoveryOptions }> = async (app, { services, discovery }) => {
  app.setValidatorCompiler(validatorCompiler);
  // Response schemas document the answers; they are not re-checked on every reply (the handlers are typed
  // against them, and a test checks real answers against the document).
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  // Their bodies are JSON only: text/plain is refused (415) rather than parsed into a string.
  app.removeContentTypeParser('text/plain');

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: OPENAPI_INFO,
      servers: [{ url: discovery.publicUrl }],
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      tags: [
        { name: 'StockAPI', description: 'Drop-in for StockAPI: Spanish messages, products' },
        { name: 'B2Market', description: 'Drop-in for B2Market: _username/_password, verify_token' },
        { name: 'Discovery and health' },
      ],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(stockApiRoutes, { services });
  await app.register(b2marketRoutes, { services });
  await app.register(opsRoutes, { services, discovery });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
};
