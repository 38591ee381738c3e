import {
  allowInsecureRequests,
  ClientSecretBasic,
  ClientSecretPost,
  clientCredentialsGrantRequest,
  discoveryRequest,
  processClientCredentialsResponse,
  processDiscoveryResponse,
  type AuthorizationServer,
} from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KIND } from '../helpers/database.js';
import { call, graphql, login, post, trpc } from '../helpers/http.js';
import { ADMIN_PASSWORD, freePort, startServer, type TestServer } from '../helpers/server.js';

// OAuth 2.0's client-credentials grant (SPEC §13, RFC 6749 §4.4 and §5): a token obtained by an
// off-the-shelf OAuth client (oauth4webapi, unchanged but for allowing http on loopback), used on
// every door; its revocation with the client; and every malformed request answered in the RFC's words.

let server: TestServer;
let admin: string;
let issuer: URL;
let as: AuthorizationServer;
const insecure = { [allowInsecureRequests]: true };

beforeAll(async () => {
  // The issuer must be the URL the client library discovers it at, as RFC 8414 requires.
  const port = await freePort();
  server = await startServer({ port, env: { PUBLIC_URL: `http://127.0.0.1:${port}`, LOGIN_MAX_FAILURES: '3' } });
  admin = (await login(server.url, 'admin', ADMIN_PASSWORD)).token;
  issuer = new URL(server.url);
  as = await processDiscoveryResponse(issuer, await discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
});

afterAll(() => server?.close());

async function newClient(name: string, role: string) {
  const reply = await trpc(server.url, 'mutation', 'clients.create', { name, role }, admin);
  expect(reply.status).toBe(200);
  return reply.body.result.data as { client: { id: number; clientId: string }; secret: string };
}

/** A token through the library, as a service would get one. */
async function tokenFor(clientId: string, secret: string, scope?: string, how = ClientSecretBasic(secret)) {
  const client = { client_id: clientId };
  const response = await clientCredentialsGrantRequest(as, client, how, scope ? { scope } : {}, insecure);
  return processClientCredentialsResponse(as, client, response);
}

const form = (fields: Record<string, string | string[]>) => {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const item of [value].flat()) params.append(name, item);
  return params.toString();
};
const formRequest = (path: string, body: string, headers: Record<string, string> = {}) =>
  call(server.url, path, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
const tokenRequest = (body: string, headers: Record<string, string> = {}) => formRequest('/oauth/token', body, headers);
const introspectionRequest = (body: string, headers: Record<string, string> = {}) => formRequest('/oauth/introspect', body, headers);
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('the client-credentials grant', () => {
  it('is discovered from RFC 8414 metadata: the token endpoint, the grant and the ways to authenticate', () => {
    expect(as).toMatchObject({
      issuer: server.url,
      token_endpoint: `${server.url}/oauth/token`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    });
  });

  it('gives a standard OAuth client a token it uses on every door, as a user\'s would be', async () => {
    const { client, secret } = await newClient('stock importer', 'developer');
    const result = await tokenFor(client.clientId, secret);
    expect(result).toMatchObject({ token_type: 'bearer', expires_in: 3600, scope: 'GET POST PUT DELETE' });
    const token = result.access_token;
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({ sub: `client:${client.id}`, client_id: client.clientId, role: 'developer', iss: server.url });
    expect(claims.exp - claims.iat).toBe(3600);

    expect((await call(server.url, '/products', { token })).status).toBe(200);
    expect((await post(server.url, '/products', { sku: 'OAUTH-1', name: 'By a client', price: '1.00', stock: 1 }, { token })).status).toBe(201);
    expect((await graphql(server.url, '{ products { sku } }', {}, token)).body.data.products).toContainEqual({ sku: 'OAUTH-1' });
    expect((await trpc(server.url, 'query', 'products.list', { limit: 5 }, token)).status).toBe(200);
    const verified = await graphql(server.url, 'mutation { verifyToken { valid payload { sub id username clientId scope role sid } } }', {}, token);
    expect(verified.body.data.verifyToken).toMatchObject({ valid: true, payload: { sub: `client:${client.id}`, id: null, username: null, clientId: client.clientId, scope: 'GET POST PUT DELETE' } });
    const b2 = await post(server.url, '/api/verify_token', undefined, { token });
    expect(b2.body).toMatchObject({ valid: true, payload: { client_id: client.clientId, scope: 'GET POST PUT DELETE' } });

    // What only users have is not a client's.
    const me = await trpc(server.url, 'query', 'auth.me', undefined, token);
    expect([me.status, me.body.error.message]).toEqual([403, 'A machine client has no user account: this operation is for users']);
    expect((await graphql(server.url, '{ mySessions { id } }', {}, token)).body.errors[0].extensions.code).toBe('FORBIDDEN');

    const listed = await trpc(server.url, 'query', 'clients.list', undefined, admin);
    expect(listed.body.result.data.find((c: { id: number }) => c.id === client.id).lastUsedAt).not.toBeNull();
  });

  it('narrows the token to the scope asked for, with body credentials and with JSON too', async () => {
    const { client, secret } = await newClient('reporting job', 'developer');
    const narrowed = await tokenFor(client.clientId, secret, 'GET', ClientSecretPost(secret));
    expect(narrowed.scope).toBe('GET');
    const token = narrowed.access_token;
    expect((await call(server.url, '/products', { token })).status).toBe(200);
    const refused = await post(server.url, '/products', { sku: 'NOPE', name: 'No', price: '1.00', stock: 1 }, { token });
    expect([refused.status, refused.body]).toEqual([403, { message: 'Permiso denegado' }]);

    const json = await post(server.url, '/oauth/token', { grant_type: 'client_credentials', client_id: client.clientId, client_secret: secret, scope: 'GET PUT' });
    expect([json.status, json.body.scope, json.headers.get('cache-control')]).toEqual([200, 'GET PUT', 'no-store']);
  });

  it('stops working once the client is disabled, deleted or given a new secret', async () => {
    for (const change of ['disable', 'delete', 'rotate'] as const) {
      const { client, secret } = await newClient(`revoked by ${change}`, 'viewer');
      const { access_token: token } = await tokenFor(client.clientId, secret);
      expect((await call(server.url, '/products', { token })).status).toBe(200);
      if (change === 'disable') await trpc(server.url, 'mutation', 'clients.update', { id: client.id, disabled: true }, admin);
      if (change === 'delete') await trpc(server.url, 'mutation', 'clients.delete', { id: client.id }, admin);
      if (change === 'rotate') await trpc(server.url, 'mutation', 'clients.rotateSecret', { id: client.id }, admin);
      expect([change, (await call(server.url, '/products', { token })).status]).toEqual([change, 403]);
      const again = await tokenRequest(form({ grant_type: 'client_credentials' }), { authorization: basic(client.clientId, secret) });
      expect([change, again.status, again.body.error]).toEqual([change, 401, 'invalid_client']);
    }
  });

  it('stops working when its role loses a permission, and a new token carries the new set', async () => {
    await trpc(server.url, 'mutation', 'roles.upsert', { name: 'importers', permissions: ['GET', 'POST'] }, admin);
    const { client, secret } = await newClient('importer', 'importers');
    const { access_token: token } = await tokenFor(client.clientId, secret);
    await trpc(server.url, 'mutation', 'roles.upsert', { name: 'importers', permissions: ['GET'] }, admin);
    expect((await call(server.url, '/products', { token })).status).toBe(403);
    expect((await tokenFor(client.clientId, secret)).scope).toBe('GET');
  });
});

describe('a request the RFC refuses', () => {
  let clientId: string;
  let secret: string;
  beforeAll(async () => {
    ({ client: { clientId }, secret } = await newClient('for bad requests', 'viewer'));
  });

  const refusal = async (reply: Awaited<ReturnType<typeof call>>) => [reply.status, reply.body, reply.headers.get('cache-control')];

  it.each([
    ['no grant_type', () => tokenRequest(form({}), { authorization: basic(clientId, secret) }), 400, 'invalid_request', 'grant_type is required'],
    ['another grant', () => tokenRequest(form({ grant_type: 'password' }), { authorization: basic(clientId, secret) }), 400, 'unsupported_grant_type', 'Only the client_credentials grant is supported'],
    ['a parameter twice', () => tokenRequest(form({ grant_type: ['client_credentials', 'client_credentials'] }), { authorization: basic(clientId, secret) }), 400, 'invalid_request', 'grant_type must be given once, as a string'],
    ['Basic and body credentials', () => tokenRequest(form({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }), { authorization: basic(clientId, secret) }), 400, 'invalid_request', 'Authenticate the client one way: HTTP Basic or client_id and client_secret in the body, not both'],
    ['no credentials', () => tokenRequest(form({ grant_type: 'client_credentials' })), 401, 'invalid_client', 'Client authentication is required (HTTP Basic, or client_id and client_secret)'],
    ['a scope outside the role', () => tokenRequest(form({ grant_type: 'client_credentials', scope: 'GET DELETE' }), { authorization: basic(clientId, secret) }), 400, 'invalid_scope', 'scope must be some of: GET'],
    ['a scope that is no permission', () => tokenRequest(form({ grant_type: 'client_credentials', scope: 'openid' }), { authorization: basic(clientId, secret) }), 400, 'invalid_scope', 'scope must be some of: GET'],
    ['a JSON body that is not an object', () => post(server.url, '/oauth/token', ['grant_type', 'client_credentials']), 400, 'invalid_request', 'The parameters must be a form (or a JSON object)'],
    ['a JSON number for a parameter', () => post(server.url, '/oauth/token', { grant_type: 'client_credentials', client_id: clientId, client_secret: 42 }), 400, 'invalid_request', 'client_secret must be given once, as a string'],
    ['broken JSON', () => call(server.url, '/oauth/token', { method: 'POST', body: '{"grant_type":', headers: { 'content-type': 'application/json' } }), 400, 'invalid_request', 'The request body could not be read'],
    ['a huge body', () => tokenRequest(form({ grant_type: 'client_credentials', padding: 'x'.repeat(70_000) })), 413, 'invalid_request', 'The request body is too large'],
    ['a text body', () => call(server.url, '/oauth/token', { method: 'POST', body: 'grant_type=client_credentials', headers: { 'content-type': 'text/plain' } }), 400, 'invalid_request', 'The parameters must be a form (or a JSON object)'],
    ['another content type', () => call(server.url, '/oauth/token', { method: 'POST', body: '<grant/>', headers: { 'content-type': 'application/xml' } }), 415, 'invalid_request', 'Send the parameters as application/x-www-form-urlencoded (or JSON)'],
  ])('%s', async (_name, send, status, error, description) => {
    expect(await refusal(await send())).toEqual([status, { error, error_description: description }, 'no-store']);
  });

  it('answers a wrong secret and an unknown client alike, asking for Basic credentials again', async () => {
    const wrong = await tokenRequest(form({ grant_type: 'client_credentials' }), { authorization: basic(clientId, `${secret}x`) });
    const unknown = await tokenRequest(form({ grant_type: 'client_credentials' }), { authorization: basic('kwc_nobody', secret) });
    for (const reply of [wrong, unknown]) {
      expect(await refusal(reply)).toEqual([401, { error: 'invalid_client', error_description: 'Client authentication failed' }, 'no-store']);
      expect(reply.headers.get('www-authenticate')).toBe('Basic realm="keyway", charset="UTF-8"');
    }
    const viaBody = await tokenRequest(form({ grant_type: 'client_credentials', client_id: 'kwc_nobody', client_secret: 'x' }));
    expect([viaBody.status, viaBody.headers.get('www-authenticate')]).toEqual([401, null]);
  });

  it('throttles failed client authentication like logins: then even the right secret waits', async () => {
    const { client, secret: right } = await newClient('throttled', 'viewer');
    for (let n = 0; n < 3; n++) await tokenRequest(form({ grant_type: 'client_credentials' }), { authorization: basic(client.clientId, 'wrong') });
    const blocked = await tokenRequest(form({ grant_type: 'client_credentials' }), { authorization: basic(client.clientId, right) });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error).toBe('invalid_client');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('records grants and failures in the audit trail, on the oauth door, never with a secret', async () => {
    const page = await trpc(server.url, 'query', 'audit.list', { types: ['LOGIN_SUCCEEDED', 'LOGIN_FAILED', 'LOGIN_THROTTLED'], limit: 500 }, admin);
    const oauth = page.body.result.data.events.filter((event: { door: string }) => event.door === 'oauth');
    expect(new Set(oauth.map((event: { type: string }) => event.type))).toEqual(new Set(['LOGIN_SUCCEEDED', 'LOGIN_FAILED', 'LOGIN_THROTTLED']));
    const failed = oauth.filter((event: { details: { clientId?: string } }) => event.details.clientId === clientId);
    expect(failed.map((event: { type: string; actor: string; details: { reason?: string } }) => [event.type, event.actor, event.details.reason])).toContainEqual([
      'LOGIN_FAILED',
      `client:${clientId}`,
      'INVALID_CLIENT_SECRET',
    ]);
    expect(JSON.stringify(page.body)).not.toContain(secret);
  });
});

describe('introspection (RFC 7662)', () => {
  let clientId: string;
  let secret: string;
  beforeAll(async () => {
    ({ client: { clientId }, secret } = await newClient('resource server', 'viewer'));
  });
  const introspect = (token: string, authorization = basic(clientId, secret)) =>
    introspectionRequest(form({ token, token_type_hint: 'access_token' }), { authorization });

  it('tells an authenticated client whether a token is active, with its claims: a user\'s and a client\'s', async () => {
    const user = await login(server.url, 'admin', ADMIN_PASSWORD);
    const reply = await introspect(user.token);
    expect([reply.status, reply.headers.get('cache-control')]).toEqual([200, 'no-store']);
    expect(reply.body).toMatchObject({ active: true, sub: '1', username: 'admin', role: 'admin', iss: server.url, amr: ['pwd'] });

    const { access_token: token } = await tokenFor(clientId, secret, 'GET');
    const own = await post(server.url, '/oauth/introspect', { token, client_id: clientId, client_secret: secret });
    expect(own.body).toMatchObject({ active: true, client_id: clientId, scope: 'GET', sub: expect.stringMatching(/^client:\d+$/) });
  });

  it('answers only {"active": false} for a revoked, tampered or made-up token', async () => {
    const user = await login(server.url, 'admin', ADMIN_PASSWORD);
    await graphql(server.url, 'mutation { logout }', {}, user.token);
    const [header, payload] = admin.split('.');
    for (const token of [user.token, `${header}.${payload}.AAAA`, 'not a token']) {
      expect((await introspect(token)).body).toEqual({ active: false });
    }
  });

  it('is for clients only: a user\'s bearer token, no credentials or a wrong secret is invalid_client, and a missing token invalid_request', async () => {
    const asUser = await introspect(admin, `Bearer ${admin}`);
    expect([asUser.status, asUser.body.error, asUser.headers.get('www-authenticate')]).toEqual([401, 'invalid_client', 'Basic realm="keyway", charset="UTF-8"']);
    expect((await introspectionRequest(form({ token: admin }))).status).toBe(401);
    const wrong = await introspect(admin, basic(clientId, 'wrong'));
    expect([wrong.status, wrong.body]).toEqual([401, { error: 'invalid_client', error_description: 'Client authentication failed' }]);
    const none = await introspectionRequest(form({}), { authorization: basic(clientId, secret) });
    expect([none.status, none.body]).toEqual([400, { error: 'invalid_request', error_description: 'token is required' }]);
  });
});

describe.runIf(DB_KIND === 'postgres')('two instances on one PostgreSQL', () => {
  it('a client disabled on one has its token refused by the other within a second', async () => {
    const other = await startServer({ database: server.database, env: { PUBLIC_URL: server.url } });
    try {
      for (let round = 0; round < 5; round++) {
        const { client, secret } = await newClient(`shared ${round}`, 'viewer');
        const { access_token: token } = await tokenFor(client.clientId, secret);
        expect((await call(other.url, '/products', { token })).status).toBe(200);
        await trpc(server.url, 'mutation', 'clients.update', { id: client.id, disabled: true }, admin);
        const begun = Date.now();
        while ((await call(other.url, '/products', { token })).status !== 403) {
          expect(Date.now() - begun).toBeLessThan(1000);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    } finally {
      await other.stop();
    }
  });
});
