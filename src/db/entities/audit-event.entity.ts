import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * One security event of the audit trail (core/audit.ts). Append-only, and no
 * foreign key: a deleted user's history stays.
 */
export const AuditEvent = defineEntity({
  name: 'AuditEvent',
  tableName: 'audit_events',
  indexes: [
    { name: 'audit_events_at_id_index', properties: ['at', 'id'] },
    { name: 'audit_events_user_id_at_index', properties: ['userId', 'at'] },
  ],
  properties: {
    id: p.bigint().primary().autoincrement(),
    at: p.datetime().columnType('timestamptz'),
    type: p.string().length(32),
    actor: p.string().length(254).nullable(),
    userId: p.integer().nullable(),
    username: p.string().length(254).nullable(),
    ipAddress: p.string().length(64).nullable(),
    userAgent: p.string().length(512).nullable(),
    door: p.string().length(8),
    details: p.json<Record<string, unknown>>(),
  },
});

export type AuditEvent = InferEntity<typeof AuditEvent>;
