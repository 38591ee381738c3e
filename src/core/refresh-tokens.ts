import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

const FORMAT = /^kwrt_([A-Za-z0-9_-]{22})\.(\d{1,9})\.([A-Za-z0-9_-]{43})$/;

/**
 * Refresh tokens: `kwrt_<session>.<generation>.<mac>`, the MAC keyed with a
 * secret every instance shares. A token is derived, not drawn, so the
 * session's current token can be answered again inside the reuse interval
 * while the database keeps only its SHA-256; and a forged token (a known
 * session id, a made-up MAC) is told from a genuine old one, so it cannot be
 * used to revoke someone else's session.
 */
export class RefreshTokens {
  constructor(private readonly key: Buffer) {}

  issue(sessionId: string, generation: number): string {
    const id = Buffer.from(sessionId.replaceAll('-', ''), 'hex').toString('base64url');
    return `kwrt_${id}.${generation}.${this.mac(sessionId, generation).toString('base64url')}`;
  }

  /** The session and generation of a genuine token, or null for anything else. */
  parse(token: string): { sessionId: string; generation: number } | null {
    const match = FORMAT.exec(token);
    if (!match) return null;
    const hex = Buffer.from(match[1]!, 'base64url').toString('hex');
    if (hex.length !== 32) return null;
    const sessionId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    const generation = Number(match[2]);
    const presented = Buffer.from(match[3]!, 'base64url');
    const expected = this.mac(sessionId, generation);
    return presented.length === expected.length && timingSafeEqual(presented, expected) ? { sessionId, generation } : null;
  }

  private mac(sessionId: string, generation: number): Buffer {
    return createHmac('sha256', this.key).update(`${sessionId}:${generation}`).digest();
  }
}

/**
 * What the database keeps of a random token handed to a client (a refresh
 * token, an `mfaToken`, a recovery code): its SHA-256. The tokens carry 50
 * bits or more of randomness, so no dictionary can be tried against it.
 */
export function hashSecretToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function sameHash(a: string | null, b: string): boolean {
  return a !== null && a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
