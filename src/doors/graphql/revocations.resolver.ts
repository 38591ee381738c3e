import { Arg, Directive, ID, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { eventIdOf, type RevocationEvent } from '../../core/revocation-feed.js';
import { caller, type RequestContext } from '../request-context.js';
import { Revocation } from './types.js';

/** Revocations pushed to other services (SPEC §14), over GraphQL over SSE at /graphql/stream. */
@Resolver()
export class RevocationsResolver {
  @Directive('@auth(roles: ["admin"], clients: true)')
  @Subscription(() => Revocation, {
    description:
      'Revoked sessions: first those still in force (after `after`, when given), then each as it happens. For a machine client or an admin; it ends when their token expires. Served at /graphql/stream (GraphQL over SSE).',
    subscribe: ({ args, context }: SubscribeResolverData<unknown, { after?: string | null }, RequestContext>) =>
      context.services.feed.follow({ principal: caller(context), after: eventIdOf(args.after), ...context.subscriber }),
  })
  revocations(@Root() event: RevocationEvent, @Arg('after', () => ID, { nullable: true }) _after?: string): Revocation {
    return { sessionId: event.sessionId, revokedAt: event.revokedAt, sequence: String(event.sequence) };
  }
}
