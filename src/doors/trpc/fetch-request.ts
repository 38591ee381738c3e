import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The fetch `Request` tRPC resolves, carrying the body Fastify has already
 * read under its body limit. tRPC's own conversion (`incomingMessageToRequest`)
 * reads the socket itself for the inputs it parses from a stream (FormData,
 * octet streams), with no limit unless it is given one, and turns any body it
 * was handed that is not a string into JSON text; here the body is bytes read
 * once, by Fastify, and never more than the limit.
 */
export function fetchRequestOf(request: FastifyRequest, reply: FastifyReply): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.append(name, value);
  }
  // A streamed answer stops when its client goes; `close` also follows a complete answer, which is no abort.
  const abort = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableEnded) abort.abort();
  });
  const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : (request.body as Buffer | undefined);
  // tRPC reads the query (`input`, `batch`) from the URL; its origin plays no part.
  return new Request(new URL(request.url, 'http://keyway'), { method: request.method, headers, body, signal: abort.signal });
}
