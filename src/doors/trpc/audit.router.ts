import { ADMIN_ROLE } from '../../core/permissions.js';
import { auditListInput } from '../../core/schemas.js';
import { auditPageView } from '../views.js';
import { roleProcedure, router } from './trpc.js';

/** The audit trail, for admins. */
export const auditRouter = router({
  /** Security events, newest first; pass `nextCursor` as `after` for the next page. */
  list: roleProcedure(ADMIN_ROLE)
    .input(auditListInput.prefault({}))
    .query(async ({ input: { limit, after, ...filter }, ctx }) => auditPageView(await ctx.services.audit.list(filter, limit, after))),
});
