import { isRecord, request } from './http.js';

/** A token is renewed this long before it expires, so a reconnection never presents one about to lapse. */
const RENEW_BEFORE_MS = 30_000;

export interface ClientCredentials {
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
}

/** Where the revocation feed gets its bearer token: `get` a valid one, `discard` one the feed refused. */
export interface TokenSource {
  /** `stop` abandons the request (the feed is closing). */
  get(stop?: AbortSignal): Promise<string>;
  discard(): void;
}

/** The credentials were refused (a wrong secret, a disabled client): asking again will not help soon. */
export class CredentialsRefused extends Error {
  override name = 'CredentialsRefused';
}

/**
 * Access tokens of a machine client from Keyway's token endpoint, by the
 * client-credentials grant (RFC 6749 §4.4), kept until shortly before they
 * expire.
 */
export function clientCredentialsTokens(credentials: ClientCredentials): TokenSource {
  let current: { token: string; renewAt: number } | undefined;
  return {
    async get(stop) {
      if (current && performance.now() < current.renewAt) return current.token;
      current = undefined;
      const { token, expiresInSeconds } = await requestToken(credentials, stop);
      current = { token, renewAt: performance.now() + Math.max(0, expiresInSeconds * 1000 - RENEW_BEFORE_MS) };
      return token;
    },
    discard() {
      current = undefined;
    },
  };
}

async function requestToken({ tokenEndpoint, clientId, clientSecret, timeoutMs }: ClientCredentials, stop?: AbortSignal) {
  // RFC 6749 §2.3.1: the id and the secret are each form-urlencoded before they are joined and base64-encoded.
  const basic = Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString('base64');
  const answer = await request(
    tokenEndpoint,
    {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: 'grant_type=client_credentials',
    },
    timeoutMs,
    "Keyway's token endpoint",
    stop,
  );
  const body = isRecord(answer.body) ? answer.body : {};
  if (answer.status === 400 || answer.status === 401) {
    const reason = [body.error, body.error_description].filter((part) => typeof part === 'string').join(': ');
    throw new CredentialsRefused(
      `Keyway's token endpoint (${tokenEndpoint}) refused the credentials of client ${JSON.stringify(clientId)}: ${answer.status}${reason ? ` ${reason}` : ''}`,
    );
  }
  if (answer.status !== 200 || typeof body.access_token !== 'string') {
    throw new Error(`Keyway's token endpoint (${tokenEndpoint}) answered ${answer.status} without an access token`);
  }
  const expiresIn = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60;
  return { token: body.access_token, expiresInSeconds: expiresIn };
}

const formEncode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
