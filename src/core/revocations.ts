import type { RevokedSession } from './records.js';

/** A revocation as every instance learns it, from its own services, from another's NOTIFY, or by polling. */
export type LearnedRevocation = Pick<RevokedSession, 'sessionId' | 'revokedAt' | 'sequence'>;

/**
 * The revoked sessions whose access tokens could still be presented, in
 * memory, so verifying a token never waits on the database. An entry is
 * forgotten once every token of its session has expired.
 */
export class RevocationList {
  private readonly revoked = new Map<string, number>();
  private readonly listeners: Array<(entries: readonly LearnedRevocation[]) => void> = [];

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
  learn(entries: readonly LearnedRevocation[]): void {
    const fresh: LearnedRevocation[] = [];
    for (const entry of entries) {
      const forgetAt = entry.revokedAt.getTime() + this.retainMs;
      if (forgetAt <= Date.now()) continue;
      const known = this.revoked.get(entry.sessionId);
      if (known === undefined) fresh.push(entry);
      this.revoked.set(entry.sessionId, Math.max(forgetAt, known ?? 0));
    }
    if (fresh.length > 0) for (const listener of this.listeners) listener(fresh);
  }

  /**
   * Tells `listener` of each revocation still in force the first time this
   * instance learns it, whichever way (the feed to other services).
   */
  onLearned(listener: (entries: readonly LearnedRevocation[]) => void): void {
    this.listeners.push(listener);
  }

  prune(now = Date.now()): void {
    for (const [sessionId, forgetAt] of this.revoked) if (forgetAt <= now) this.revoked.delete(sessionId);
  }

  get size(): number {
    return this.revoked.size;
  }
}
