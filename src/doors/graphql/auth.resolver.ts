import { Arg, Ctx, Directive, Mutation, Query, Resolver } from 'type-graphql';
import { loginInput, parseInput, tokenField } from '../../core/schemas.js';
import { caller, type RequestContext } from '../request-context.js';
import { toAuthPayload, toUser, toVerification } from './mappers.js';
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
    return toAuthPayload(await services.auth.login(input, client));
  }

  @Query(() => TokenVerification, {
    description: "Verifies `token`, or the request's bearer token when omitted. A bad token is `valid: false`, not an error.",
  })
  verifyToken(
    @Arg('token', () => String, { nullable: true }) token: string | null | undefined,
    @Ctx() { services, principal }: RequestContext,
  ): TokenVerification {
    if (token === null || token === undefined) return toVerification(services.auth.verifyCaller(principal));
    return toVerification(services.auth.verify(parseInput(tokenField, token)));
  }

  @Directive('@auth')
  @Query(() => User, { description: 'The signed-in user.' })
  async me(@Ctx() context: RequestContext): Promise<User> {
    return toUser(await context.services.auth.me(caller(context)));
  }
}
