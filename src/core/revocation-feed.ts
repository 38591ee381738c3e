import { authorize, type Requirement } from './authorization.js';
import { ADMIN_ROLE } from './permissions.js';
import type { Principal } from './principal.js';
import type { SessionStore } from './records.js';
import type { LearnedRevocation, RevocationList } from './revocations.js';
import type { TokenService } from './tokens.js';

/** One revoked session (or client credential) as the feed tells it; `sequence` is its event id. */
export type RevocationEvent = LearnedRevocation;

/** Who may follow the feed: a machine client (a service verifying tokens), or an admin. */
export const FEED_READERS: Requirement = { roles: [ADMIN_ROLE], clients: true };

/** The live events held for a subscriber: one further behind reads them from the database instead. */
export const SUBSCRIBER_BACKLOG = 1000;
const REPLAY_PAGE = 500;
/** How long after its replay a subscriber still skips live events the replay already held. */
const REPLAY_OVERLAP_MS = 10_000;
/** Signed events kept for the next subscriber: signing is the costly part of an event. */
const SIGNED_KEPT = 10_000;

export interface FollowOptions {
  principal: Principal;
  /** The last event the subscriber saw (`Last-Event-ID`): only later ones are replayed. */
  after?: number;
  /** Ends the stream when the subscriber goes away. */
  signal?: AbortSignal;
  /**
   * For a door that takes events faster than its subscriber reads them
   * (graphql-sse queues them for the socket): resolves once what it was given
   * has left, and the next event waits for it.
   */
  drained?: () => Promise<void>;
  /** Told once the first replay is over: every later event is live (the SSE door writes a comment). */
  onReplayed?: () => void;
}

export interface RevocationFeed {
  /**
   * The revocations still in force (after `after`, when given), then each
   * one as this instance learns it, whoever made it. It ends when the
   * subscriber's token expires or its own session is revoked (that event
   * told first), when `signal` aborts, or when the server closes. An
   * event may come twice (a reconnection, a catch-up); a subscriber takes
   * them as idempotent. Anyone but FEED_READERS is refused when it is
   * called (FORBIDDEN), before a door starts a stream.
   */
  follow(options: FollowOptions): AsyncGenerator<RevocationEvent, void, undefined>;
  /** The event as a signed Security Event Token, signed once for every subscriber. */
  securityEvent(event: RevocationEvent): string;
  readonly subscribers: number;
  /** Ends every subscription (the server is closing). */
  close(): void;
}

/** A `Last-Event-ID`: a sequence, or undefined for anything else (the subscriber then gets the whole replay). */
export function eventIdOf(text: unknown): number | undefined {
  if (typeof text !== 'string' || !/^\d{1,15}$/.test(text)) return undefined;
  return Number(text);
}

export interface RevocationFeedOptions {
  store: Pick<SessionStore, 'revocationsAfter'>;
  revocations: Pick<RevocationList, 'onLearned'>;
  tokens: Pick<TokenService, 'signSecurityEvent'>;
  /** How long a revocation stays in force: the longest life of an access token. */
  retainSeconds: number;
}

export function createRevocationFeed({ store, revocations, tokens, retainSeconds }: RevocationFeedOptions): RevocationFeed {
  const subscribers = new Set<Mailbox>();
  const signed = new Map<number, string>();
  revocations.onLearned((events) => {
    for (const mailbox of subscribers) mailbox.deliver(events);
  });

  async function* replay(after: number | undefined): AsyncGenerator<RevocationEvent> {
    for (let cursor = 0; ; ) {
      const page = await store.revocationsAfter({ after, cursor, limit: REPLAY_PAGE, seconds: retainSeconds });
      yield* page;
      if (page.length < REPLAY_PAGE) return;
      cursor = page.at(-1)!.sequence;
    }
  }

  /** One subscriber's stream, once `follow` has let it in. */
  async function* stream({ principal, after, signal, drained, onReplayed }: FollowOptions): AsyncGenerator<RevocationEvent, void, undefined> {
    const told = async (event: RevocationEvent) => {
      await drained?.();
      return event;
    };
    const mailbox = new Mailbox();
    subscribers.add(mailbox);
    const expiry = setTimeout(() => mailbox.end(), Math.max(0, principal.claims.exp * 1000 - Date.now()));
    const abort = () => mailbox.end();
    if (signal?.aborted) abort();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      // Read from the database at the start, and again whenever the subscriber fell more than the
      // backlog behind: what waits for it in memory stays bounded, and it still misses nothing.
      for (let from = after; ; ) {
        // Live events are held from before the database is read, so none falls between the two.
        mailbox.resume();
        const replayed = new Set<number>();
        for await (const event of replay(from)) {
          if (mailbox.ended) return;
          replayed.add(event.sequence);
          from = Math.max(from ?? 0, event.sequence);
          yield await told(event);
          if (event.sessionId === principal.sessionId) return;
        }
        onReplayed?.();
        onReplayed = undefined;
        const overlapEnds = Date.now() + REPLAY_OVERLAP_MS;
        for (let events = await mailbox.next(); events !== BEHIND; events = await mailbox.next()) {
          if (events === null) return;
          if (replayed.size > 0 && Date.now() > overlapEnds) replayed.clear();
          for (const event of events) {
            if (replayed.has(event.sequence)) continue;
            from = Math.max(from ?? 0, event.sequence);
            yield await told(event);
            if (event.sessionId === principal.sessionId) return;
          }
        }
      }
    } finally {
      clearTimeout(expiry);
      signal?.removeEventListener('abort', abort);
      subscribers.delete(mailbox);
    }
  }

  return {
    follow(options) {
      authorize(options.principal, FEED_READERS);
      return stream(options);
    },

    securityEvent(event) {
      let token = signed.get(event.sequence);
      if (token === undefined) {
        token = tokens.signSecurityEvent(event);
        if (signed.size >= SIGNED_KEPT) signed.delete(signed.keys().next().value!);
        signed.set(event.sequence, token);
      }
      return token;
    },

    get subscribers() {
      return subscribers.size;
    },

    close() {
      for (const mailbox of subscribers) mailbox.end();
    },
  };
}

const BEHIND = Symbol('behind');

/**
 * One subscriber's live events not yet read, bounded: past SUBSCRIBER_BACKLOG
 * they are dropped, and the subscriber is told it is BEHIND (it reads them
 * from the database instead).
 */
class Mailbox {
  private queued: RevocationEvent[] = [];
  private waiting: (() => void) | undefined;
  private overflowed = false;
  ended = false;

  deliver(events: readonly RevocationEvent[]): void {
    if (this.ended || this.overflowed) return;
    if (this.queued.length + events.length > SUBSCRIBER_BACKLOG) {
      this.overflowed = true;
      this.queued = [];
    } else this.queued.push(...events);
    this.wake();
  }

  /** Takes live events again, from now on (after reading the database). */
  resume(): void {
    this.overflowed = false;
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  /** The events queued since the last call, waiting for some; BEHIND after an overflow; null once ended. */
  async next(): Promise<readonly RevocationEvent[] | typeof BEHIND | null> {
    while (this.queued.length === 0 && !this.ended && !this.overflowed) {
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
    if (this.ended) return null;
    if (this.overflowed) return BEHIND;
    const events = this.queued;
    this.queued = [];
    return events;
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }
}
