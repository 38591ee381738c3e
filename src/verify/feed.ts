import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { failureOf } from './http.js';
import type { TokenSource } from './client-token.js';

export type FeedState = 'off' | 'connecting' | 'connected';

export interface FeedTiming {
  /** The first wait before reconnecting, doubled after each failure up to `maxBackoffMs`. */
  minBackoffMs: number;
  maxBackoffMs: number;
  /** A connection with no byte for this long is dead (Keyway sends a comment every 15 s). */
  idleMs: number;
  /** How long the answer's headers may take. */
  connectTimeoutMs: number;
}

export const FEED_TIMING: FeedTiming = { minBackoffMs: 250, maxBackoffMs: 5000, idleMs: 60_000, connectTimeoutMs: 5000 };

export interface FeedOptions {
  url: string;
  tokens: TokenSource;
  /** Each event in the stream's order; the next is read once it resolves. */
  onEvent(event: EventSourceMessage): Promise<void>;
  onError(error: Error): void;
  timing?: Partial<FeedTiming>;
}

/**
 * Follows Keyway's revocation feed (Server-Sent Events): connects with a
 * client's token, reads the replay, then live events, and reconnects with
 * `Last-Event-ID` after any failure, with backoff, until closed.
 */
export class FeedFollower {
  state: FeedState = 'off';
  /** The id of the last event read: where a reconnection resumes. */
  lastEventId: string | undefined;
  private readonly timing: FeedTiming;
  private closed = false;
  /** Aborted by close(): a token request under way is abandoned, not awaited. */
  private readonly stopping = new AbortController();
  private connection: AbortController | undefined;
  private wake: (() => void) | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: FeedOptions) {
    this.timing = { ...FEED_TIMING, ...options.timing };
  }

  /**
   * Resolves once the first connection's replay is read; rejects, and stops,
   * when the first connection fails. Afterwards failures go to `onError`.
   */
  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let first = true;
      /** True when this settles the start (the first connection's outcome). */
      const settle = (error?: Error): boolean => {
        if (!first) return false;
        first = false;
        if (error) reject(error);
        else resolve();
        return true;
      };
      this.running = this.follow(settle);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopping.abort();
    this.connection?.abort();
    this.wake?.();
    await this.running;
  }

  private async follow(settle: (error?: Error) => boolean): Promise<void> {
    let backoff = this.timing.minBackoffMs;
    while (!this.closed) {
      this.state = 'connecting';
      try {
        const body = await this.connect();
        this.state = 'connected';
        backoff = this.timing.minBackoffMs;
        await this.read(body, () => settle());
        // Keyway ends the stream when the token expires or is revoked: the next connection gets a new one.
        this.options.tokens.discard();
        settle();
      } catch (error) {
        if (this.closed) break;
        const failure = error instanceof Error ? error : new Error(String(error));
        // A feed whose start failed is not followed: its caller was told, and nothing would close it.
        if (settle(failure)) break;
        this.options.onError(failure);
      }
      if (this.closed) break;
      this.state = 'connecting';
      await this.sleep(backoff);
      backoff = Math.min(backoff * 2, this.timing.maxBackoffMs);
    }
    this.state = 'off';
  }

  /** The stream's body, once Keyway has answered 200; throws otherwise (after a 401 the token is dropped). */
  private async connect(): Promise<ReadableStream<Uint8Array>> {
    const token = await this.options.tokens.get(this.stopping.signal);
    if (this.closed) throw new Error('closed');
    const connection = (this.connection = new AbortController());
    const timeout = setTimeout(() => connection.abort(new DOMException('timeout', 'TimeoutError')), this.timing.connectTimeoutMs);
    let response: Response;
    try {
      response = await fetch(this.options.url, {
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'text/event-stream',
          'cache-control': 'no-cache',
          ...(this.lastEventId === undefined ? {} : { 'last-event-id': this.lastEventId }),
        },
        signal: connection.signal,
      });
    } catch (error) {
      throw new Error(failureOf(connection.signal.reason ?? error, this.options.url, this.timing.connectTimeoutMs, "Keyway's revocation feed"));
    } finally {
      clearTimeout(timeout);
    }
    const type = response.headers.get('content-type') ?? '';
    if (response.status === 200 && response.body && type.startsWith('text/event-stream')) return response.body;
    await response.body?.cancel().catch(() => {});
    if (response.status === 401) this.options.tokens.discard();
    throw new Error(`Keyway's revocation feed (${this.options.url}) answered ${response.status}${response.status === 200 ? ` as ${type || 'no type'}` : ''}`);
  }

  /**
   * Reads events until the stream ends (resolves) or fails, or stays silent
   * past `idleMs` (throws). `replayed` is called once the replay is read:
   * Keyway marks its end with the comment `replayed`.
   */
  private async read(body: ReadableStream<Uint8Array>, replayed: () => void): Promise<void> {
    const events: EventSourceMessage[] = [];
    let replayEnded = false;
    let told = false;
    const parser = createParser({
      onEvent: (event) => events.push(event),
      onComment: (comment) => {
        if (comment.trim() === 'replayed') replayEnded = true;
      },
    });
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const chunk = await within(reader.read(), this.timing.idleMs);
        if (chunk === TIMED_OUT) throw new Error(`Keyway's revocation feed (${this.options.url}) sent nothing for ${this.timing.idleMs / 1000} s`);
        if (chunk.done) return;
        parser.feed(chunk.value);
        for (const event of events.splice(0)) {
          await this.options.onEvent(event);
          if (event.id !== undefined) this.lastEventId = event.id;
        }
        if (replayEnded && !told) {
          told = true;
          replayed();
        }
      }
    } finally {
      this.connection?.abort();
      void reader.cancel().catch(() => {});
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

const TIMED_OUT = Symbol('timed out');

/** `promise`'s value, or TIMED_OUT after `ms` (the timer cleared either way). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
