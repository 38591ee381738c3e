import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';

/**
 * What keyway/verify's bench discovers: RFC 8414 metadata and a JWKS of one
 * RS256 key made here, on loopback, and tokens signed as Keyway signs them.
 * Only the keys matter to the measurement (verify() against jose over the
 * same key); Keyway's own server would share this process's event loop.
 */
export async function startBenchIssuer() {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  const key = { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'RS256', use: 'sig' };
  const server = createServer((request, response) => {
    const body =
      request.url === '/.well-known/oauth-authorization-server'
        ? { issuer: url, jwks_uri: `${url}/.well-known/jwks.json` }
        : request.url === '/.well-known/jwks.json'
          ? { keys: [key] }
          : undefined;
    response.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    keys: [key],
    /** An access token as Keyway signs one: an hour of life and a session id. */
    sign: () =>
      new SignJWT({ sid: randomUUID(), role: 'viewer' })
        .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
        .setIssuer(url)
        .setSubject('1')
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(privateKey),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
