import { ADMIN_ROLE } from '../../core/permissions.js';
import { keyView } from '../views.js';
import { roleProcedure, router } from './trpc.js';

const adminProcedure = roleProcedure(ADMIN_ROLE);

/** The signing keys, for admins: as the command line's `keys list` and `keys rotate`. */
export const keysRouter = router({
  /** The keys published in the JWKS: pending (not signing yet), active, retired (verifying until their tokens expire). */
  list: adminProcedure.query(async ({ ctx }) => (await ctx.services.keys.list()).map(keyView)),

  /** A new key, published now and signing after the activation delay; the current one retires then. */
  rotate: adminProcedure.mutation(async ({ ctx }) => keyView(await ctx.services.keys.rotate(ctx.actor))),
});
