import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { NOTIFY_KEYS } from './notify-sync.js';

/**
 * An RS256 key pair. It verifies (and is published) from its creation, signs
 * from `activatesAt` until a newer key activates (`retiredAt`), and keeps
 * verifying until the tokens it signed have expired.
 */
export const SigningKey = defineEntity({
  name: 'SigningKey',
  tableName: 'signing_keys',
  // A new, activated or retired key is news for every other instance, as a revocation is.
  triggers: [{ name: 'notify_sync', timing: 'after', events: ['insert', 'update'], forEach: 'statement', body: NOTIFY_KEYS }],
  properties: {
    kid: p.string().length(64).primary(),
    algorithm: p.string().length(16),
    publicKey: p.text(),
    privateKey: p.text().hidden().lazy(),
    createdAt: p.datetime().columnType('timestamptz').onCreate(() => new Date()),
    activatesAt: p.datetime().columnType('timestamptz'),
    retiredAt: p.datetime().columnType('timestamptz').nullable(),
  },
});

export type SigningKey = InferEntity<typeof SigningKey>;
