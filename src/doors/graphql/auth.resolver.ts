import { Arg, Ctx, Directive, Mutation, Query, Resolver } from 'type-graphql';
import { changePasswordInput, loginInput, parseInput, refreshInput, tokenField } from '../../core/schemas.js';
import { caller, type RequestContext } from '../request-context.js';
import { AuthPayload, TokenVerification, User } from './types.js';

@Resolver()
export class AuthResolver {
  @Mutation(() => AuthPayload, { description: 'Checks the password and opens a session.' })
  async login(
    @Arg('username') username: string,
    @Arg('password') password: string,
    @Ctx() { services, client }: RequestContext,
  ): Promise<AuthPayload> {
    const input = parseInput(loginInput, { username, password });
    return services.auth.login(input, client);
  }

  @Mutation(() => AuthPayload, {
    description:
      'Exchanges a refresh token for a new pair of the same session. Reusing a rotated refresh token revokes the session, except within the reuse interval, when it answers the current pair.',
  })
  async refreshToken(@Arg('refreshToken') refreshToken: string, @Ctx() { services }: RequestContext): Promise<AuthPayload> {
    const input = parseInput(refreshInput, { refreshToken });
    return services.sessions.refresh(input.refreshToken);
  }

  @Directive('@auth')
  @Mutation(() => Boolean, { description: "Revokes the caller's session, or all of their sessions." })
  async logout(
    @Arg('allSessions', () => Boolean, { defaultValue: false }) allSessions: boolean,
    @Ctx() context: RequestContext,
  ): Promise<boolean> {
    await context.services.sessions.logout(caller(context), allSessions);
    return true;
  }

  @Directive('@auth')
  @Mutation(() => Boolean, { description: "Changes the caller's password and revokes their other sessions." })
  async changePassword(
    @Arg('current') current: string,
    @Arg('next') next: string,
    @Ctx() context: RequestContext,
  ): Promise<boolean> {
    const input = parseInput(changePasswordInput, { current, next });
    await context.services.auth.changePassword(caller(context), input, context.client);
    return true;
  }

  // One resolver behind both fields. The mutation is the operation to use: a mutation never travels
  // over GET, so its token cannot end up in a URL. The query stays for clients written against it.
  @Mutation(() => TokenVerification, {
    description: "Verifies `token`, or the request's bearer token when omitted. A bad token is `valid: false`, not an error.",
  })
  @Query(() => TokenVerification, {
    description:
      'Kept for compatibility: the same as `Mutation.verifyToken`, which new clients should use. Over GET it refuses a `token` argument (a token never travels in a URL); send the bearer header, or POST.',
  })
  verifyToken(
    @Arg('token', () => String, { nullable: true }) token: string | null | undefined,
    @Ctx() { services, principal }: RequestContext,
  ): TokenVerification {
    if (token === null || token === undefined) return services.auth.verifyCaller(principal);
    return services.auth.verify(parseInput(tokenField, token));
  }

  @Directive('@auth')
  @Query(() => User, { description: 'The signed-in user.' })
  async me(@Ctx() context: RequestContext): Promise<User> {
    return context.services.auth.me(caller(context));
  }
}
