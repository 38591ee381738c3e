import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/**
 * A stand-in for Keyway's side of the verifier's contract (SPEC §14): RFC
 * 8414 metadata, a JWKS, the client-credentials grant and the revocation
 * feed, on a node:http server of its own, with keys made here. For tests of
 * `keyway/verify` against what a test can steer (a silent feed, a refused
 * secret, counted requests), and for the bench, which needs only its keys.
 */

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

export interface FeedConnection {
  lastEventId: string | undefined;
  response: ServerResponse;
}

export const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';

export async function newSigningKey(): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, privateKey, jwk: { ...jwk, kid, alg: 'RS256', use: 'sig' } };
}

export async function startLocalIssuer() {
  const keys: SigningKey[] = [await newSigningKey()];
  const client = { id: 'svc-orders', secret: 'kws_a secret: with/odd+chars' };
  const tokens = new Set<string>();
  const events: Array<{ id: number; data: string }> = [];
  const connections = new Set<FeedConnection>();
  /** Requests by path, to count the JWKS's fetches. */
  const requests = new Map<string, number>();

  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    requests.set(path, (requests.get(path) ?? 0) + 1);
    route(path, request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  const json = (response: ServerResponse, status: number, body: unknown) =>
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

  function route(path: string, request: IncomingMessage, response: ServerResponse) {
    if (path === '/.well-known/oauth-authorization-server') {
      return json(response, 200, {
        issuer: url,
        jwks_uri: `${url}/.well-known/jwks.json`,
        token_endpoint: `${url}/oauth/token`,
        revocation_feed_endpoint: `${url}/events/revocations`,
      });
    }
    if (path === '/.well-known/jwks.json') return json(response, 200, { keys: keys.map((key) => key.jwk) });
    if (path === '/oauth/token') {
      if (issuer.stallTokens) return;
      const [id, secret] = Buffer.from((request.headers.authorization ?? '').replace(/^Basic /, ''), 'base64')
        .toString()
        .split(':')
        .map((part) => new URLSearchParams(`v=${part}`).get('v'));
      if (issuer.refuseCredentials || id !== client.id || secret !== client.secret) return json(response, 401, { error: 'invalid_client' });
      const token = randomUUID();
      tokens.add(token);
      return json(response, 200, { access_token: token, token_type: 'Bearer', expires_in: 3600 });
    }
    if (path === '/events/revocations') {
      const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
      if (!bearer || !tokens.has(bearer)) return json(response, 401, { error: 'invalid_token' });
      const header = request.headers['last-event-id'];
      const lastEventId = typeof header === 'string' ? header : undefined;
      // Headers at once: with nothing to replay, nothing else would send them before the first keep-alive.
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' }).flushHeaders();
      for (const event of events) if (lastEventId === undefined || event.id > Number(lastEventId)) write(response, event);
      if (issuer.markReplay) response.write(': replayed\n\n');
      const connection = { lastEventId, response };
      connections.add(connection);
      response.on('close', () => connections.delete(connection));
      return;
    }
    json(response, 404, { error: 'not found' });
  }

  const write = (response: ServerResponse, event: { id: number; data: string }) =>
    response.write(`id: ${event.id}\nevent: session-revoked\ndata: ${event.data}\n\n`);

  const issuer = {
    url,
    client,
    keys,
    events,
    requests,
    connections,
    /** Whether the token endpoint refuses every client. */
    refuseCredentials: false,
    /** Whether the feed writes a comment right after its replay. */
    markReplay: false,
    /** Whether the token endpoint takes requests and never answers. */
    stallTokens: false,

    /** An access token as Keyway signs one: an hour of life, a session id, signed by `key`. */
    sign(claims: JWTPayload = {}, key = keys[0]!): Promise<string> {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ sub: '1', sid: randomUUID(), iat: now, exp: now + 3600, iss: url, jti: randomUUID(), ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
        .sign(key.privateKey);
    },

    /** A session-revoked Security Event Token for `sessionId`. */
    securityEvent(sessionId: string, key = keys[0]!, typ = 'secevent+jwt'): Promise<string> {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({
        iss: url,
        jti: randomUUID(),
        iat: now,
        aud: client.id,
        sub_id: { format: 'opaque', id: sessionId },
        events: { [SESSION_REVOKED]: { event_timestamp: now } },
      })
        .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ })
        .sign(key.privateKey);
    },

    /** Publishes an event (a SET for `sessionId`, or `data` as given) to the replay and to every open stream. */
    async publish(sessionId: string, data?: string): Promise<number> {
      const event = { id: events.length + 1, data: data ?? (await issuer.securityEvent(sessionId)) };
      events.push(event);
      for (const connection of connections) write(connection.response, event);
      return event.id;
    },

    /** Ends every open stream, as Keyway does when a token expires; with `revokeTokens`, the tokens stop working too. */
    endStreams(revokeTokens = false): void {
      if (revokeTokens) tokens.clear();
      for (const connection of connections) connection.response.end();
    },

    /** Cuts every open stream's connection, as a crash or a network failure would, and stops honouring the tokens. */
    dropStreams(): void {
      tokens.clear();
      for (const connection of connections) connection.response.destroy();
    },

    async addKey(): Promise<SigningKey> {
      const key = await newSigningKey();
      keys.push(key);
      return key;
    },

    close(): Promise<void> {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return issuer;
}

export type LocalIssuer = Awaited<ReturnType<typeof startLocalIssuer>>;
