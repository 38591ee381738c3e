import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../../core/services.js';
import { authorizationServerMetadata, openidConfiguration, type DiscoveryOptions } from './discovery.js';
import { discovery as openidDocument, health, jwks, notReady, ready, serverMetadata } from './openapi.js';

/** Discovery for services that verify Keyway's tokens themselves, and the probes of an orchestrator. */
export const opsRoutes: FastifyPluginAsync<{ services: Services; discovery: DiscoveryOptions }> = async (parent, { services, discovery }) => {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const tags = ['Discovery and health'];
  app.get('/.well-known/jwks.json', { schema: { tags, summary: 'The JWKS', response: { 200: jwks } } }, async (_request, reply) => {
    // Short enough that a rotation reaches caches quickly; old keys stay listed until their tokens expire.
    reply.header('cache-control', 'public, max-age=60');
    return services.jwks();
  });

  // Metadata changes only with a new release or configuration; five minutes of caching spares gateways' requests.
  const metadataCache = 'public, max-age=300';
  app.get(
    '/.well-known/oauth-authorization-server',
    { schema: { tags, summary: 'OAuth 2.0 Authorization Server Metadata (RFC 8414)', response: { 200: serverMetadata } } },
    async (_request, reply) => {
      reply.header('cache-control', metadataCache);
      return authorizationServerMetadata(discovery);
    },
  );

  app.get('/.well-known/openid-configuration', { schema: { tags, summary: 'OpenID-style discovery', response: { 200: openidDocument } } }, async (_request, reply) => {
    reply.header('cache-control', metadataCache);
    return openidConfiguration(discovery);
  });

  app.get('/healthz', { schema: { tags, summary: 'Liveness', response: { 200: health } } }, async () => ({ status: 'ok' as const }));

  app.get('/readyz', { schema: { tags, summary: 'Readiness', response: { 200: ready, 503: notReady } } }, async (_request, reply) => {
    if (await services.databaseReady()) return { status: 'ok' as const };
    return reply.code(503).send({ status: 'unavailable' as const, reason: 'database' });
  });
};
