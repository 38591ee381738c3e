import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyPluginAsync } from 'fastify';
import type { Metrics } from './metrics.js';

export interface MetricsDoorOptions {
  metrics: Metrics;
  /** METRICS_TOKEN: the bearer token a scraper sends; unset, only loopback clients are answered. */
  token?: string;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6. */
function isLoopback(address: string): boolean {
  const ip = address.startsWith('::ffff:') ? address.slice(7) : address;
  return ip === '::1' || (isIP(ip) === 4 && ip.startsWith('127.'));
}

/** `GET /metrics` in Prometheus' text format (SPEC §12), for a scraper with the token, or on this machine. */
export const metricsDoor: FastifyPluginAsync<MetricsDoorOptions> = async (app, { metrics, token }) => {
  const expected = token === undefined ? undefined : digest(token);

  app.get('/metrics', async (request, reply) => {
    if (expected) {
      // Compared as digests, in constant time: the header's length says nothing either.
      const presented = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
      if (!timingSafeEqual(digest(presented), expected)) {
        return reply.code(401).header('www-authenticate', 'Bearer realm="metrics"').send({ error: 'A bearer token (METRICS_TOKEN) is required' });
      }
    } else if (!isLoopback(request.ip)) {
      return reply.code(403).send({ error: 'Metrics are answered on loopback only unless METRICS_TOKEN is set' });
    }
    reply.header('content-type', metrics.registry.contentType).header('cache-control', 'no-store');
    return metrics.registry.metrics();
  });
};
