import { once } from 'node:events';
import type { FastifyPluginAsync } from 'fastify';
import { requirePrincipal } from '../../core/authorization.js';
import { DomainError } from '../../core/errors.js';
import { eventIdOf, type RevocationEvent } from '../../core/revocation-feed.js';
import type { Services } from '../../core/services.js';
import { watchSubscriber } from '../streams.js';

export interface EventsDoorOptions {
  services: Services;
  /** FEED_KEEPALIVE: how often an idle stream gets a comment line. */
  keepAliveMs: number;
}

const REFUSALS: Record<string, number> = { UNAUTHENTICATED: 401, TOKEN_EXPIRED: 401, FORBIDDEN: 403 };

/**
 * `GET /events/revocations` (SPEC §14): Server-Sent Events, each a revoked
 * session as a signed Security Event Token, for a machine client or an admin.
 * The stream is written straight to the socket, as fast as the subscriber
 * reads: one that falls behind reads from the database (core/revocation-feed.ts
 * bounds what waits for it in memory), one whose socket stays full is dropped
 * (doors/streams.ts) and resumes with `Last-Event-ID`.
 */
export const eventsDoor: FastifyPluginAsync<EventsDoorOptions> = async (app, { services, keepAliveMs }) => {
  app.get('/events/revocations', async (request, reply) => {
    const gone = new AbortController();
    // The comment `replayed` tells a subscriber that what follows is live (keyway/verify waits for it).
    const onReplayed = () => reply.raw.write(': replayed\n\n');
    let events;
    try {
      const principal = requirePrincipal(services.resolvePrincipal(request.headers.authorization, 'rest'));
      // Refused here, before the stream starts: the core lets in FEED_READERS only.
      events = services.feed.follow({ principal, after: eventIdOf(request.headers['last-event-id']), signal: gone.signal, onReplayed });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.code !== 'FORBIDDEN') reply.header('www-authenticate', 'Bearer realm="keyway"');
      return reply.code(REFUSALS[error.code] ?? 400).send({ error: error.code, message: error.message });
    }
    const raw = reply.hijack().raw;
    raw.on('close', () => gone.abort());
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // nginx would otherwise hold events back to fill its buffer.
      'x-accel-buffering': 'no',
    });
    // Sent now, not with the first event: a subscriber learns at once that it is following.
    raw.flushHeaders();
    const stopWatching = watchSubscriber(raw, keepAliveMs, { keepAlive: true });
    try {
      for await (const event of events) {
        if (!raw.write(eventText(event, services.feed.securityEvent(event)))) await once(raw, 'drain', { signal: gone.signal });
      }
    } catch (error) {
      if (!gone.signal.aborted) request.log.error({ err: error }, 'the revocation feed failed');
    } finally {
      stopWatching();
      raw.end();
    }
  });
};

function eventText(event: RevocationEvent, token: string): string {
  return `id: ${event.sequence}\nevent: session-revoked\ndata: ${token}\n\n`;
}
