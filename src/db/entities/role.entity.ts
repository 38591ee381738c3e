import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { timestamps } from './timestamps.js';

/** A role is data: a name and the HTTP-method permissions it grants. */
export const Role = defineEntity({
  name: 'Role',
  tableName: 'roles',
  properties: {
    name: p.string().length(64).primary(),
    permissions: p.array().columnType('text[]'),
    ...timestamps(),
  },
});

export type Role = InferEntity<typeof Role>;
