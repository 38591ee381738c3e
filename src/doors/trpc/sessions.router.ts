import { sessionIdInput, userIdInput } from '../../core/schemas.js';
import { sessionView } from '../views.js';
import { adminProcedure, authedProcedure, router, userProcedure } from './trpc.js';

/** Sessions a user can see and end ("sign out that laptop"); an admin, anyone's. */
export const sessionsRouter = router({
  /** The caller's live sessions, the most recently used first; `current` marks this one. */
  mine: userProcedure.query(async ({ ctx }) => (await ctx.services.sessions.list(ctx.caller.userId, ctx.caller.sessionId)).map(sessionView)),

  /** Ends one session (its tokens are refused from then on); the caller's own, or anyone's for an admin. */
  revoke: authedProcedure.input(sessionIdInput).mutation(async ({ input, ctx }) => {
    await ctx.services.sessions.revoke(ctx.actor, input.id);
    return true;
  }),

  ofUser: adminProcedure
    .input(userIdInput)
    .query(async ({ input, ctx }) => (await ctx.services.sessions.list(input.userId, ctx.caller.sessionId)).map(sessionView)),
});
