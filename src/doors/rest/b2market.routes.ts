import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { completeLoginInput, passwordField, usernameField } from '../../core/schemas.js';
import type { Services } from '../../core/services.js';
import { b2market, errorHandler } from './errors.js';
import { b2marketError, b2marketLoginResponse, b2marketMfaRequired, verifyTokenResponse } from './openapi.js';
import { clientOf } from '../request-context.js';
import { claimsView } from '../views.js';
import { b2marketLoginView } from './views.js';

const b2marketLogin = z.object({ _username: usernameField, _password: passwordField });

/** B2Market: `POST /api/login` and `POST /api/verify_token`, with its error table. */
export const b2marketRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.setErrorHandler(errorHandler(b2market));

  api.post('/api/login', {
    schema: {
      tags: ['B2Market'],
      summary: 'Log in',
      body: b2marketLogin,
      response: {
        200: b2marketLoginResponse,
        400: b2marketError('A body that is not JSON, or fields missing or of the wrong type', 400, [
          'Invalid request body.',
          'Request body is not valid JSON.',
        ]),
        401: z.union([
          b2marketError('Unknown username', 401, ['User not found.']),
          b2marketError('Wrong password', 401, ['Invalid password.']),
          b2marketMfaRequired,
        ]).describe('Unknown username, or wrong password, or a second factor required'),
        403: b2marketError('The user is disabled', 403, ['User is disabled.']),
        413: b2marketError('A body over 64 KiB', 413, ['Request body is too large.']),
        415: b2marketError('A body not sent as application/json', 415, ['Content-Type must be application/json.']),
        429: b2marketError('Too many failed attempts; Retry-After says when to try again', 429, [
          'Too many failed attempts. Try again in 840 seconds.',
        ]),
        500: b2marketError('The database cannot be reached', 500, ['Database connection failed.']),
      },
    },
  }, async (request) => {
    const { _username: username, _password: password } = request.body;
    return b2marketLoginView(await services.auth.login({ username, password }, clientOf(request, 'rest')));
  });

  api.post('/api/login/mfa', {
    schema: {
      tags: ['B2Market'],
      summary: 'Complete a login with a second factor (Keyway)',
      description: 'The `mfaToken` of a login answered 401 with it, and a TOTP or recovery code; answers as `POST /api/login` does.',
      body: completeLoginInput,
      response: {
        200: b2marketLoginResponse,
        400: b2marketError('A body that is not JSON, or fields missing or of the wrong type', 400, ['Invalid request body.']),
        401: z.union([
          b2marketError('A wrong, reused or expired code', 401, ['Invalid verification code.']),
          b2marketError('A challenge used, expired or unknown', 401, ['Invalid or expired second-factor challenge.']),
        ]),
        403: b2marketError('The user is disabled', 403, ['User is disabled.']),
        429: b2marketError('Too many wrong codes; Retry-After says when to try again', 429, ['Too many failed attempts. Try again in 840 seconds.']),
      },
    },
  }, async (request) => {
    return b2marketLoginView(await services.mfa.completeLogin(request.body.mfaToken, request.body.code, clientOf(request, 'rest')));
  });

  await api.register(async (scope) => {
    // "Any body is ignored": B2Market's own clients send none, a JSON one, or (Java's
    // HttpURLConnection) an empty form-encoded one. Read and drop whatever comes.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, done) => done(null, undefined));

    scope.withTypeProvider<ZodTypeProvider>().post('/api/verify_token', {
      schema: {
        tags: ['B2Market'],
        summary: 'Verify a token (any body is ignored)',
        security: [{ bearerAuth: [] }],
        response: {
          200: verifyTokenResponse,
          401: z
            .object({ code: z.literal(401), valid: z.literal(false), error: z.string() })
            .describe('No Authorization header, or not "Bearer <jwt>"')
            .meta({ examples: [{ code: 401, valid: false, error: 'No token provided.' }] }),
          500: z
            .object({ code: z.literal(500), valid: z.literal(false), error: z.string() })
            .describe('Invalid, expired or revoked token')
            .meta({ examples: [{ code: 500, valid: false, error: 'Token is not valid. Please login again.' }] }),
        },
      },
    }, async (request, reply) => {
      const result = services.resolvePrincipal(request.headers.authorization, 'rest');
      if (result.ok) return { valid: true as const, payload: claimsView(result.principal.claims) };
      if (result.reason === 'MISSING' || result.reason === 'MALFORMED') {
        return reply.code(401).send({ code: 401, valid: false, error: 'No token provided.' });
      }
      return reply.code(500).send({ code: 500, valid: false, error: 'Token is not valid. Please login again.' });
    });
  });
};
