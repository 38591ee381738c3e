import { createClientInput, idInput, updateClientInput } from '../../core/schemas.js';
import { clientView, clientWithSecretView } from '../views.js';
import { adminProcedure, router } from './trpc.js';

/** Machine clients, for admins: a secret is answered once, by create and rotateSecret. */
export const clientsRouter = router({
  list: adminProcedure.query(async ({ ctx }) => (await ctx.services.clients.list()).map(clientView)),

  create: adminProcedure
    .input(createClientInput)
    .mutation(async ({ input, ctx }) => clientWithSecretView(await ctx.services.clients.create(input, ctx.actor))),

  rotateSecret: adminProcedure
    .input(idInput)
    .mutation(async ({ input, ctx }) => clientWithSecretView(await ctx.services.clients.rotateSecret(input.id, ctx.actor))),

  /** A new role, or disabling, revokes the client's tokens. */
  update: adminProcedure
    .input(updateClientInput.and(idInput))
    .mutation(async ({ input: { id, ...changes }, ctx }) => clientView(await ctx.services.clients.update(id, changes, ctx.actor))),

  delete: adminProcedure.input(idInput).mutation(async ({ input, ctx }) => {
    await ctx.services.clients.delete(input.id, ctx.actor);
    return true;
  }),
});
