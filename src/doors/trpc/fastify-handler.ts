import type { AnyTRPCRouter, inferRouterContext, TRPCError } from '@trpc/server';
import { resolveResponse, type TRPCRequestInfo } from '@trpc/server/http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * tRPC's Fastify adapter, copied and changed. Diff it against upstream when
 * @trpc/server is upgraded. It mirrors @trpc/server 11.25.2 (package.json):
 *
 * - node_modules/@trpc/server/src/adapters/fastify/fastifyTRPCPlugin.ts,
 *   `fastifyTRPCPlugin`: the content type parsers and the `/:path` route
 *   (here `mountTRPC`; no WebSockets);
 * - node_modules/@trpc/server/src/adapters/fastify/fastifyRequestHandler.ts,
 *   `fastifyRequestHandler`: resolve the fetch Request, send the Response
 *   (here the route handler and `send`);
 * - node_modules/@trpc/server/src/adapters/node-http/incomingMessageToRequest.ts,
 *   `incomingMessageToRequest` with `createHeaders`, `createURL`, `createBody`
 *   (here `fetchRequestOf`).
 *
 * What it does differently, and why:
 *
 * 1. Every body, whatever its type, is read by Fastify as bytes under its
 *    `bodyLimit` (a body declared larger is refused unread), and the Request
 *    carries those bytes. Upstream parses JSON as text but hands tRPC a
 *    multipart body as the unread socket, which tRPC reads itself up to
 *    `maxBodySize` (without a limit unless given one); other types get no
 *    parser (Fastify answers 415). Upstream's `createBody` also turns a body
 *    that is neither text nor the socket (Fastify's Buffer) into JSON text,
 *    so bytes cannot be handed to it intact.
 * 2. A complete JSON answer (`application/json`, not marked chunked) is sent
 *    as one string: one write, with its Content-Length. Upstream hands Fastify
 *    the fetch Response, which it pipes as a stream, chunked; in the profile
 *    of `auth.verifyToken` that stream and its extra write were the largest
 *    cost after the socket. Streamed answers (httpBatchStreamLink's JSON
 *    lines, server-sent events) and anything else still go as the Response.
 *    Upstream's handler with an onSend hook buffering its Response (and every
 *    body parsed as text) passes the same tests but served about 13% fewer
 *    `auth.verifyToken` calls per second (README, "What made the doors fast").
 * 3. `createContext` gets the Fastify request and tRPC's `info`, not a copy of
 *    every option spread with `req` and `res`; `onError` likewise.
 * 4. The URL's origin is fixed: tRPC reads only its path and query, and a
 *    malformed Host header is then no reason to refuse a request. HTTP/2
 *    pseudo-headers are not skipped (Keyway serves HTTP/1.1), and the abort
 *    follows the response's `close` alone, not also the request's deprecated
 *    `aborted`.
 */

export interface TRPCRouteOptions<TRouter extends AnyTRPCRouter> {
  router: TRouter;
  /** Procedures per batched request. */
  maxBatchSize: number;
  createContext(request: FastifyRequest, info: TRPCRequestInfo): Promise<inferRouterContext<TRouter>>;
  onError(request: FastifyRequest, error: TRPCError): void;
}

/** The router at `${prefix}/:path`, in `app`'s own context (its content type parsers are replaced). */
export function mountTRPC<TRouter extends AnyTRPCRouter>(app: FastifyInstance, prefix: string, options: TRPCRouteOptions<TRouter>): void {
  const { router, maxBatchSize, createContext, onError } = options;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.all<{ Params: { path: string } }>(`${prefix}/:path`, async (request, reply) => {
    const response = await resolveResponse({
      router,
      path: request.params.path,
      req: fetchRequestOf(request, reply),
      error: null,
      maxBatchSize,
      createContext: ({ info }) => createContext(request, info),
      onError: ({ error }) => onError(request, error),
    });
    return send(reply, response);
  });
}

/** The fetch Request tRPC resolves, carrying the body Fastify has already read. */
function fetchRequestOf(request: FastifyRequest, reply: FastifyReply): Request {
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

async function send(reply: FastifyReply, response: Response): Promise<FastifyReply> {
  const complete = response.headers.get('content-type') === 'application/json' && !response.headers.has('transfer-encoding');
  if (!complete) return reply.send(response);
  reply.status(response.status);
  for (const [name, value] of response.headers) reply.header(name, value);
  return reply.send(await response.text());
}
