import { keyView } from '../views.js';
import { adminProcedure, router } from './trpc.js';

/** The signing keys, for admins: as the command line's `keys list` and `keys rotate`. */
export const keysRouter = router({
  /** The keys published in the JWKS: pending (not signing yet), active, retired (verifying until their tokens expire). */
  list: adminProcedure.query(async ({ ctx }) => (await ctx.services.keys.list()).map(keyView)),

  /** A new key, published now and signing after the activation delay; the current one retires then. */
  rotate: adminProcedure.mutation(async ({ ctx }) => keyView(await ctx.services.keys.rotate(ctx.actor))),
});
