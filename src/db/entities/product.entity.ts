import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { timestamps } from './timestamps.js';

export const Product = defineEntity({
  name: 'Product',
  tableName: 'products',
  properties: {
    id: p.integer().primary().autoincrement(),
    sku: p.string().length(64).unique('products_sku_unique'),
    name: p.string().length(200),
    description: p.text().default(''),
    /** numeric(12,2), read and written as a decimal string: never a float. */
    price: p.decimal('string').precision(12).scale(2),
    stock: p.integer().check('stock >= 0'),
    ...timestamps(),
  },
});

export type Product = InferEntity<typeof Product>;
