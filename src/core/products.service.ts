import { DomainError } from './errors.js';
import type { ProductRecord, ProductStore } from './records.js';
import type { CreateProductInput, Pagination, UpdateProductInput } from './schemas.js';

export type ProductsService = ReturnType<typeof createProductsService>;

/** Products as StockAPI kept them. Who may call what is the doors' guards' business (permission per method). */
export function createProductsService(products: ProductStore) {
  return {
    list(page: Pagination): Promise<{ items: ProductRecord[]; total: number }> {
      return products.list(page);
    },

    async get(id: number): Promise<ProductRecord> {
      return (await products.findById(id)) ?? notFound(id);
    },

    async create(input: CreateProductInput): Promise<ProductRecord> {
      try {
        return await products.create(input);
      } catch (error) {
        throw duplicateSku(error, input.sku);
      }
    },

    async update(id: number, changes: UpdateProductInput): Promise<ProductRecord> {
      try {
        return (await products.update(id, changes)) ?? notFound(id);
      } catch (error) {
        throw duplicateSku(error, changes.sku);
      }
    },

    async delete(id: number): Promise<void> {
      if (!(await products.delete(id))) notFound(id);
    },
  };
}

function notFound(id: number): never {
  throw new DomainError('NOT_FOUND', `Product ${id} not found`);
}

function duplicateSku(error: unknown, sku: string | undefined): unknown {
  if (error instanceof DomainError && error.code === 'CONFLICT') {
    return new DomainError('CONFLICT', `A product with SKU ${JSON.stringify(sku)} already exists`);
  }
  return error;
}
