import type { Client } from 'pg';

export interface ChangeListener {
  close(): Promise<void>;
}

/** What another instance committed: a revocation, whole; or a change to look up (the keys, or anything missed while the connection was down). */
export type Change = { kind: 'revoked'; sessionId: string; revokedAt: Date; sequence: number } | { kind: 'look' };

export interface ListenOptions {
  onChange(change: Change): void;
  /** The connection dropped or cannot be made; polling carries on meanwhile. */
  onError(error: unknown): void;
  onRecovered(): void;
}

// db/entities/notify-sync.ts: `revoked <session id> <ms since the epoch> <sequence>`.
const REVOKED = /^revoked (\S+) (\d+) (\d+)$/;

function changeOf(payload: string | undefined): Change {
  const revoked = REVOKED.exec(payload ?? '');
  if (!revoked) return { kind: 'look' };
  return { kind: 'revoked', sessionId: revoked[1]!, revokedAt: new Date(Number(revoked[2])), sequence: Number(revoked[3]) };
}

/** The first retry after the connection drops; doubled up to RETRY_MAX_MS. */
const RETRY_MS = 250;
const RETRY_MAX_MS = 5000;

/**
 * LISTEN on `keyway_sync` over a connection of its own (a pooled one would be
 * handed to queries). When it drops, it is made again, backing off, and the
 * listener is told to look once it is back, for what was sent meanwhile.
 */
export async function listenForChanges(url: string, options: ListenOptions): Promise<ChangeListener> {
  const { default: pg } = await import('pg');
  let client: Client | undefined;
  let closed = false;
  let failing = false;
  let retryMs = RETRY_MS;
  let timer: NodeJS.Timeout | undefined;

  async function connect(): Promise<void> {
    const next = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000, keepAlive: true });
    next.on('notification', (message) => options.onChange(changeOf(message.payload)));
    next.on('error', (error) => dropped(next, error));
    next.on('end', () => dropped(next, new Error('the notification connection ended')));
    try {
      await next.connect();
      await next.query('LISTEN keyway_sync');
    } catch (error) {
      await next.end().catch(() => {});
      throw error;
    }
    if (closed) {
      await next.end().catch(() => {});
      return;
    }
    client = next;
    retryMs = RETRY_MS;
    if (failing) options.onRecovered();
    failing = false;
    options.onChange({ kind: 'look' });
  }

  function dropped(which: Client, error: unknown): void {
    if (closed || which !== client) return;
    client = undefined;
    which.end().catch(() => {});
    if (!failing) options.onError(error);
    failing = true;
    retry();
  }

  function retry(): void {
    timer = setTimeout(() => {
      connect().catch((error: unknown) => {
        if (!failing) options.onError(error);
        failing = true;
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
        retry();
      });
    }, retryMs);
    timer.unref();
  }

  try {
    await connect();
  } catch (error) {
    options.onError(error);
    failing = true;
    retry();
  }

  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      await client?.end().catch(() => {});
    },
  };
}
