import {
  decodeCursor,
  encodeCursor,
  type AuditEvent,
  type AuditFilter,
  type AuditPage,
  type AuditStore,
  type NewAuditRecord,
} from './audit.js';

export interface AuditTrailOptions {
  store: AuditStore;
  /** A write that failed (the events are kept and tried again), or events dropped: logged, never an action's failure. */
  onError(error: unknown, message: string): void;
}

export type AuditTrail = ReturnType<typeof createAuditTrail>;

/** Events are written this long after the first of them waits, together. */
const FLUSH_DELAY_MS = 50;
/** A failed write is tried again this much later. */
const RETRY_DELAY_MS = 1000;
const BATCH_SIZE = 200;
/** While the database refuses writes, at most this many events wait; the oldest go first. */
const MAX_PENDING = 10_000;

/**
 * The audit trail. `record` is on the answer's path of logins and changes, so
 * it only queues: events are written together a moment later, off that path,
 * and a failed write is logged and tried again, never an action's failure.
 * Reading first writes what this instance holds, so an admin sees their own
 * actions at once; `close` writes the rest before the database closes.
 */
export function createAuditTrail({ store, onError }: AuditTrailOptions) {
  let pending: NewAuditRecord[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  function schedule(delayMs: number): void {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, delayMs);
    timer.unref();
  }

  async function writePending(): Promise<void> {
    while (pending.length > 0) {
      const batch = pending.splice(0, BATCH_SIZE);
      try {
        await store.append(batch);
      } catch (error) {
        pending = batch.concat(pending);
        onError(error, `cannot write ${pending.length} audit events; trying again`);
        schedule(RETRY_DELAY_MS);
        return;
      }
    }
  }

  /** Writes what waits, after any write under way. */
  function flush(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    writing = writing.then(writePending);
    return writing;
  }

  return {
    record(event: AuditEvent): void {
      const { client } = event;
      pending.push({
        at: new Date(),
        type: event.type,
        actor: event.actor,
        userId: event.userId,
        username: event.username,
        ipAddress: client.ip || null,
        userAgent: client.userAgent ?? null,
        door: client.door,
        details: event.details ?? {},
      });
      if (pending.length > MAX_PENDING) {
        const dropped = pending.splice(0, pending.length - MAX_PENDING);
        onError(null, `the audit trail dropped its ${dropped.length} oldest unwritten events`);
      }
      schedule(FLUSH_DELAY_MS);
    },

    /** Newest first, `limit` at a time; `after` is the previous page's `nextCursor`. */
    async list(filter: AuditFilter, limit: number, after?: string): Promise<AuditPage> {
      const position = after === undefined ? null : decodeCursor(after);
      await flush();
      const events = await store.list(filter, limit + 1, position);
      const more = events.length > limit;
      if (more) events.length = limit;
      return { events, nextCursor: more ? encodeCursor(events[limit - 1]!) : null };
    },

    /** Forgets events older than the retention. */
    prune(retentionSeconds: number): Promise<void> {
      return store.prune(new Date(Date.now() - retentionSeconds * 1000));
    },

    /** Writes what waits (once: a database that refuses now is closing with the process). */
    async close(): Promise<void> {
      await flush();
      clearTimeout(timer);
      if (pending.length > 0) onError(null, `${pending.length} audit events were not written before shutdown`);
    },
  };
}
