import { createUserInput, idInput, roleInput, roleNameInput, updateUserInput, userListInput } from '../../core/schemas.js';
import { adminProcedure, router } from './trpc.js';
import { userView } from '../views.js';

export const usersRouter = router({
  /** By id; `search` keeps the usernames containing it (case aside). */
  list: adminProcedure
    .input(userListInput.prefault({}))
    .query(async ({ input, ctx }) => (await ctx.services.users.list(input)).map(userView)),

  create: adminProcedure.input(createUserInput).mutation(async ({ input, ctx }) => userView(await ctx.services.users.create(input, ctx.actor))),

  /** Changing the role or the password, or disabling, revokes the user's sessions. */
  update: adminProcedure
    .input(updateUserInput.and(idInput))
    .mutation(async ({ input: { id, ...changes }, ctx }) => userView(await ctx.services.users.update(id, changes, ctx.actor))),

  delete: adminProcedure.input(idInput).mutation(async ({ input, ctx }) => {
    await ctx.services.users.delete(input.id, ctx.actor);
    return true;
  }),
});

export const rolesRouter = router({
  list: adminProcedure.query(({ ctx }) => ctx.services.roles.list()),

  /** Taking a permission away revokes the sessions of the role's users. */
  upsert: adminProcedure.input(roleInput).mutation(({ input, ctx }) => ctx.services.roles.upsert(input, ctx.actor)),

  delete: adminProcedure.input(roleNameInput).mutation(async ({ input, ctx }) => {
    await ctx.services.roles.delete(input.name, ctx.actor);
    return true;
  }),
});
