import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../core/services.js';

/** Discovery for services that verify Keyway's tokens themselves, and the probes of an orchestrator. */
export const opsRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  app.get('/.well-known/jwks.json', async (_request, reply) => {
    // Short enough that a rotation reaches caches quickly; old keys stay listed until their tokens expire.
    reply.header('cache-control', 'public, max-age=60');
    return services.keyRing.jwks();
  });

  app.get('/.well-known/openid-configuration', async (_request, reply) => {
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

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    if (await services.databaseReady()) return { status: 'ok' };
    return reply.code(503).send({ status: 'unavailable', reason: 'database' });
  });
};
