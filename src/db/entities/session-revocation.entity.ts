import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * The revocation feed: every instance reads what was added since its last
 * look. No foreign key, so deleting a user (and their sessions) keeps it.
 */
export const SessionRevocation = defineEntity({
  name: 'SessionRevocation',
  tableName: 'session_revocations',
  properties: {
    sessionId: p.uuid().primary(),
    /** Null for a machine client's credential. */
    userId: p.integer().nullable(),
    reason: p.string().length(32),
    revokedAt: p.datetime().columnType('timestamptz').defaultRaw('now()').index('session_revocations_revoked_at_index'),
  },
});

export type SessionRevocation = InferEntity<typeof SessionRevocation>;
