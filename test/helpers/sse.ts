import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import { EventSource } from 'eventsource';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { AppRouter } from '../../src/doors/trpc/index.js';

/** One Server-Sent Events stream, read as it arrives (eventsource-parser), comments included. */
export interface EventStream {
  status: number;
  headers: Headers;
  /** The body of a refusal (anything but 200), parsed as JSON. */
  refusal?: unknown;
  /** Every event received so far, in order. */
  events: EventSourceMessage[];
  /** When each event arrived (Date.now()), by its index. */
  arrivals: number[];
  /** Every comment line received so far (keep-alives). */
  comments: string[];
  /** Resolves once `done` holds of what was received, or rejects after `timeoutMs`. */
  until(done: (stream: EventStream) => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

export async function openEventStream(url: string, headers: Record<string, string> = {}, init: RequestInit = {}): Promise<EventStream> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal, ...init });
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of waiters) waiter();
  };
  const stream: EventStream = {
    status: response.status,
    headers: response.headers,
    events: [],
    arrivals: [],
    comments: [],
    ended: Promise.resolve(),
    close: () => abort.abort(),
    until(done, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!done(stream)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`not received within ${timeoutMs} ms: ${JSON.stringify(stream.events.map((event) => event.id))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
  if (response.status !== 200) {
    stream.refusal = JSON.parse(await response.text());
    return stream;
  }
  const parser = createParser({
    onEvent: (event) => {
      stream.events.push(event);
      stream.arrivals.push(Date.now());
      wake();
    },
    onComment: (comment) => {
      stream.comments.push(comment);
      wake();
    },
  });
  const decoder = new TextDecoder();
  stream.ended = (async () => {
    try {
      for await (const chunk of response.body!) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
    } catch {
      // Closed by the test.
    }
    wake();
  })();
  return stream;
}

/** A typed tRPC client of `baseUrl` whose subscriptions go over SSE with a bearer token (the `eventsource` package sends headers). */
export function trpcSubscriber(baseUrl: string, token: string) {
  const headers = { authorization: `Bearer ${token}` };
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (operation) => operation.type === 'subscription',
        true: httpSubscriptionLink({
          url: `${baseUrl}/trpc`,
          EventSource,
          eventSourceOptions: () => ({ fetch: (url, init) => fetch(url, { ...init, headers: { ...init?.headers, ...headers } }) }),
        }),
        false: httpLink({ url: `${baseUrl}/trpc`, headers }),
      }),
    ],
  });
}
