import { Arg, Ctx, Directive, Int, Query, Resolver } from 'type-graphql';
import { auditListInput, parseInput } from '../../core/schemas.js';
import type { RequestContext } from '../request-context.js';
import { withoutNulls } from './inputs.js';
import { AuditFilter, AuditPage } from './types.js';

/** The audit trail, for admins. */
@Resolver()
export class AuditResolver {
  @Directive('@auth(roles: ["admin"])')
  @Query(() => AuditPage, { description: 'Security events, newest first, a page at a time.' })
  async auditEvents(
    @Arg('filter', () => AuditFilter, { nullable: true }) filter: AuditFilter | null,
    @Arg('limit', () => Int, { defaultValue: 50, nullable: true }) limit: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() { services }: RequestContext,
  ): Promise<AuditPage> {
    const input = parseInput(auditListInput, withoutNulls({ ...filter, limit, after }));
    const { limit: size, after: cursor, ...where } = input;
    return services.audit.list(where, size, cursor);
  }
}
