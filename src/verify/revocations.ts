import { jwtVerify, type JWTVerifyGetKey } from 'jose';
import { isRecord } from './http.js';

export const SESSION_REVOKED_EVENT = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
export const DEFAULT_RETENTION_SECONDS = 24 * 3600;
const PRUNE_INTERVAL_MS = 60_000;

/**
 * The sessions the feed said are revoked, each kept for `retentionSeconds`
 * after its revocation (longer than the tokens it could have issued live),
 * then forgotten by an unref'd timer.
 */
export class RevokedSessions {
  private readonly until = new Map<string, number>();
  private readonly pruner: NodeJS.Timeout;

  constructor(private readonly retentionSeconds = DEFAULT_RETENTION_SECONDS) {
    this.pruner = setInterval(() => this.prune(), PRUNE_INTERVAL_MS).unref();
  }

  /** Idempotent: a duplicate, or an event replayed after a reconnection, changes nothing. */
  add(sessionId: string, revokedAtSeconds: number): void {
    const until = (revokedAtSeconds + this.retentionSeconds) * 1000;
    if (until <= Date.now()) return;
    if ((this.until.get(sessionId) ?? 0) < until) this.until.set(sessionId, until);
  }

  has(sessionId: string): boolean {
    return this.until.has(sessionId);
  }

  get size(): number {
    return this.until.size;
  }

  prune(now = Date.now()): void {
    for (const [sessionId, until] of this.until) if (until <= now) this.until.delete(sessionId);
  }

  close(): void {
    clearInterval(this.pruner);
  }
}

export interface SetCheck {
  issuer: string;
  getKey: JWTVerifyGetKey;
  algorithms: () => string[];
}

/**
 * The session a Security Event Token (RFC 8417) from the feed revokes, and
 * when: its signature checked with Keyway's keys, its `typ`, its issuer, and
 * its CAEP session-revoked event. Throws when any of them is wrong.
 */
export async function readRevocation(jws: string, check: SetCheck): Promise<{ sessionId: string; revokedAt: number }> {
  const { payload } = await jwtVerify(jws, check.getKey, { issuer: check.issuer, typ: 'secevent+jwt', algorithms: check.algorithms() });
  const event = isRecord(payload.events) ? payload.events[SESSION_REVOKED_EVENT] : undefined;
  if (!isRecord(event)) throw new Error('not a CAEP session-revoked event');
  const subject = payload.sub_id;
  if (!isRecord(subject) || typeof subject.id !== 'string' || subject.id === '') throw new Error('no session id in sub_id');
  const at = typeof event.event_timestamp === 'number' ? event.event_timestamp : payload.iat ?? Math.floor(Date.now() / 1000);
  return { sessionId: subject.id, revokedAt: at };
}
