import { Ctx, Directive, Mutation, Query, Resolver } from 'type-graphql';
import { actor, type RequestContext } from '../request-context.js';
import { SigningKey } from './types.js';

/** The signing keys, for admins: as the command line's `keys list` and `keys rotate`. */
@Resolver()
export class KeysResolver {
  @Directive('@auth(roles: ["admin"])')
  @Query(() => [SigningKey], { description: 'The keys published in the JWKS: pending (not signing yet), active, retired (verifying until their tokens expire).' })
  signingKeys(@Ctx() { services }: RequestContext): Promise<SigningKey[]> {
    return services.keys.list();
  }

  @Directive('@auth(roles: ["admin"])')
  @Mutation(() => SigningKey, { description: 'A new key, published now and signing after the activation delay; the current one retires then.' })
  rotateSigningKey(@Ctx() context: RequestContext): Promise<SigningKey> {
    return context.services.keys.rotate(actor(context));
  }
}
