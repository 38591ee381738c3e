import type { ProductRecord, ProductStore } from '../core/records.js';
import type { Orm } from './database.js';
import { Product } from './entities/index.js';
import { violatedUniqueConstraint } from './errors.js';

export function createProductRepository(orm: Orm): ProductStore {
  return {
    async list({ limit, offset }) {
      const [items, total] = await orm.em.fork().findAndCount(Product, {}, { orderBy: { id: 'asc' }, limit, offset });
      return { items: items.map(toProductRecord), total };
    },

    async findById(id) {
      const product = await orm.em.fork().findOne(Product, { id });
      return product ? toProductRecord(product) : null;
    },

    async create(fields) {
      const em = orm.em.fork();
      const product = em.create(Product, fields);
      return (await flushedUnlessSkuTaken(em)) ?? toProductRecord(product);
    },

    async update(id, changes) {
      const em = orm.em.fork();
      const product = await em.findOne(Product, { id });
      if (!product) return 'no_such_product';
      em.assign(product, withoutUndefined(changes));
      return (await flushedUnlessSkuTaken(em)) ?? toProductRecord(product);
    },

    async delete(id) {
      return (await orm.em.fork().nativeDelete(Product, { id })) > 0;
    },
  };
}

/** Flushes; 'sku_taken' when the SKU's unique index refused the write (the one unique column besides the id). */
async function flushedUnlessSkuTaken(em: { flush(): Promise<void> }): Promise<'sku_taken' | undefined> {
  try {
    await em.flush();
    return undefined;
  } catch (error) {
    if (violatedUniqueConstraint(error) === undefined) throw error;
    return 'sku_taken';
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

function toProductRecord(product: Product): ProductRecord {
  return {
    id: product.id,
    sku: product.sku,
    name: product.name,
    description: product.description,
    price: product.price,
    stock: product.stock,
    createdAt: product.createdAt,
    updatedAt: product.updatedAt,
  };
}
