import { Arg, Ctx, Directive, ID, Mutation, Query, Resolver } from 'type-graphql';
import { createClientInput, idField, parseInput, updateClientInput } from '../../core/schemas.js';
import { actor, type RequestContext } from '../request-context.js';
import { withoutNulls } from './inputs.js';
import { Client, ClientWithSecret, CreateClientInput, UpdateClientInput } from './types.js';

/** Machine clients, for admins. */
@Resolver()
export class ClientsResolver {
  @Directive('@auth(roles: ["admin"])')
  @Query(() => [Client])
  clients(@Ctx() { services }: RequestContext): Promise<Client[]> {
    return services.clients.list();
  }

  @Directive('@auth(roles: ["admin"])')
  @Mutation(() => ClientWithSecret, { description: 'A new client and its secret, shown this once.' })
  createClient(@Arg('input') input: CreateClientInput, @Ctx() context: RequestContext): Promise<ClientWithSecret> {
    return context.services.clients.create(parseInput(createClientInput, { ...input }), actor(context));
  }

  @Directive('@auth(roles: ["admin"])')
  @Mutation(() => ClientWithSecret, { description: 'A new secret, shown this once; the old one stops working and its tokens are revoked.' })
  rotateClientSecret(@Arg('id', () => ID) id: string, @Ctx() context: RequestContext): Promise<ClientWithSecret> {
    return context.services.clients.rotateSecret(parseInput(idField, id), actor(context));
  }

  @Directive('@auth(roles: ["admin"])')
  @Mutation(() => Client, { description: "A new role, or disabling, revokes the client's tokens." })
  updateClient(
    @Arg('id', () => ID) id: string,
    @Arg('input') input: UpdateClientInput,
    @Ctx() context: RequestContext,
  ): Promise<Client> {
    return context.services.clients.update(parseInput(idField, id), parseInput(updateClientInput, withoutNulls({ ...input })), actor(context));
  }

  @Directive('@auth(roles: ["admin"])')
  @Mutation(() => Boolean, { description: 'Deletes the client; its tokens are revoked.' })
  async deleteClient(@Arg('id', () => ID) id: string, @Ctx() context: RequestContext): Promise<boolean> {
    await context.services.clients.delete(parseInput(idField, id), actor(context));
    return true;
  }
}
