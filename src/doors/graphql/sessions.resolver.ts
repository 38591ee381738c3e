import { Arg, Ctx, Directive, ID, Mutation, Query, Resolver } from 'type-graphql';
import { idField, parseInput, sessionIdField } from '../../core/schemas.js';
import { actor, caller, userOf, type RequestContext } from '../request-context.js';
import { Session } from './types.js';

/** Sessions a user can see and end; an admin, anyone's. */
@Resolver()
export class SessionsResolver {
  @Directive('@auth')
  @Query(() => [Session], { description: "The caller's live sessions, the most recently used first." })
  mySessions(@Ctx() context: RequestContext): Promise<Session[]> {
    const { userId, sessionId } = userOf(context);
    return context.services.sessions.list(userId, sessionId);
  }

  @Directive('@auth')
  @Mutation(() => Boolean, { description: "Ends one session, its tokens refused from then on: the caller's own, or anyone's for an admin." })
  async revokeSession(@Arg('id', () => ID) id: string, @Ctx() context: RequestContext): Promise<boolean> {
    await context.services.sessions.revoke(actor(context), parseInput(sessionIdField, id));
    return true;
  }

  @Directive('@auth(roles: ["admin"])')
  @Query(() => [Session])
  userSessions(@Arg('userId', () => ID) userId: string, @Ctx() context: RequestContext): Promise<Session[]> {
    return context.services.sessions.list(parseInput(idField, userId), caller(context).sessionId);
  }
}
