import { z } from 'zod';

/**
 * The REST door's answers, as zod schemas: @fastify/swagger turns them (and
 * the request schemas that validate every request) into /openapi.json. The
 * error bodies are the replaced APIs' own, quoted as examples.
 */

/** A StockAPI error: `{"message": …}`, one schema per status with its messages as examples. */
export function stockApiError(description: string, messages: string[]) {
  return z
    .object({ message: z.string(), errors: z.record(z.string(), z.array(z.string())).optional() })
    .describe(description)
    .meta({ examples: messages.map((message) => ({ message })) });
}

/** A B2Market error: `{"code": N, "error": …}`. */
export function b2marketError(description: string, code: number, errors: string[]) {
  return z
    .object({ code: z.literal(code), error: z.string(), fields: z.record(z.string(), z.array(z.string())).optional() })
    .describe(description)
    .meta({ examples: errors.map((error) => ({ code, error })) });
}

/** StockAPI's login of a user with a second factor (Keyway): no tokens, a challenge for `POST /login/mfa`. */
export const stockApiMfaRequired = z
  .object({ message: z.literal('Se requiere un segundo factor'), mfaToken: z.string() })
  .describe('The password is right and the user has a second factor: complete with POST /login/mfa');

/** B2Market's login of a user with a second factor (Keyway): no tokens, a challenge for `POST /api/login/mfa`. */
export const b2marketMfaRequired = z
  .object({ code: z.literal(401), error: z.literal('Second factor required.'), mfaToken: z.string() })
  .describe('The password is right and the user has a second factor: complete with POST /api/login/mfa');

const permissionMap = z.object({ GET: z.boolean(), POST: z.boolean(), PUT: z.boolean(), DELETE: z.boolean() });

/** What every access token carries besides whom it speaks for. */
const tokenClaims = {
  role: z.string(),
  roles: permissionMap,
  iat: z.number().int(),
  exp: z.number().int(),
  iss: z.string(),
  aud: z.string().optional(),
  jti: z.string(),
  sid: z.string(),
};

const userTokenPayload = z
  .object({
    sub: z.string(),
    id: z.number().int(),
    username: z.string(),
    ...tokenClaims,
    amr: z.array(z.enum(['pwd', 'otp'])).describe('How the session was signed in (RFC 8176)'),
  })
  .describe("A user's access token claims: a superset of both replaced APIs' payloads");

const clientTokenPayload = z
  .object({
    sub: z.string().describe('client:<id>'),
    client_id: z.string(),
    ...tokenClaims,
    scope: z.string().describe('The permissions granted, space-separated'),
  })
  .describe("A machine client's access token claims (client credentials)");

export const tokenPayload = z.union([userTokenPayload, clientTokenPayload]);

export const stockApiLoginResponse = z
  .object({
    token: z.string().describe('The access token (JWT), for Authorization: Bearer …'),
    refreshToken: z.string(),
    expiresAt: z.string().describe('ISO-8601'),
    user: z.object({ id: z.number().int(), username: z.string(), role: z.string() }),
  })
  .describe('Logged in');

export const b2marketLoginResponse = z
  .object({ token: z.string(), refreshToken: z.string(), expiresAt: z.string() })
  .describe('Logged in');

export const verifyTokenResponse = z.object({ valid: z.literal(true), payload: tokenPayload }).describe('The token is valid');

export const product = z
  .object({
    id: z.number().int(),
    sku: z.string(),
    name: z.string(),
    description: z.string(),
    price: z.string().regex(/^\d+\.\d{2}$/).describe('A decimal string with two places'),
    stock: z.number().int().min(0),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .describe('A product');

const statusOk = z.object({ status: z.literal('ok') });

export const jwks = z
  .object({ keys: z.array(z.object({ kty: z.string(), kid: z.string(), alg: z.string(), use: z.string(), n: z.string().optional(), e: z.string().optional() })) })
  .describe('The public keys that verify access tokens (none in HS256 mode)');

export const serverMetadata = z
  .object({
    issuer: z.string().describe("The `iss` of Keyway's tokens"),
    jwks_uri: z.string(),
    token_endpoint: z.string().describe("Machine clients' client-credentials grant (POST /oauth/token)"),
    response_types_supported: z.array(z.string()).describe('Empty: Keyway has no authorization endpoint'),
    grant_types_supported: z.array(z.string()).describe('client_credentials only (users sign in through their own API)'),
    token_endpoint_auth_methods_supported: z.array(z.string()),
    introspection_endpoint: z.string().describe('Token introspection for machine clients (RFC 7662)'),
    introspection_endpoint_auth_methods_supported: z.array(z.string()),
    revocation_feed_endpoint: z.string().describe("Revoked sessions as Server-Sent Events of Security Event Tokens (Keyway's own member)"),
  })
  .describe('What is true of Keyway as an OAuth 2.0 authorization server (RFC 8414)');

export const discovery = serverMetadata
  .extend({
    subject_types_supported: z.array(z.string()),
    id_token_signing_alg_values_supported: z.array(z.string()).describe('The algorithm access tokens are signed with (Keyway issues no ID tokens)'),
    claims_supported: z.array(z.string()).describe("The access token's claims"),
  })
  .describe(
    'OpenID-style discovery: the RFC 8414 metadata plus the OpenID members true of access tokens; no authorization_endpoint, as Keyway has none',
  );

export const health = statusOk.describe('The process is up');
export const ready = statusOk.describe('The database answers');
export const notReady = z.object({ status: z.literal('unavailable'), reason: z.string() }).describe('The database does not answer');

/** StockAPI's verifyToken middleware table, for every protected route. */
export const PROTECTED_RESPONSES = {
  401: stockApiError('No Authorization header, or not "Bearer <jwt>"', ['No se proporcionó token', 'Token inválido']),
  403: stockApiError('Expired, badly signed or revoked token; or a missing permission', [
    'Token expirado o inválido',
    'Permiso denegado',
  ]),
  503: stockApiError('The database is unreachable', ['Base de datos no disponible']),
};

export const OPENAPI_INFO = {
  title: 'Keyway REST',
  description:
    "The REST door of Keyway: StockAPI's /login and products API and B2Market's /api/login and /api/verify_token, " +
    'drop-in compatible with both, plus discovery and health. GraphQL (/graphql) and tRPC (/trpc) are described by ' +
    'schema.graphql and the AppRouter type.',
  version: '1',
};
