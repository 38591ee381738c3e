import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** Values every instance shares, fixed by the first start: the refresh-token MAC key, the issuer. */
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
