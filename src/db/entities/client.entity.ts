import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Role } from './role.entity.js';

/**
 * A machine client (a service account): its role gives its permissions. The
 * secret itself is never stored, only its SHA-256. `credentialId` is the
 * `sid` of the tokens it is issued: revoking them (disabling, deleting, a new
 * secret, a new role) records it in the revocation feed and draws a new one.
 */
export const Client = defineEntity({
  name: 'Client',
  tableName: 'clients',
  properties: {
    id: p.integer().primary().autoincrement(),
    clientId: p.string().length(64).unique('clients_client_id_unique'),
    name: p.string().length(128),
    role: () => p.manyToOne(Role).fieldName('role_name').ref(),
    secretHash: p.string().length(64).hidden(),
    credentialId: p.uuid().unique('clients_credential_id_unique'),
    disabled: p.boolean().default(false),
    createdAt: p.datetime().columnType('timestamptz'),
    lastUsedAt: p.datetime().columnType('timestamptz').nullable(),
  },
});

export type Client = InferEntity<typeof Client>;
