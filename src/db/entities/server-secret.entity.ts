import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** Secrets every instance shares, created on the first start (the refresh-token MAC key). */
export const ServerSecret = defineEntity({
  name: 'ServerSecret',
  tableName: 'server_secrets',
  properties: {
    name: p.string().length(64).primary(),
    value: p.text().hidden(),
    createdAt: p.datetime().columnType('timestamptz').onCreate(() => new Date()),
  },
});

export type ServerSecret = InferEntity<typeof ServerSecret>;
