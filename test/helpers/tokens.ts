import jwt from 'jsonwebtoken';
import type { TestServer } from './server.js';

const decode = (token: string): Record<string, unknown> => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());

/**
 * `token` signed again by the server's own signing key (read from its
 * database, as a thief of the key would), with some claims changed: an
 * expired token that is otherwise genuine, say.
 */
export async function resign(server: TestServer, token: string, changes: Record<string, unknown>): Promise<string> {
  const [key] = await server.app.keyway.database.orm.em
    .getConnection()
    .execute<{ kid: string; private_key: string }[]>(
      `select kid, private_key from signing_keys where activates_at <= now() and (retired_at is null or retired_at > now())
        order by activates_at desc limit 1`,
    );
  if (!key) throw new Error('the server has no active signing key');
  return jwt.sign({ ...decode(token), ...changes }, key.private_key, { algorithm: 'RS256', keyid: key.kid });
}

/** An hour past its expiry. */
export const EXPIRED = () => ({ exp: Math.floor(Date.now() / 1000) - 3600 });
