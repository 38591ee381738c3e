import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { resolvePrincipal } from '../../core/principal.js';
import { passwordField, usernameField } from '../../core/schemas.js';
import type { Services } from '../../core/services.js';
import { b2market, errorHandler } from './errors.js';

const b2marketLogin = z.object({ _username: usernameField, _password: passwordField });

/** B2Market: `POST /api/login` and `POST /api/verify_token`, with its error table. */
export const b2marketRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.setErrorHandler(errorHandler(b2market));

  api.post('/api/login', { schema: { body: b2marketLogin } }, async (request) => {
    const { _username: username, _password: password } = request.body;
    const result = await services.auth.login(
      { username, password },
      { ip: request.ip, userAgent: request.headers['user-agent'] },
    );
    return { token: result.token, refreshToken: result.refreshToken, expiresAt: result.expiresAt.toISOString() };
  });

  await api.register(async (scope) => {
    // "Any body is ignored": B2Market's own clients send none, a JSON one, or (Java's
    // HttpURLConnection) an empty form-encoded one. Read and drop whatever comes.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, done) => done(null, undefined));

    scope.post('/api/verify_token', async (request, reply) => {
      const result = resolvePrincipal(services.tokens, request.headers.authorization);
      if (result.ok) return { valid: true, payload: result.principal.claims };
      if (result.reason === 'MISSING' || result.reason === 'MALFORMED') {
        return reply.code(401).send({ code: 401, valid: false, error: 'No token provided.' });
      }
      return reply.code(500).send({ code: 500, valid: false, error: 'Token is not valid. Please login again.' });
    });
  });
};
