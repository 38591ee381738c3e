import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { DomainError } from '../core/errors.js';
import type { ProductRecord, ProductStore } from '../core/records.js';
import type { Orm } from './database.js';
import { Product } from './entities/index.js';

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
      await flushUnique(() => em.flush());
      return toProductRecord(product);
    },

    async update(id, changes) {
      const em = orm.em.fork();
      const product = await em.findOne(Product, { id });
      if (!product) return null;
      em.assign(product, withoutUndefined(changes));
      await flushUnique(() => em.flush());
      return toProductRecord(product);
    },

    async delete(id) {
      return (await orm.em.fork().nativeDelete(Product, { id })) > 0;
    },
  };
}

async function flushUnique(flush: () => Promise<void>): Promise<void> {
  try {
    await flush();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) throw new DomainError('CONFLICT');
    throw error;
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
