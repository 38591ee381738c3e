import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../../core/services.js';
import { discovery, health, jwks, notReady, ready } from './openapi.js';

/** Discovery for services that verify Keyway's tokens themselves, and the probes of an orchestrator. */
export const opsRoutes: FastifyPluginAsync<{ services: Services }> = async (parent, { services }) => {
  const app = parent.withTypeProvider<ZodTypeProvider>();
  const tags = ['Discovery and health'];
  app.get('/.well-known/jwks.json', { schema: { tags, summary: 'The JWKS', response: { 200: jwks } } }, async (_request, reply) => {
    // Short enough that a rotation reaches caches quickly; old keys stay listed until their tokens expire.
    reply.header('cache-control', 'public, max-age=60');
    return services.keyRing.jwks();
  });

  app.get('/.well-known/openid-configuration', { schema: { tags, summary: 'OpenID-style discovery', response: { 200: discovery } } }, async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    const { issuer, publicUrl } = services.settings;
    return {
      issuer,
      jwks_uri: `${publicUrl}/.well-known/jwks.json`,
      id_token_signing_alg_values_supported: [services.keyRing.algorithm],
      subject_types_supported: ['public'],
      claims_supported: ['sub', 'id', 'username', 'role', 'roles', 'iat', 'exp', 'iss', 'aud', 'jti', 'sid'],
    };
  });

  app.get('/healthz', { schema: { tags, summary: 'Liveness', response: { 200: health } } }, async () => ({ status: 'ok' as const }));

  app.get('/readyz', { schema: { tags, summary: 'Readiness', response: { 200: ready, 503: notReady } } }, async (_request, reply) => {
    if (await services.databaseReady()) return { status: 'ok' as const };
    return reply.code(503).send({ status: 'unavailable' as const, reason: 'database' });
  });
};
