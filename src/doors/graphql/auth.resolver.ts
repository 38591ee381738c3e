import { Arg, Ctx, Directive, Mutation, Query, Resolver } from 'type-graphql';
import {
  changePasswordInput,
  completeLoginInput,
  confirmTotpInput,
  loginInput,
  parseInput,
  passwordInput,
  refreshInput,
  tokenField,
} from '../../core/schemas.js';
import { userOf, type RequestContext } from '../request-context.js';
import type { TokenVerification as CoreTokenVerification } from '../../core/auth.service.js';
import { isClientClaims } from '../../core/tokens.js';
import { AuthPayload, TokenPayload, TokenVerification, TotpEnrollment, User } from './types.js';

@Resolver()
export class AuthResolver {
  @Mutation(() => AuthPayload, {
    description:
      'Checks the password and opens a session. A user with a second factor gets the error MFA_REQUIRED instead, with `extensions.mfaToken` for `completeLogin`.',
  })
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
      'Completes a login that answered MFA_REQUIRED with a code of its second factor (TOTP, or a recovery code). The `mfaToken` is single-use and lives 5 minutes.',
  })
  async completeLogin(
    @Arg('mfaToken') mfaToken: string,
    @Arg('code') code: string,
    @Ctx() { services, client }: RequestContext,
  ): Promise<AuthPayload> {
    const input = parseInput(completeLoginInput, { mfaToken, code });
    return services.mfa.completeLogin(input.mfaToken, input.code, client);
  }

  @Directive('@auth')
  @Mutation(() => TotpEnrollment, { description: 'Starts turning on TOTP: a new secret, pending until `confirmTotpEnrollment` gets a code of it.' })
  async startTotpEnrollment(@Ctx() context: RequestContext): Promise<TotpEnrollment> {
    return context.services.mfa.startTotp(userOf(context));
  }

  @Directive('@auth')
  @Mutation(() => [String], {
    description: "Turns TOTP on with a first code, answers 10 single-use recovery codes (shown this once), and revokes the caller's other sessions.",
  })
  async confirmTotpEnrollment(@Arg('code') code: string, @Ctx() context: RequestContext): Promise<string[]> {
    const input = parseInput(confirmTotpInput, { code });
    return context.services.mfa.confirmTotp(userOf(context), input.code, context.client);
  }

  @Directive('@auth(mfa: true)')
  @Mutation(() => Boolean, { description: "Turns the caller's second factor off, after their password; revokes their other sessions." })
  async disableTotp(@Arg('password') password: string, @Ctx() context: RequestContext): Promise<boolean> {
    const input = parseInput(passwordInput, { password });
    await context.services.mfa.disable(userOf(context), input.password, context.client);
    return true;
  }

  @Directive('@auth(mfa: true)')
  @Mutation(() => [String], { description: 'Ten new recovery codes, after the password; the old ones stop working.' })
  async regenerateRecoveryCodes(@Arg('password') password: string, @Ctx() context: RequestContext): Promise<string[]> {
    const input = parseInput(passwordInput, { password });
    return context.services.mfa.regenerateRecoveryCodes(userOf(context), input.password, context.client);
  }

  @Mutation(() => AuthPayload, {
    description:
      'Exchanges a refresh token for a new pair of the same session. Reusing a rotated refresh token revokes the session, except within the reuse interval, when it answers the current pair.',
  })
  async refreshToken(@Arg('refreshToken') refreshToken: string, @Ctx() { services, client }: RequestContext): Promise<AuthPayload> {
    const input = parseInput(refreshInput, { refreshToken });
    return services.sessions.refresh(input.refreshToken, client);
  }

  @Directive('@auth')
  @Mutation(() => Boolean, { description: "Revokes the caller's session, or all of their sessions." })
  async logout(
    @Arg('allSessions', () => Boolean, { defaultValue: false }) allSessions: boolean,
    @Ctx() context: RequestContext,
  ): Promise<boolean> {
    await context.services.sessions.logout(userOf(context), allSessions, context.client);
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
    await context.services.auth.changePassword(userOf(context), input, context.client);
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
    const verdict = token === null || token === undefined ? services.auth.verifyCaller(principal) : services.auth.verify(parseInput(tokenField, token), 'graphql');
    return verificationOf(verdict);
  }

  @Directive('@auth')
  @Query(() => User, { description: 'The signed-in user.' })
  async me(@Ctx() context: RequestContext): Promise<User> {
    return context.services.auth.me(userOf(context));
  }
}

/** A verdict as GraphQL's types read it: a user's claims, or a machine client's with its `clientId` and `scope`. */
function verificationOf(verdict: CoreTokenVerification): TokenVerification {
  if (!verdict.valid) return { valid: false, code: verdict.code, payload: null };
  const claims = verdict.payload;
  const payload: TokenPayload = isClientClaims(claims)
    ? { ...claims, id: null, username: null, clientId: claims.client_id, scope: claims.scope, amr: [] }
    : { ...claims, clientId: null, scope: null };
  return { valid: true, code: null, payload };
}
