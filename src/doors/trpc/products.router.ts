import { createProductInput, idInput, paginationInput, updateProductInput } from '../../core/schemas.js';
import { permissionProcedure, router } from './trpc.js';
import { productView } from '../views.js';

/** Each procedure needs the permission of the HTTP method it stands for, as on REST. */
export const productsRouter = router({
  list: permissionProcedure('GET')
    .input(paginationInput.prefault({}))
    .query(async ({ input, ctx }) => (await ctx.services.products.list(input)).items.map(productView)),

  get: permissionProcedure('GET')
    .input(idInput)
    .query(async ({ input, ctx }) => productView(await ctx.services.products.get(input.id))),

  create: permissionProcedure('POST')
    .input(createProductInput)
    .mutation(async ({ input, ctx }) => productView(await ctx.services.products.create(input))),

  update: permissionProcedure('PUT')
    .input(updateProductInput.and(idInput))
    .mutation(async ({ input: { id, ...changes }, ctx }) => productView(await ctx.services.products.update(id, changes))),

  delete: permissionProcedure('DELETE')
    .input(idInput)
    .mutation(async ({ input, ctx }) => {
      await ctx.services.products.delete(input.id);
      return true;
    }),
});
