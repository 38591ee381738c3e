import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Door } from '../../core/auth.service.js';
import type { RevokedSession } from '../../core/records.js';
import type { LoginOutcome, Telemetry } from '../../core/telemetry.js';

export type PoolStats = () => Promise<{ total: number; idle: number; waiting: number } | null>;

export interface Metrics extends Telemetry {
  registry: Registry;
  /** Reports the database pool's connections at each scrape. */
  watchPool(stats: PoolStats): void;
  /** Fastify's onResponse hook: each answer's duration, by door. */
  onResponse(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void;
}

const HTTP_DOORS = ['rest', 'graphql', 'trpc', 'oauth'] as const;
type HttpDoor = (typeof HTTP_DOORS)[number];

/** The door of a request, by its path's first segment. */
function doorOf(url: string): HttpDoor | null {
  if (url.startsWith('/graphql')) return 'graphql';
  if (url.startsWith('/trpc/')) return 'trpc';
  if (url.startsWith('/oauth/')) return 'oauth';
  if (url === '/metrics' || url.startsWith('/metrics?')) return null; // the scraper's own requests are not traffic
  return 'rest';
}

/**
 * Keyway's metrics in Prometheus' format, in a registry of this server's own
 * (tests run several in one process): the counters the core reports through
 * `Telemetry`, request durations, the process' own metrics and the pool's.
 * Counters on hot paths are bound to their labels once, so counting is an
 * increment.
 */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const logins = new Counter({
    name: 'keyway_logins_total',
    help: 'Login attempts, by door and outcome (success, failure, throttled, mfa_required).',
    labelNames: ['door', 'outcome'] as const,
    registers,
  });
  const verifications = new Counter({
    name: 'keyway_token_verifications_total',
    help: 'Access tokens verified, by door and outcome (success, failure).',
    labelNames: ['door', 'outcome'] as const,
    registers,
  });
  const durations = new Histogram({
    name: 'keyway_http_request_duration_seconds',
    help: 'How long answers took, by door.',
    labelNames: ['door'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const revoked = new Counter({
    name: 'keyway_sessions_revoked_total',
    help: 'Sessions this instance revoked, by reason.',
    labelNames: ['reason'] as const,
    registers,
  });
  let poolStats: PoolStats = async () => null;
  new Gauge({
    name: 'keyway_db_pool_connections',
    help: "The database pool's connections, by state (total, idle, waiting requests); absent on PGlite.",
    labelNames: ['state'] as const,
    registers,
    async collect() {
      const stats = await poolStats().catch(() => null);
      if (!stats) return;
      this.set({ state: 'total' }, stats.total);
      this.set({ state: 'idle' }, stats.idle);
      this.set({ state: 'waiting' }, stats.waiting);
    },
  });

  // Every door a token can be verified at, both outcomes, bound once: verification is the hot path.
  const bound = (door: Door) => ({ true: verifications.labels(door, 'success'), false: verifications.labels(door, 'failure') });
  const verified: Record<Door, ReturnType<typeof bound>> = {
    rest: bound('rest'),
    graphql: bound('graphql'),
    trpc: bound('trpc'),
    cli: bound('cli'),
    oauth: bound('oauth'),
  };
  const timed = Object.fromEntries(HTTP_DOORS.map((door) => [door, durations.labels(door)])) as Record<HttpDoor, Histogram.Internal<'door'>>;

  return {
    registry,
    watchPool(stats) {
      poolStats = stats;
    },
    login(door: Door, outcome: LoginOutcome) {
      logins.labels(door, outcome).inc();
    },
    verification(door: Door, valid: boolean) {
      verified[door][`${valid}`].inc();
    },
    revoked(sessions: readonly RevokedSession[]) {
      for (const session of sessions) revoked.labels(session.reason).inc();
    },
    onResponse(request, reply, done) {
      const door = doorOf(request.url);
      if (door) timed[door].observe(reply.elapsedTime / 1000);
      done();
    },
  };
}
