import { Arg, Args, Ctx, Directive, ID, Mutation, Query, Resolver } from 'type-graphql';
import { createProductInput, idField, paginationInput, parseInput, updateProductInput } from '../../core/schemas.js';
import type { RequestContext } from '../request-context.js';
import { withoutNulls } from './inputs.js';
import { CreateProductInput, PageArgs, Product, UpdateProductInput } from './types.js';

/** Products: each operation needs the permission of its HTTP method, as on REST. */
@Resolver()
export class ProductsResolver {
  @Directive('@auth(permissions: [GET])')
  @Query(() => [Product])
  async products(@Args() page: PageArgs, @Ctx() { services }: RequestContext): Promise<Product[]> {
    return (await services.products.list(parseInput(paginationInput, page))).items;
  }

  @Directive('@auth(permissions: [GET])')
  @Query(() => Product, { description: 'NOT_FOUND for an unknown id.' })
  async product(@Arg('id', () => ID) id: string, @Ctx() { services }: RequestContext): Promise<Product> {
    return services.products.get(parseInput(idField, id));
  }

  @Directive('@auth(permissions: [POST])')
  @Mutation(() => Product, { description: 'CONFLICT for a SKU already taken.' })
  async createProduct(@Arg('input') input: CreateProductInput, @Ctx() { services }: RequestContext): Promise<Product> {
    return services.products.create(parseInput(createProductInput, withoutNulls({ ...input })));
  }

  @Directive('@auth(permissions: [PUT])')
  @Mutation(() => Product)
  async updateProduct(
    @Arg('id', () => ID) id: string,
    @Arg('input') input: UpdateProductInput,
    @Ctx() { services }: RequestContext,
  ): Promise<Product> {
    const changes = parseInput(updateProductInput, withoutNulls({ ...input }));
    return services.products.update(parseInput(idField, id), changes);
  }

  @Directive('@auth(permissions: [DELETE])')
  @Mutation(() => Boolean)
  async deleteProduct(@Arg('id', () => ID) id: string, @Ctx() { services }: RequestContext): Promise<boolean> {
    await services.products.delete(parseInput(idField, id));
    return true;
  }
}
