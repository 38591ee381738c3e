import type { ServerResponse } from 'node:http';

/** Periods a subscriber may leave unsent data waiting before it is dropped as dead. */
const STALLED_PERIODS = 2;

/**
 * Watches a Server-Sent Events stream written straight to its socket: with
 * `keepAlive`, writes a comment line each period (proxies close streams that
 * look idle); either way, a socket still holding unsent data after
 * STALLED_PERIODS periods belongs to a subscriber that stopped reading, and
 * is destroyed. Returns what stops the watch.
 */
export function watchSubscriber(raw: ServerResponse, periodMs: number, { keepAlive }: { keepAlive: boolean }): () => void {
  let stalled = 0;
  const timer = setInterval(() => {
    stalled = raw.writableLength > 0 ? stalled + 1 : 0;
    if (stalled >= STALLED_PERIODS) raw.destroy();
    else if (keepAlive) raw.write(': keep-alive\n\n');
  }, periodMs).unref();
  return () => clearInterval(timer);
}
