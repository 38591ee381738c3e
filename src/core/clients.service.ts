import { randomBytes, randomUUID } from 'node:crypto';
import { eventBy, type Actor, type AuditEvent } from './audit.js';
import type { AuditTrail } from './audit.service.js';
import { DomainError } from './errors.js';
import type { ClientChanges, ClientRecord, ClientStore, RevocationReason } from './records.js';
import { hashSecretToken } from './refresh-tokens.js';
import type { RevocationList } from './revocations.js';
import type { CreateClientInput, UpdateClientInput } from './schemas.js';
import { unknownRole } from './users.service.js';

export type ClientsService = ReturnType<typeof createClientsService>;

/** A client and its secret, as created or rotated: the one time the secret is shown. */
export interface ClientWithSecret {
  client: ClientRecord;
  secret: string;
}

// Crockford's base32 in lower case: no i, l, o or u to misread in a client id.
const ID_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** `kwc_` and 20 characters (100 random bits): a client's public id. */
function newClientId(): string {
  const bytes = randomBytes(20);
  return `kwc_${Array.from(bytes, (byte) => ID_ALPHABET[byte & 31]).join('')}`;
}

/** `kws_` and 256 random bits in base64url: a secret no one guesses, so a SHA-256 of it is a safe hash. */
function newClientSecret(): string {
  return `kws_${randomBytes(32).toString('base64url')}`;
}

/**
 * Machine clients (SPEC §13), for admins: a service account with a role and
 * a secret shown once. Disabling, deleting, a new secret or a new role
 * revokes the tokens issued to it, through the feed sessions use.
 */
export function createClientsService(clients: ClientStore, revocations: RevocationList, audit: Pick<AuditTrail, 'record'>) {
  const record = (by: Actor, type: AuditEvent['type'], client: ClientRecord, details: Record<string, unknown>) =>
    audit.record(eventBy(by, type, null, { clientId: client.clientId, name: client.name, ...details }));

  async function change(id: number, changes: ClientChanges, reason: RevocationReason | null) {
    const result = await clients.update(id, changes, reason ? { reason, newCredentialId: randomUUID() } : null);
    if (result === 'no_such_client') throw clientNotFound(id);
    if (result === 'unknown_role') throw unknownRole(changes.role!);
    revocations.add(result.revoked);
    return result;
  }

  return {
    list(): Promise<ClientRecord[]> {
      return clients.list();
    },

    async create(input: CreateClientInput, by: Actor): Promise<ClientWithSecret> {
      const secret = newClientSecret();
      const created = await clients.create({
        clientId: newClientId(),
        name: input.name,
        role: input.role,
        secretHash: hashSecretToken(secret),
        credentialId: randomUUID(),
      });
      if (created === 'unknown_role') throw unknownRole(input.role);
      record(by, 'CLIENT_CREATED', created, { role: created.role.name });
      return { client: created, secret };
    },

    /** A new secret, shown once; the old one stops working and the tokens it obtained are revoked. */
    async rotateSecret(id: number, by: Actor): Promise<ClientWithSecret> {
      const secret = newClientSecret();
      const { client, revoked } = await change(id, { secretHash: hashSecretToken(secret) }, 'client_secret_rotated');
      record(by, 'CLIENT_UPDATED', client, { secretRotated: true, tokensRevoked: revoked.length > 0 });
      return { client, secret };
    },

    /**
     * A new name changes nothing else; a role given, or disabling, revokes the
     * client's tokens (decided without reading the client first: a role that
     * stays the same costs the client one new token, never a stale one).
     */
    async update(id: number, changes: UpdateClientInput, by: Actor): Promise<ClientRecord> {
      const reason: RevocationReason | null =
        changes.disabled === true ? 'client_disabled' : changes.role !== undefined ? 'client_role_changed' : null;
      const { client } = await change(id, changes, reason);
      record(by, 'CLIENT_UPDATED', client, { ...changes });
      return client;
    },

    async delete(id: number, by: Actor): Promise<void> {
      const result = await clients.delete(id);
      if (result === 'no_such_client') throw clientNotFound(id);
      revocations.add(result.revoked);
      record(by, 'CLIENT_DELETED', result.client, {});
    },

    /** The client of a `clientId` (the command line names them so). */
    async findByClientId(clientId: string): Promise<ClientRecord> {
      const client = await clients.findByClientId(clientId);
      if (!client) throw new DomainError('NOT_FOUND', `No client ${JSON.stringify(clientId)}`);
      return client;
    },
  };
}

function clientNotFound(id: number): DomainError {
  return new DomainError('NOT_FOUND', `Client ${id} not found`);
}
