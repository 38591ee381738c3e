import { auditListInput } from '../../core/schemas.js';
import { auditPageView } from '../views.js';
import { adminProcedure, router } from './trpc.js';

/** The audit trail, for admins. */
export const auditRouter = router({
  /** Security events, newest first; pass `nextCursor` as `after` for the next page. */
  list: adminProcedure
    .input(auditListInput.prefault({}))
    .query(async ({ input: { limit, after, ...filter }, ctx }) => auditPageView(await ctx.services.audit.list(filter, limit, after))),
});
