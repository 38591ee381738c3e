import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { NOTIFY_REVOKED } from './notify-sync.js';

/**
 * The revocation feed: every instance reads what was added since its last
 * look. No foreign key, so deleting a user (and their sessions) keeps it.
 */
export const SessionRevocation = defineEntity({
  name: 'SessionRevocation',
  tableName: 'session_revocations',
  // Other instances are told at commit (LISTEN keyway_sync, db/notifications.ts), whichever statement revoked.
  triggers: [{ name: 'notify_sync', timing: 'after', events: ['insert'], forEach: 'row', body: NOTIFY_REVOKED }],
  properties: {
    sessionId: p.uuid().primary(),
    /** The order revocations were recorded in, on every instance: the feed's event ids (SPEC §14). */
    sequence: p.bigint('number').autoincrement().unique(),
    /** Null for a machine client's credential. */
    userId: p.integer().nullable(),
    reason: p.string().length(32),
    revokedAt: p.datetime().columnType('timestamptz').defaultRaw('now()').index('session_revocations_revoked_at_index'),
  },
});

export type SessionRevocation = InferEntity<typeof SessionRevocation>;
