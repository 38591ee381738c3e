import {
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  transformTRPCResponse,
  type AnyTRPCProcedure,
  type AnyTRPCRouter,
  type inferRouterContext,
  type TRPCError,
} from '@trpc/server';
import { getHTTPStatusCode, resolveResponse, type TRPCRequestInfo } from '@trpc/server/http';
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
 * 5. A single call in JSON (a GET query, a POST mutation; no batch, no
 *    stream) is answered without a fetch Request and Response: its procedure
 *    is called and its answer written as `resolveResponse` does for one call
 *    (node_modules/@trpc/server/src/unstable-core-do-not-import/http/resolveResponse.ts,
 *    the `!info.isBatchCall` branch; the JSON handler of contentType.ts reads
 *    the input), with tRPC's own functions for the error's shape, its status
 *    and the body. The Request, its Headers, the Response and reading it back
 *    through a web stream cost more than the rest of a tRPC call: `auth.me`
 *    on PostgreSQL served about a third fewer calls a second with them.
 *    Anything else, and anything this reading would not take exactly as
 *    tRPC's (a batch, a stream, another method or content type, a path to
 *    decode, input that is not JSON), goes to `resolveResponse`, which
 *    answers it.
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
    const single = singleCallOf(router, request);
    if (single) return answerSingleCall(options, request, reply, single);
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

/** A single call in JSON, read as tRPC's JSON handler reads it. */
interface SingleCall {
  path: string;
  procedure: AnyTRPCProcedure;
  type: 'query' | 'mutation';
  /** Deserialised as tRPC does; undefined when the request has none. */
  input: unknown;
}

// Names tRPC finds as they are: nothing to decode, no batch's commas.
const PROCEDURE_PATH = /^[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*$/;

/** The request as one call this handler answers itself, or undefined: resolveResponse answers it. */
function singleCallOf(router: AnyTRPCRouter, request: FastifyRequest<{ Params: { path: string } }>): SingleCall | undefined {
  const { path } = request.params;
  const procedures = router._def.procedures as Record<string, AnyTRPCProcedure>;
  if (!PROCEDURE_PATH.test(path) || !Object.hasOwn(procedures, path)) return undefined;
  const procedure = procedures[path]!;
  const type = procedure._def.type;
  const { headers } = request;
  if (headers['trpc-accept'] !== undefined || headers.accept?.includes('application/jsonl')) return undefined;
  const mediaType = headers['content-type']?.split(';', 1)[0]!.trim().toLowerCase();
  const search = request.url.indexOf('?');
  const params = new URLSearchParams(search === -1 ? '' : request.url.slice(search + 1));
  if (params.has('batch') || params.has('connectionParams')) return undefined;

  let text: string | undefined;
  if (request.method === 'GET' && type === 'query' && (mediaType === undefined || mediaType === 'application/json')) {
    text = params.get('input') ?? undefined;
  } else if (request.method === 'POST' && type === 'mutation' && mediaType === 'application/json') {
    text = (request.body as Buffer | undefined)?.toString('utf8');
    // The fetch Request's text() drops a byte order mark; Buffer's does not.
    if (text?.startsWith('\uFEFF')) return undefined;
  } else {
    return undefined;
  }
  if (!text) return { path, procedure, type, input: undefined };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  return { path, procedure, type, input: router._def._config.transformer.input.deserialize(parsed) };
}

/** What resolveResponse answers one call with: `{"result":{"data":…}}`, or `{"error": shape}` at the shape's status. */
async function answerSingleCall<TRouter extends AnyTRPCRouter>(
  { router, createContext, onError }: TRPCRouteOptions<TRouter>,
  request: FastifyRequest,
  reply: FastifyReply,
  { path, procedure, type, input }: SingleCall,
): Promise<FastifyReply> {
  const config = router._def._config;
  let inputRead = false;
  const getRawInput = async () => {
    inputRead = true;
    return input;
  };
  let abort: AbortController | undefined;
  const signal = () => {
    if (!abort) {
      abort = new AbortController();
      const controller = abort;
      reply.raw.once('close', () => {
        if (!reply.raw.writableEnded) controller.abort();
      });
    }
    return abort.signal;
  };
  const info: TRPCRequestInfo = {
    accept: null,
    type,
    isBatchCall: false,
    calls: [{ path, procedure, batchIndex: 0, getRawInput, result: () => (inputRead ? input : undefined) }],
    connectionParams: null,
    get signal() {
      return signal();
    },
    url: null,
  };
  let ctx: inferRouterContext<TRouter> | undefined;
  let body: object;
  let error: TRPCError | undefined;
  try {
    ctx = await createContext(request, info);
    body = { result: { data: await procedure({ path, getRawInput, ctx, type, signal: undefined, batchIndex: 0 }) } };
  } catch (cause) {
    error = getTRPCErrorFromUnknown(cause);
    onError(request, error);
    body = { error: getTRPCErrorShape({ config, ctx, error, input: inputRead ? input : undefined, path, type }) };
  }
  reply.status(getHTTPStatusCode(body as never, error ? [error] : []));
  reply.header('content-type', 'application/json');
  reply.header('vary', 'trpc-accept, accept');
  return reply.send(JSON.stringify(transformTRPCResponse(config, body as never)));
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
