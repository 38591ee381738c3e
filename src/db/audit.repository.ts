import type { AuditEventType, AuditRecord, AuditStore } from '../core/audit.js';
import type { ClientInfo } from '../core/auth.service.js';
import type { Orm } from './database.js';

interface AuditRow {
  id: string;
  at: Date | string;
  type: string;
  actor: string | null;
  user_id: number | null;
  username: string | null;
  ip_address: string | null;
  user_agent: string | null;
  door: string;
  details: Record<string, unknown> | string;
}

const COLUMNS = 'id::text as id, at, type, actor, user_id, username, ip_address, user_agent, door, details';

/** The audit trail's table: appended in batches, read newest first by `(at, id)`, pruned by age. */
export function createAuditRepository(orm: Orm): AuditStore {
  const connection = () => orm.em.getConnection();
  return {
    async append(events) {
      // One statement per batch: the writer gathers the events of a moment (core/audit.service.ts).
      const values = events.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
      const params = events.flatMap((e) => [
        e.at,
        e.type,
        e.actor?.slice(0, 254) ?? null,
        e.userId,
        e.username?.slice(0, 254) ?? null,
        e.ipAddress?.slice(0, 64) ?? null,
        e.userAgent?.slice(0, 512) ?? null,
        e.door,
        JSON.stringify(e.details),
      ]);
      await connection().execute(
        `insert into audit_events (at, type, actor, user_id, username, ip_address, user_agent, door, details) values ${values}`,
        params,
        'run',
      );
    },

    async list(filter, limit, after) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (filter.types?.length) {
        where.push(`type in (${filter.types.map(() => '?').join(', ')})`);
        params.push(...filter.types);
      }
      if (filter.userId !== undefined) {
        where.push('user_id = ?');
        params.push(filter.userId);
      }
      if (filter.since) {
        where.push('at >= ?');
        params.push(filter.since);
      }
      if (filter.until) {
        where.push('at < ?');
        params.push(filter.until);
      }
      if (after) {
        where.push('(at, id) < (?, ?)');
        params.push(after.at, after.id);
      }
      const rows = await connection().execute<AuditRow[]>(
        `select ${COLUMNS} from audit_events ${where.length ? `where ${where.join(' and ')}` : ''} order by at desc, id desc limit ?`,
        [...params, limit],
        'all',
      );
      return rows.map(toAuditRecord);
    },

    async prune(before) {
      await connection().execute('delete from audit_events where at < ?', [before], 'run');
    },
  };
}

function toAuditRecord(row: AuditRow): AuditRecord {
  return {
    id: row.id,
    at: new Date(row.at),
    type: row.type as AuditEventType,
    actor: row.actor,
    userId: row.user_id,
    username: row.username,
    ipAddress: row.ip_address,
    userAgent: row.user_agent,
    door: row.door as ClientInfo['door'],
    details: typeof row.details === 'string' ? JSON.parse(row.details) : row.details,
  };
}
