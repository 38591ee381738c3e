import type { AuditTrail } from './audit.service.js';
import type { KeysService } from './keys.service.js';
import type { MfaStore, SessionStore } from './records.js';
import type { RevocationList } from './revocations.js';

export interface SyncOptions {
  sessions: SessionStore;
  keys: KeysService;
  revocations: RevocationList;
  intervalMs: number;
  /** How long a revocation matters: the longest life of an access token. */
  retainSeconds: number;
  onError(error: unknown): void;
  onRecovered(): void;
}

// Re-read a minute of the feed each time: a revocation whose transaction committed late is still seen.
const OVERLAP_SECONDS = 60;

/**
 * What other instances sharing the database decided: revoked sessions and
 * signing keys, read when another instance says so (`poke`, on its NOTIFY)
 * and by polling besides, should a notification be lost. One tick at a time,
 * never overlapping; a failing database is reported once and retried.
 */
export function startSync(options: SyncOptions): { poke(): void; stop(): Promise<void> } {
  const { sessions, keys, revocations } = options;
  let lastSuccess = Date.now();
  let keysVersion: string | undefined;
  let failing = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let ticking = false;
  let again = false;

  async function tick(): Promise<void> {
    const windowSeconds = Math.ceil((Date.now() - lastSuccess) / 1000) + OVERLAP_SECONDS;
    revocations.learn(await sessions.revokedSince(windowSeconds));
    const version = await keys.version();
    if (version !== keysVersion) {
      await keys.reload();
      keysVersion = version;
    }
    lastSuccess = Date.now();
  }

  /** A tick now, unless one is under way: then one more right after it (what it read may predate the news). */
  function look(): void {
    if (ticking) {
      again = true;
      return;
    }
    ticking = true;
    clearTimeout(timer);
    running = tick()
      .then(
        () => {
          if (failing) options.onRecovered();
          failing = false;
        },
        (error: unknown) => {
          if (!failing) options.onError(error);
          failing = true;
        },
      )
      .finally(() => {
        ticking = false;
        if (stopped) return;
        if (again) {
          again = false;
          look();
        } else schedule();
      });
  }

  function schedule(): void {
    timer = setTimeout(look, options.intervalMs);
    timer.unref();
  }

  schedule();
  return {
    poke: () => {
      if (!stopped) look();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

export interface PruningOptions {
  sessions: Pick<SessionStore, 'pruneRevocations'>;
  /** Logins' second-factor challenges past their expiry, when there is such a store. */
  challenges?: Pick<MfaStore, 'pruneChallenges'>;
  /** The audit trail and how long its events are kept. */
  audit?: { trail: Pick<AuditTrail, 'prune'>; retentionSeconds: number };
  revocations: RevocationList;
  /** How long a revocation matters: the longest life of an access token. */
  retainSeconds: number;
  intervalMs: number;
  onError(error: unknown): void;
}

/**
 * Forgets, now and then, the revocations no token can need any more: from
 * memory, and from the feed's table (every instance may do it; the delete is
 * idempotent). On either database: without it, a long-running instance
 * would hold every session ever revoked.
 */
export function startPruning(options: PruningOptions): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    options.revocations.prune();
    running = running
      .then(async () => {
        await options.sessions.pruneRevocations(options.retainSeconds);
        await options.challenges?.pruneChallenges(new Date());
        await options.audit?.trail.prune(options.audit.retentionSeconds);
      })
      .catch(options.onError);
  }, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
