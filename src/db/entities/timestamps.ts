import { p } from '@mikro-orm/core';

/** When a row was created and last changed, kept by the ORM. */
export const timestamps = () => ({
  createdAt: p.datetime().columnType('timestamptz').onCreate(() => new Date()),
  updatedAt: p
    .datetime()
    .columnType('timestamptz')
    .onCreate(() => new Date())
    .onUpdate(() => new Date()),
});
