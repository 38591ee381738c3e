import { initTRPC } from '@trpc/server';
import { authorize, type Requirement } from '../../core/authorization.js';
import type { Permission } from '../../core/permissions.js';
import { ADMIN_ROLE } from '../../core/permissions.js';
import { requireUser } from '../../core/principal.js';
import { FEED_READERS } from '../../core/revocation-feed.js';
import { caller, type RequestContext } from '../request-context.js';
import { domainErrorOf, trpcCodeOf, type DomainErrorData } from './errors.js';

/**
 * One initTRPC for the whole router. No transformer: inputs and outputs are
 * plain JSON (dates as ISO strings), so curl works as well as @trpc/client.
 */
const t = initTRPC.context<RequestContext>().create({
  // Subscriptions (auth.revocations) over Server-Sent Events: a comment every 15 s keeps an idle stream
  // open through proxies, and a client hearing nothing for a minute reconnects (resuming after its last event).
  sse: { ping: { enabled: true, intervalMs: 15_000 }, client: { reconnectAfterInactivityMs: 60_000 } },
  errorFormatter({ shape, error }) {
    const { error: domain } = domainErrorOf(error);
    const { code, jsonRpcCode, httpStatus } = trpcCodeOf(error, domain);
    // tRPC answers with the HTTP status found here.
    const data: typeof shape.data & DomainErrorData = { code, httpStatus, path: shape.data.path, domainCode: domain.code, ...domain.details };
    // Never a stack, never the text of an unexpected error.
    return { message: domain.message, code: jsonRpcCode, data };
  },
});

export const router = t.router;

export const publicProcedure = t.procedure;

/**
 * A signed-in caller; a bad token answers with its precise code (TOKEN_EXPIRED, UNAUTHENTICATED).
 * `actor` is the caller and where they call from, as the audit trail records them.
 */
export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  const principal = caller(ctx);
  return next({ ctx: { caller: principal, actor: { principal, client: ctx.client } } });
});

/** A signed-in user: a machine client is refused (FORBIDDEN) where only users have what is asked for. */
export const userProcedure = authedProcedure.use(({ ctx, next }) => next({ ctx: { caller: requireUser(ctx.caller) } }));

function guarded(requirement: Requirement) {
  return authedProcedure.use(({ ctx, next }) => {
    authorize(ctx.caller, requirement);
    return next();
  });
}

export const roleProcedure = (...roles: string[]) => guarded({ roles });
/** An admin: users, roles, sessions of others, the audit trail, clients, keys. */
export const adminProcedure = roleProcedure(ADMIN_ROLE);
/** A machine client or an admin: who may follow the revocation feed. */
export const feedReaderProcedure = guarded(FEED_READERS);
/** A caller whose session passed a second factor (step-up): `amr` holds `otp`. */
export const mfaProcedure = userProcedure.use(({ ctx, next }) => {
  authorize(ctx.caller, { mfa: true });
  return next();
});
export const permissionProcedure = (...permissions: Permission[]) => guarded({ permissions });
