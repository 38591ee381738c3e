import type { RevokedSession } from './records.js';

/**
 * The revoked sessions whose access tokens could still be presented, in
 * memory, so verifying a token never waits on the database. An entry is
 * forgotten once every token of its session has expired.
 */
export class RevocationList {
  private readonly revoked = new Map<string, number>();

  /**
   * @param retainMs the longest an access token can outlive its session's revocation (TTL + clock tolerance)
   * @param onRevoked told of each revocation this instance makes (the metrics count them by reason)
   */
  constructor(
    private readonly retainMs: number,
    private readonly onRevoked: (entries: readonly RevokedSession[]) => void = () => {},
  ) {}

  has(sessionId: string): boolean {
    return this.revoked.has(sessionId);
  }

  /** Revocations this instance just made. */
  add(entries: readonly RevokedSession[]): void {
    this.learn(entries);
    if (entries.length > 0) this.onRevoked(entries);
  }

  /** Revocations read from the database: other instances', and earlier ones'. */
  learn(entries: ReadonlyArray<Pick<RevokedSession, 'sessionId' | 'revokedAt'>>): void {
    for (const { sessionId, revokedAt } of entries) {
      const forgetAt = revokedAt.getTime() + this.retainMs;
      if (forgetAt > Date.now()) this.revoked.set(sessionId, Math.max(forgetAt, this.revoked.get(sessionId) ?? 0));
    }
  }

  prune(now = Date.now()): void {
    for (const [sessionId, forgetAt] of this.revoked) if (forgetAt <= now) this.revoked.delete(sessionId);
  }

  get size(): number {
    return this.revoked.size;
  }
}
