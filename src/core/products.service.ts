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
      const created = await products.create(input);
      if (created === 'sku_taken') throw skuTaken(input.sku);
      return created;
    },

    async update(id: number, changes: UpdateProductInput): Promise<ProductRecord> {
      const updated = await products.update(id, changes);
      if (updated === 'no_such_product') notFound(id);
      if (updated === 'sku_taken') throw skuTaken(changes.sku);
      return updated;
    },

    async delete(id: number): Promise<void> {
      if (!(await products.delete(id))) notFound(id);
    },
  };
}

function notFound(id: number): never {
  throw new DomainError('NOT_FOUND', `Product ${id} not found`);
}

function skuTaken(sku: string | undefined): DomainError {
  return new DomainError('CONFLICT', `A product with SKU ${JSON.stringify(sku)} already exists`);
}
