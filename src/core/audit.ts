import { COMMAND_LINE, type ClientInfo } from './auth.service.js';
import { DomainError } from './errors.js';
import { nameOf, type Principal } from './principal.js';

/** The security events the trail records (SPEC §12), each once, by the action that causes it. */
export const AUDIT_EVENT_TYPES = [
  'LOGIN_SUCCEEDED',
  'LOGIN_FAILED',
  'LOGIN_THROTTLED',
  'MFA_SUCCEEDED',
  'MFA_FAILED',
  'LOGOUT',
  'SESSION_REVOKED',
  'REFRESH_REUSE_DETECTED',
  'PASSWORD_CHANGED',
  'MFA_ENABLED',
  'MFA_DISABLED',
  'USER_CREATED',
  'USER_UPDATED',
  'USER_DELETED',
  'ROLE_UPSERTED',
  'ROLE_DELETED',
  'KEY_ROTATED',
  'CLIENT_CREATED',
  'CLIENT_UPDATED',
  'CLIENT_DELETED',
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/** Who asks for an operation and from where: the trail's actor, address and door. The command line has no principal. */
export interface Actor {
  principal: Principal | null;
  client: ClientInfo;
}

/** The operator at the command line: no principal, no address. */
export const OPERATOR: Actor = { principal: null, client: COMMAND_LINE };

/** An event as an action reports it. `details` never holds a secret: no password, token, code or hash. */
export interface AuditEvent {
  type: AuditEventType;
  /** Who did it, when known: a username. */
  actor: string | null;
  /** Whom it concerns. */
  userId: number | null;
  username: string | null;
  client: ClientInfo;
  details?: Record<string, unknown>;
}

/** An event as the trail keeps it. */
export interface AuditRecord {
  id: string;
  at: Date;
  type: AuditEventType;
  actor: string | null;
  userId: number | null;
  username: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  door: ClientInfo['door'];
  details: Record<string, unknown>;
}

export type NewAuditRecord = Omit<AuditRecord, 'id'>;

export interface AuditFilter {
  types?: AuditEventType[];
  userId?: number;
  since?: Date;
  until?: Date;
}

/** Where a page ends: the last event's time and id (the order is newest first, the id breaking ties). */
export interface AuditPosition {
  at: Date;
  id: string;
}

export interface AuditStore {
  append(events: NewAuditRecord[]): Promise<void>;
  /** Up to `limit` events matching `filter`, newest first, after `position` when given. */
  list(filter: AuditFilter, limit: number, after: AuditPosition | null): Promise<AuditRecord[]>;
  prune(before: Date): Promise<void>;
}

export interface AuditPage {
  events: AuditRecord[];
  nextCursor: string | null;
}

/** The event an actor reports about whom it concerns: the principal's username is the actor. */
export function eventBy(
  by: Actor,
  type: AuditEventType,
  subject: { id: number; username: string | null } | null,
  details?: Record<string, unknown>,
): AuditEvent {
  return { type, actor: by.principal ? nameOf(by.principal) : null, userId: subject?.id ?? null, username: subject?.username ?? null, client: by.client, details };
}

// A cursor is the last event's time in milliseconds and its id, in base64url: opaque to clients, checked on the way in.
const CURSOR = /^(\d{1,15})\.(\d{1,19})$/;

export function encodeCursor(position: AuditPosition): string {
  return Buffer.from(`${position.at.getTime()}.${position.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): AuditPosition {
  const match = /^[A-Za-z0-9_-]{1,64}$/.test(cursor) ? CURSOR.exec(Buffer.from(cursor, 'base64url').toString('latin1')) : null;
  if (!match) throw new DomainError('BAD_USER_INPUT', 'after is not a cursor of this list', { fields: { after: ['is not a cursor of this list'] } });
  return { at: new Date(Number(match[1])), id: match[2]! };
}
