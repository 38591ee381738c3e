import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** One failed login, per username key and client address (core/throttle.service.ts). */
export const LoginAttempt = defineEntity({
  name: 'LoginAttempt',
  tableName: 'login_attempts',
  indexes: [{ name: 'login_attempts_key_address_index', properties: ['usernameKey', 'ipAddress', 'attemptedAt'] }],
  properties: {
    id: p.uuid().primary(),
    usernameKey: p.string().length(1024),
    ipAddress: p.string().length(64),
    attemptedAt: p.datetime().columnType('timestamptz').index('login_attempts_attempted_at_index'),
  },
});

export type LoginAttempt = InferEntity<typeof LoginAttempt>;
