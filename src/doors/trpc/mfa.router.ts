import { confirmTotpInput, passwordInput } from '../../core/schemas.js';
import { mfaProcedure, router, userProcedure } from './trpc.js';

/** The caller's own second factor: TOTP enrolment, turning it off, new recovery codes. */
export const mfaRouter = router({
  /** A new secret (`secret`, `otpauthUri`), pending until `confirmTotp` gets a code of it. */
  startTotp: userProcedure.mutation(({ ctx }) => ctx.services.mfa.startTotp(ctx.caller)),

  /** Turns TOTP on; answers 10 single-use recovery codes, shown this once; revokes the caller's other sessions. */
  confirmTotp: userProcedure
    .input(confirmTotpInput)
    .mutation(({ input, ctx }) => ctx.services.mfa.confirmTotp(ctx.caller, input.code, ctx.client)),

  /** Only from a session that passed the second factor, and after the password. */
  disable: mfaProcedure.input(passwordInput).mutation(async ({ input, ctx }) => {
    await ctx.services.mfa.disable(ctx.caller, input.password, ctx.client);
    return true;
  }),

  regenerateRecoveryCodes: mfaProcedure
    .input(passwordInput)
    .mutation(({ input, ctx }) => ctx.services.mfa.regenerateRecoveryCodes(ctx.caller, input.password, ctx.client)),
});
