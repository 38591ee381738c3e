import { isRecord, request } from './http.js';

/** The members of Keyway's RFC 8414 metadata the verifier uses. */
export interface Metadata {
  issuer: string;
  jwks_uri: string;
  token_endpoint?: string;
  revocation_feed_endpoint?: string;
}

/**
 * Keyway's metadata at `${url}/.well-known/oauth-authorization-server`,
 * refused unless it names the issuer the caller expects: tokens of another
 * Keyway (a staging one, say) must not be taken for this one's.
 */
export async function discover(url: string, issuer: string, timeoutMs: number): Promise<Metadata> {
  const where = `${url}/.well-known/oauth-authorization-server`;
  const answer = await request(where, { headers: { accept: 'application/json' } }, timeoutMs, `Keyway's discovery document`);
  const body = answer.body;
  if (answer.status !== 200 || !isRecord(body)) {
    throw new Error(`Keyway's discovery document (${where}) answered ${answer.status}${isRecord(body) ? '' : ', not JSON'}: is Keyway at ${url}?`);
  }
  if (body.issuer !== issuer) {
    throw new Error(`wrong issuer: Keyway at ${url} issues tokens as ${JSON.stringify(body.issuer)}, not ${JSON.stringify(issuer)}`);
  }
  const jwksUri = endpoint(body, 'jwks_uri');
  if (!jwksUri) throw new Error(`Keyway's discovery document (${where}) names no jwks_uri`);
  return {
    issuer,
    jwks_uri: jwksUri,
    token_endpoint: endpoint(body, 'token_endpoint'),
    revocation_feed_endpoint: endpoint(body, 'revocation_feed_endpoint'),
  };
}

function endpoint(body: Record<string, unknown>, member: string): string | undefined {
  const value = body[member];
  return typeof value === 'string' && /^https?:\/\//.test(value) ? value : undefined;
}
