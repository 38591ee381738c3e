import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { Actor } from '../core/audit.js';
import type { ClientInfo, Door } from '../core/auth.service.js';
import { requirePrincipal } from '../core/authorization.js';
import { requireUser, type Principal, type PrincipalResult, type UserPrincipal } from '../core/principal.js';
import type { Services } from '../core/services.js';

/** What a GraphQL resolver or a tRPC procedure knows of its request. */
export interface RequestContext {
  services: Services;
  /**
   * The bearer token, decoded once per request. A bad token is kept as its
   * reason, not turned into an anonymous caller: guarded operations answer
   * with it, public ones (`login`) still work.
   */
  principal: PrincipalResult;
  client: ClientInfo;
  log: FastifyBaseLogger;
  /** For a subscription whose door writes the socket itself (GraphQL over SSE). */
  subscriber?: {
    /** Aborted when the client goes: what ends a subscription waiting for its next event. */
    signal: AbortSignal;
    /** Resolves once what was written has left (the next event waits for it). */
    drained(): Promise<void>;
  };
}

export function createRequestContext(services: Services, request: FastifyRequest, door: Door): RequestContext {
  return {
    services,
    principal: services.resolvePrincipal(request.headers.authorization, door),
    client: clientOf(request, door),
    log: request.log,
  };
}

/** Where a request came from, as the services record it (throttling, sessions). */
export function clientOf(request: FastifyRequest, door: Door): ClientInfo {
  return { ip: request.ip, userAgent: request.headers['user-agent'], door };
}

/** The caller of a guarded operation (the guard has already refused anyone else). */
export function caller(context: RequestContext): Principal {
  return requirePrincipal(context.principal);
}

/** The caller of an operation only users have (their sessions, password, second factor); a machine client is refused. */
export function userOf(context: RequestContext): UserPrincipal {
  return requireUser(caller(context));
}

/** The caller of a guarded operation and where they call from, as the audit trail records them. */
export function actor(context: RequestContext): Actor & { principal: Principal } {
  return { principal: caller(context), client: context.client };
}
