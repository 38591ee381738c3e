import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** A role is data: a name and the HTTP-method permissions it grants. */
export const Role = defineEntity({
  name: 'Role',
  tableName: 'roles',
  properties: {
    name: p.string().length(64).primary(),
    permissions: p.array().columnType('text[]'),
    createdAt: p.datetime().columnType('timestamptz').onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .columnType('timestamptz')
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export type Role = InferEntity<typeof Role>;
