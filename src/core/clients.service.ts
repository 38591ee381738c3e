import { randomBytes, randomUUID } from 'node:crypto';
import { eventBy, type Actor, type AuditEvent } from './audit.js';
import type { AuditTrail } from './audit.service.js';
import { DomainError } from './errors.js';
import type { ClientInfo } from './auth.service.js';
import { PERMISSIONS, toPermissionMap, type Permission } from './permissions.js';
import type { ClientChanges, ClientRecord, ClientStore, RevocationReason } from './records.js';
import { hashSecretToken, sameHash } from './refresh-tokens.js';
import type { RevocationList } from './revocations.js';
import type { CreateClientInput, UpdateClientInput } from './schemas.js';
import type { Telemetry } from './telemetry.js';
import type { LoginThrottle } from './throttle.service.js';
import type { TokenCheck, TokenService } from './tokens.js';
import { unknownRole } from './users.service.js';

export type ClientsService = ReturnType<typeof createClientsService>;

export interface ClientsServiceOptions {
  store: ClientStore;
  revocations: RevocationList;
  audit: Pick<AuditTrail, 'record'>;
  telemetry: Telemetry;
  tokens: TokenService;
  throttle: LoginThrottle;
  /** CLIENT_TOKEN_TTL. */
  tokenTtlSeconds: number;
}

/** The client-credentials grant's answer: a token, or the RFC 6749 error a request earned. */
export type GrantResult =
  | { ok: true; accessToken: string; expiresIn: number; scope: string }
  | { ok: false; error: 'invalid_client' | 'invalid_scope'; description: string };

/** Compared with the secret of an unknown client, so that a miss costs what a wrong secret costs. */
const NO_SUCH_SECRET = hashSecretToken('no such client');

/** What a client authenticates with at the token and introspection endpoints. */
export interface ClientCredentials {
  clientId: string;
  secret: string;
}

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
export function createClientsService(options: ClientsServiceOptions) {
  const { store: clients, revocations, audit, telemetry, tokens, throttle } = options;
  const subjectOf = (credentials: ClientCredentials, from: ClientInfo) => ({
    actor: `client:${credentials.clientId}`,
    userId: null,
    username: null,
    client: from,
  });

  /**
   * Runs `use` for the client of `credentials` once its secret is checked,
   * throttled per client id and address like a login (a wrong secret counts;
   * the limit reached, even the right one waits); null when they are wrong
   * (an unknown client, a wrong secret and a disabled client alike, audited).
   */
  function authenticated<T>(credentials: ClientCredentials, from: ClientInfo, use: (client: ClientRecord) => Promise<T>): Promise<T | null> {
    const attempt = { key: `\u0001client:${credentials.clientId}`, address: from.ip };
    const subject = subjectOf(credentials, from);
    return throttle.inTurn(attempt, async () => {
      let failuresBefore: number;
      try {
        failuresBefore = await throttle.admit(attempt);
      } catch (error) {
        audit.record({ type: 'LOGIN_THROTTLED', ...subject, details: { clientId: credentials.clientId } });
        telemetry.login(from.door, 'throttled');
        throw error;
      }
      const found = await clients.findForGrant(credentials.clientId);
      const secretMatches = sameHash(found?.secretHash ?? NO_SUCH_SECRET, hashSecretToken(credentials.secret));
      if (!found || !secretMatches || found.disabled) {
        await throttle.failed(attempt, new DomainError('INVALID_PASSWORD'));
        const reason = !found ? 'CLIENT_NOT_FOUND' : !secretMatches ? 'INVALID_CLIENT_SECRET' : 'CLIENT_DISABLED';
        audit.record({ type: 'LOGIN_FAILED', ...subject, details: { clientId: credentials.clientId, reason } });
        telemetry.login(from.door, 'failure');
        return null;
      }
      await throttle.succeeded(attempt, failuresBefore);
      return use(found);
    });
  }

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

    /**
     * OAuth 2.0's client-credentials grant (RFC 6749 §4.4): the client
     * authenticated by its secret, and a token for its role's permissions,
     * narrowed to `scope`.
     */
    async grant(credentials: ClientCredentials, scope: string | undefined, from: ClientInfo): Promise<GrantResult> {
      const result = await authenticated(credentials, from, async (found): Promise<GrantResult> => {
        const granted = grantedPermissions(found.role.permissions, scope);
        if (!granted) {
          telemetry.login(from.door, 'failure');
          return { ok: false, error: 'invalid_scope', description: `scope must be some of: ${found.role.permissions.join(' ') || '(none)'}` };
        }
        const { token, claims } = tokens.signClient(
          { id: found.id, clientId: found.clientId, role: found.role.name, permissions: toPermissionMap(granted), credentialId: found.credentialId },
          options.tokenTtlSeconds,
        );
        await clients.touch(found.id);
        audit.record({ type: 'LOGIN_SUCCEEDED', ...subjectOf(credentials, from), details: { clientId: found.clientId, scope: claims.scope } });
        telemetry.login(from.door, 'success');
        return { ok: true, accessToken: token, expiresIn: claims.exp - claims.iat, scope: claims.scope };
      });
      return result ?? { ok: false, error: 'invalid_client', description: 'Client authentication failed' };
    },

    /**
     * Token introspection (RFC 7662) for an authenticated client: whether a
     * token is valid now (signature, expiry, revocation), and its claims if so.
     * Null when the client's own authentication fails.
     */
    async introspect(credentials: ClientCredentials, token: string, from: ClientInfo): Promise<TokenCheck | null> {
      return authenticated(credentials, from, async () => {
        const check = tokens.verify(token);
        telemetry.verification(from.door, check.ok);
        return check;
      });
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

/** The permissions a `scope` asks for, when the role grants each (no scope: all the role's); null for any other. */
function grantedPermissions(role: Permission[], scope: string | undefined): Permission[] | null {
  if (scope === undefined) return role;
  const asked = scope.split(' ');
  if (asked.some((name) => !(PERMISSIONS as readonly string[]).includes(name) || !role.includes(name as Permission))) return null;
  return role.filter((permission) => asked.includes(permission));
}
