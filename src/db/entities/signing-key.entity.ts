import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * An RS256 key pair. The newest unretired key signs; retired keys keep
 * verifying (and stay in the JWKS) until the tokens they signed have expired.
 */
export const SigningKey = defineEntity({
  name: 'SigningKey',
  tableName: 'signing_keys',
  properties: {
    kid: p.string().length(64).primary(),
    algorithm: p.string().length(16),
    publicKey: p.text(),
    privateKey: p.text().hidden().lazy(),
    createdAt: p.datetime().columnType('timestamptz').onCreate(() => new Date()),
    retiredAt: p.datetime().columnType('timestamptz').nullable(),
  },
});

export type SigningKey = InferEntity<typeof SigningKey>;
