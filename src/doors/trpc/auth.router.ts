import { tracked } from '@trpc/server';
import { eventIdOf } from '../../core/revocation-feed.js';
import {
  changePasswordInput,
  completeLoginInput,
  loginInput,
  logoutInput,
  refreshInput,
  revocationsInput,
  verifyTokenInput,
} from '../../core/schemas.js';
import { feedReaderProcedure, publicProcedure, router, userProcedure } from './trpc.js';
import { revocationView, tokenPairView, userView, verificationView } from '../views.js';

export const authRouter = router({
  /** A user with a second factor is answered UNAUTHORIZED with `data.domainCode: "MFA_REQUIRED"` and `data.mfaToken`. */
  login: publicProcedure
    .input(loginInput)
    .mutation(async ({ input, ctx }) => tokenPairView(await ctx.services.auth.login(input, ctx.client))),

  /** Completes a challenged login with a TOTP or recovery code. */
  completeLogin: publicProcedure
    .input(completeLoginInput)
    .mutation(async ({ input, ctx }) => tokenPairView(await ctx.services.mfa.completeLogin(input.mfaToken, input.code, ctx.client))),

  /** A new pair for the same session; a reused rotated token revokes it (outside the reuse interval). */
  refresh: publicProcedure
    .input(refreshInput)
    .mutation(async ({ input, ctx }) => tokenPairView(await ctx.services.sessions.refresh(input.refreshToken, ctx.client))),

  logout: userProcedure.input(logoutInput.optional()).mutation(async ({ input, ctx }) => {
    await ctx.services.sessions.logout(ctx.caller, input?.allSessions ?? false, ctx.client);
    return true;
  }),

  changePassword: userProcedure.input(changePasswordInput).mutation(async ({ input, ctx }) => {
    await ctx.services.auth.changePassword(ctx.caller, input, ctx.client);
    return true;
  }),

  /**
   * Verifies `token`, or the request's bearer token when omitted; a bad token is `valid: false`.
   * A mutation, so called by POST: a query's input travels in the URL, and a token must not.
   */
  verifyToken: publicProcedure.input(verifyTokenInput.optional()).mutation(({ input, ctx }) => {
    const { auth } = ctx.services;
    return verificationView(input?.token === undefined ? auth.verifyCaller(ctx.principal) : auth.verify(input.token, 'trpc'));
  }),

  me: userProcedure.query(async ({ ctx }) => userView(await ctx.services.auth.me(ctx.caller))),

  /**
   * Revoked sessions as they happen (SPEC §14), over Server-Sent Events
   * (httpSubscriptionLink): first those still in force, then each new one.
   * Each is tracked by its sequence, so a reconnecting client resumes after
   * the last it saw (a malformed `lastEventId` gets the whole replay). For a
   * machine client or an admin; it ends when the caller's token expires.
   */
  revocations: feedReaderProcedure.input(revocationsInput).subscription(async function* ({ input, ctx, signal }) {
    const events = ctx.services.feed.follow({ principal: ctx.caller, after: eventIdOf(input?.lastEventId), signal });
    for await (const event of events) yield tracked(String(event.sequence), revocationView(event));
  }),
});
