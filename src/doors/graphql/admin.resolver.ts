import { Arg, Args, Ctx, Directive, ID, Mutation, Query, Resolver } from 'type-graphql';
import {
  createUserInput,
  idField,
  userListInput,
  parseInput,
  roleInput,
  roleNameField,
  updateUserInput,
} from '../../core/schemas.js';
import { actor, type RequestContext } from '../request-context.js';
import { withoutNulls } from './inputs.js';
import type { Permission as PermissionName } from '../../core/permissions.js';
import { CreateUserInput, Permission, Role, UpdateUserInput, User, UserListArgs } from './types.js';

/** User and role administration: for admins only, as the directives say. */
@Resolver()
export class AdminResolver {
  @Directive('@auth(roles: ["admin"])')
  @Query(() => [User])
  async users(@Args() { search, ...page }: UserListArgs, @Ctx() { services }: RequestContext): Promise<User[]> {
    return services.users.list(parseInput(userListInput, { ...page, search: search ?? undefined }));
  }

  @Directive('@auth(roles: ["admin"])')
  @Mutation(() => User)
  async createUser(@Arg('input') input: CreateUserInput, @Ctx() context: RequestContext): Promise<User> {
    return context.services.users.create(parseInput(createUserInput, { ...input }), actor(context));
  }

  @Directive('@auth(roles: ["admin"])')
  @Mutation(() => User, { description: "Changing the role or the password, or disabling, revokes the user's sessions." })
  async updateUser(
    @Arg('id', () => ID) id: string,
    @Arg('input') input: UpdateUserInput,
    @Ctx() context: RequestContext,
  ): Promise<User> {
    return context.services.users.update(parseInput(idField, id), parseInput(updateUserInput, withoutNulls({ ...input })), actor(context));
  }

  @Directive('@auth(roles: ["admin"])')
  @Mutation(() => Boolean)
  async deleteUser(@Arg('id', () => ID) id: string, @Ctx() context: RequestContext): Promise<boolean> {
    await context.services.users.delete(parseInput(idField, id), actor(context));
    return true;
  }

  @Directive('@auth(roles: ["admin"])')
  @Query(() => [Role])
  roles(@Ctx() { services }: RequestContext): Promise<Role[]> {
    return services.roles.list();
  }

  @Directive('@auth(roles: ["admin"])')
  @Mutation(() => Role, {
    description: "Creates or updates a role. Taking a permission away revokes the sessions of the role's users.",
  })
  upsertRole(
    @Arg('name') name: string,
    @Arg('permissions', () => [Permission]) permissions: PermissionName[],
    @Ctx() context: RequestContext,
  ): Promise<Role> {
    return context.services.roles.upsert(parseInput(roleInput, { name, permissions }), actor(context));
  }

  @Directive('@auth(roles: ["admin"])')
  @Mutation(() => Boolean, { description: 'Deletes a role no user holds.' })
  async deleteRole(@Arg('name') name: string, @Ctx() context: RequestContext): Promise<boolean> {
    await context.services.roles.delete(parseInput(roleNameField, name), actor(context));
    return true;
  }
}
