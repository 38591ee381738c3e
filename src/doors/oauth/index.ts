import formbody from '@fastify/formbody';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ClientCredentials } from '../../core/clients.service.js';
import { toDomainError } from '../../core/errors.js';
import type { Services } from '../../core/services.js';
import { clientOf } from '../request-context.js';
import { claimsView } from '../views.js';

export interface OAuthDoorOptions {
  services: Services;
}

type OAuthError = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type' | 'invalid_scope' | 'server_error';

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };
const BASIC_CHALLENGE = 'Basic realm="keyway", charset="UTF-8"';

interface ClientRequest {
  params: Record<string, string | undefined>;
  credentials: ClientCredentials;
  /** Whether the client authenticated with HTTP Basic. */
  basic: boolean;
}

/** RFC 6749 §5.2's error answer; no answer of these endpoints is ever cached (§5.1). */
function refuse(reply: FastifyReply, status: number, error: OAuthError, description: string) {
  return reply.code(status).headers(NO_STORE).send({ error, error_description: description });
}

/** A malformed body, refused by Fastify before the route: the RFC's error, with the status Fastify chose. */
function describeRefusedBody(error: FastifyError): string {
  if (error.statusCode === 413) return 'The request body is too large';
  if (error.statusCode === 415) return 'Send the parameters as application/x-www-form-urlencoded (or JSON)';
  return 'The request body could not be read';
}

/** HTTP Basic client credentials (RFC 6749 §2.3.1: each form-urlencoded, then base64), or null when the header is not that. */
function basicCredentials(header: string): { clientId: string; secret: string } | null {
  const encoded = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header)?.[1];
  if (!encoded) return null;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return null;
  try {
    const form = (text: string) => decodeURIComponent(text.replaceAll('+', ' '));
    return { clientId: form(decoded.slice(0, colon)), secret: form(decoded.slice(colon + 1)) };
  } catch {
    return null;
  }
}

/**
 * OAuth 2.0 for machine clients: `POST /oauth/token`, the client-credentials
 * grant (RFC 6749 §4.4), and `POST /oauth/introspect` (RFC 7662). Both take
 * form-encoded parameters as the RFCs say (JSON accepted too) and a client
 * authenticated by HTTP Basic or by `client_id` and `client_secret` in the
 * body, never both. What they decide is the core's (clients.service.ts).
 */
export const oauthDoor: FastifyPluginAsync<OAuthDoorOptions> = async (app, { services }) => {
  // Forms are parsed for this door's routes only (the plugin is encapsulated).
  await app.register(formbody);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return refuse(reply, status, 'invalid_request', describeRefusedBody(error));
    const { error: domain, expected } = toDomainError(error);
    if (domain.code === 'TOO_MANY_REQUESTS') {
      return refuse(reply.header('retry-after', String(domain.details.retryAfter)), 429, 'invalid_client', domain.message);
    }
    if (!expected) request.log.error({ err: error }, 'the token endpoint failed');
    return refuse(reply, domain.code === 'DATABASE_UNAVAILABLE' ? 503 : 500, 'server_error', 'The token could not be issued; try again later');
  });

  /**
   * The parameters of a request to either endpoint and its client's
   * credentials, or the refusal already sent: parameters must be strings given
   * once, and the client authenticates one way.
   */
  function readClientRequest(request: FastifyRequest, reply: FastifyReply): ClientRequest | null {
    const body: unknown = request.body ?? {};
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      refuse(reply, 400, 'invalid_request', 'The parameters must be a form (or a JSON object)');
      return null;
    }
    for (const [name, value] of Object.entries(body)) {
      // A form repeats a name as an array (RFC 6749 §3.2: parameters MUST NOT be included more than once).
      if (typeof value !== 'string') {
        refuse(reply, 400, 'invalid_request', `${name} must be given once, as a string`);
        return null;
      }
    }
    const params = body as Record<string, string | undefined>;
    const { client_id: bodyId, client_secret: bodySecret } = params;
    const header = request.headers.authorization;
    if (header !== undefined && (bodyId !== undefined || bodySecret !== undefined)) {
      refuse(reply, 400, 'invalid_request', 'Authenticate the client one way: HTTP Basic or client_id and client_secret in the body, not both');
      return null;
    }
    const basic = header === undefined ? null : basicCredentials(header);
    const credentials = basic ?? (bodyId !== undefined && bodySecret !== undefined ? { clientId: bodyId, secret: bodySecret } : null);
    if (!credentials) {
      if (header !== undefined) reply.header('www-authenticate', BASIC_CHALLENGE);
      refuse(reply, 401, 'invalid_client', 'Client authentication is required (HTTP Basic, or client_id and client_secret)');
      return null;
    }
    return { params, credentials, basic: basic !== null };
  }

  /** The client's own authentication failed (RFC 6749 §5.2), asking for Basic credentials again when they came so. */
  function clientRefused(reply: FastifyReply, { basic }: ClientRequest) {
    if (basic) reply.header('www-authenticate', BASIC_CHALLENGE);
    return refuse(reply, 401, 'invalid_client', 'Client authentication failed');
  }

  app.post('/oauth/token', async (request, reply) => {
    const read = readClientRequest(request, reply);
    if (!read) return reply;
    const { grant_type: grantType, scope } = read.params;
    if (grantType === undefined) return refuse(reply, 400, 'invalid_request', 'grant_type is required');
    if (grantType !== 'client_credentials') {
      return refuse(reply, 400, 'unsupported_grant_type', 'Only the client_credentials grant is supported');
    }
    const result = await services.clients.grant(read.credentials, scope, clientOf(request, 'oauth'));
    if (!result.ok) return result.error === 'invalid_client' ? clientRefused(reply, read) : refuse(reply, 400, result.error, result.description);
    return reply
      .headers(NO_STORE)
      .send({ access_token: result.accessToken, token_type: 'Bearer', expires_in: result.expiresIn, scope: result.scope });
  });

  /** RFC 7662: whether a token is active now, and its claims if so; only for an authenticated client. */
  app.post('/oauth/introspect', async (request, reply) => {
    const read = readClientRequest(request, reply);
    if (!read) return reply;
    const { token } = read.params;
    if (token === undefined || token === '') return refuse(reply, 400, 'invalid_request', 'token is required');
    const check = await services.clients.introspect(read.credentials, token, clientOf(request, 'oauth'));
    if (!check) return clientRefused(reply, read);
    // An inactive token is told apart from nothing else (RFC 7662 §2.2): not why.
    return reply.headers(NO_STORE).send(check.ok ? { active: true, ...claimsView(check.claims) } : { active: false });
  });
};
