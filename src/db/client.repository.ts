import type { Permission } from '../core/permissions.js';
import type { ClientRecord, ClientStore, RevokedSession } from '../core/records.js';
import type { Orm } from './database.js';
import { REVOCATION_COLUMNS, toRevokedSession, type RevocationRow } from './session.repository.js';

interface ClientRow {
  id: number;
  client_id: string;
  name: string;
  role_name: string;
  permissions: Permission[];
  disabled: boolean;
  created_at: Date | string;
  last_used_at: Date | string | null;
  credential_id: string;
}

const SELECT_CLIENT = `select c.id, c.client_id, c.name, c.role_name, r.permissions, c.disabled, c.created_at, c.last_used_at, c.credential_id
  from clients c join roles r on r.name = c.role_name`;

/** Machine clients, in SQL; a change that revokes their tokens records the credential in the feed in the same transaction. */
export function createClientRepository(orm: Orm): ClientStore {
  const connection = () => orm.em.getConnection();
  const one = async (where: string, value: unknown) => {
    const rows = await connection().execute<ClientRow[]>(`${SELECT_CLIENT} where ${where}`, [value], 'all');
    return rows[0] ? toClientRecord(rows[0]) : null;
  };

  return {
    async list() {
      return (await connection().execute<ClientRow[]>(`${SELECT_CLIENT} order by c.id`, [], 'all')).map(toClientRecord);
    },

    async create(client) {
      // Inserted only with a role that exists: no foreign-key error to translate.
      const inserted = await connection().execute<{ id: number }[]>(
        `insert into clients (client_id, name, role_name, secret_hash, credential_id, disabled, created_at)
         select ?, ?, name, ?, ?, false, now() from roles where name = ?
         returning id`,
        [client.clientId, client.name, client.secretHash, client.credentialId, client.role],
        'all',
      );
      if (inserted.length === 0) return 'unknown_role';
      return (await one('c.id = ?', inserted[0]!.id))!;
    },

    findByClientId: (clientId) => one('c.client_id = ?', clientId),

    async findForGrant(clientId) {
      const rows = await connection().execute<(ClientRow & { secret_hash: string })[]>(
        SELECT_CLIENT.replace('select ', 'select c.secret_hash, ') + ' where c.client_id = ?',
        [clientId],
        'all',
      );
      return rows[0] ? { ...toClientRecord(rows[0]), secretHash: rows[0].secret_hash } : null;
    },

    async touch(id) {
      await connection().execute('update clients set last_used_at = now() where id = ?', [id], 'run');
    },

    async update(id, changes, revoke) {
      return orm.em.fork().transactional(async (em) => {
        const held = await em.execute<{ credential_id: string }[]>('select credential_id from clients where id = ? for update', [id]);
        if (held.length === 0) return 'no_such_client';
        if (changes.role !== undefined && (await em.execute('select 1 from roles where name = ? for share', [changes.role])).length === 0) {
          return 'unknown_role';
        }
        const sets: string[] = [];
        const params: unknown[] = [];
        const set = (column: string, value: unknown) => {
          sets.push(`${column} = ?`);
          params.push(value);
        };
        if (changes.name !== undefined) set('name', changes.name);
        if (changes.role !== undefined) set('role_name', changes.role);
        if (changes.disabled !== undefined) set('disabled', changes.disabled);
        if (changes.secretHash !== undefined) set('secret_hash', changes.secretHash);
        if (revoke) set('credential_id', revoke.newCredentialId);
        if (sets.length > 0) await em.execute(`update clients set ${sets.join(', ')} where id = ?`, [...params, id]);
        const revoked = revoke ? await revokeCredential(em, held[0]!.credential_id, revoke.reason) : [];
        const [row] = await em.execute<ClientRow[]>(`${SELECT_CLIENT} where c.id = ?`, [id]);
        return { client: toClientRecord(row!), revoked };
      });
    },

    async delete(id) {
      return orm.em.fork().transactional(async (em) => {
        const [row] = await em.execute<ClientRow[]>(`${SELECT_CLIENT} where c.id = ? for update of c`, [id]);
        if (!row) return 'no_such_client';
        const revoked = await revokeCredential(em, row.credential_id, 'client_deleted');
        await em.execute('delete from clients where id = ?', [id]);
        return { client: toClientRecord(row), revoked };
      });
    },
  };
}

/** Records a client's credential in the revocation feed every instance reads, as a session's would be. */
async function revokeCredential(
  em: { execute<T>(sql: string, params: unknown[]): Promise<T> },
  credentialId: string,
  reason: string,
): Promise<RevokedSession[]> {
  const rows = await em.execute<RevocationRow[]>(
    `insert into session_revocations (session_id, user_id, reason, revoked_at) values (?, null, ?, now())
     on conflict (session_id) do nothing
     returning ${REVOCATION_COLUMNS}`,
    [credentialId, reason],
  );
  return rows.map(toRevokedSession);
}

function toClientRecord(row: ClientRow): ClientRecord {
  return {
    id: row.id,
    clientId: row.client_id,
    name: row.name,
    role: { name: row.role_name, permissions: row.permissions },
    disabled: row.disabled,
    createdAt: new Date(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : new Date(row.last_used_at),
    credentialId: row.credential_id,
  };
}
