import type { LoginResult, TokenVerification } from '../core/auth.service.js';
import type { AuditPage } from '../core/audit.js';
import type { ClientWithSecret } from '../core/clients.service.js';
import type { KeyInfo } from '../core/keys.service.js';
import type { ClientRecord, ProductRecord, UserRecord } from '../core/records.js';
import type { RevocationEvent } from '../core/revocation-feed.js';
import type { ListedSession } from '../core/sessions.service.js';
import { isClientClaims, type AccessClaims } from '../core/tokens.js';

/**
 * The JSON shapes the REST and tRPC doors answer with (GraphQL's are its
 * schema's types). Each lists its fields: a field added to a record reaches
 * no client until it is added here. Dates travel as ISO strings.
 */

export function userView(user: UserRecord) {
  return {
    id: user.id,
    username: user.username,
    role: { name: user.role.name, permissions: user.role.permissions },
    disabled: user.disabled,
    createdAt: user.createdAt.toISOString(),
  };
}

export function clientView(client: ClientRecord) {
  return {
    id: client.id,
    clientId: client.clientId,
    name: client.name,
    role: { name: client.role.name, permissions: client.role.permissions },
    disabled: client.disabled,
    createdAt: client.createdAt.toISOString(),
    lastUsedAt: client.lastUsedAt?.toISOString() ?? null,
  };
}

export function clientWithSecretView({ client, secret }: ClientWithSecret) {
  return { client: clientView(client), secret };
}

export function sessionView(session: ListedSession) {
  return {
    id: session.id,
    createdAt: session.createdAt.toISOString(),
    lastUsedAt: session.lastUsedAt.toISOString(),
    expiresAt: session.expiresAt.toISOString(),
    ipAddress: session.ipAddress,
    userAgent: session.userAgent,
    current: session.current,
  };
}

export function keyView(key: KeyInfo) {
  const iso = (date: Date | null) => date?.toISOString() ?? null;
  return {
    kid: key.kid,
    algorithm: key.algorithm,
    state: key.state,
    createdAt: iso(key.createdAt),
    activatesAt: iso(key.activatesAt),
    retiredAt: iso(key.retiredAt),
    publishedUntil: iso(key.publishedUntil),
  };
}

/** A revoked session as the subscriptions tell it (the REST feed sends its signed Security Event Token). */
export function revocationView(event: RevocationEvent) {
  return { sessionId: event.sessionId, revokedAt: event.revokedAt.toISOString() };
}

export function auditPageView(page: AuditPage) {
  return {
    events: page.events.map((event) => ({
      id: event.id,
      at: event.at.toISOString(),
      type: event.type,
      actor: event.actor,
      userId: event.userId,
      username: event.username,
      ipAddress: event.ipAddress,
      userAgent: event.userAgent,
      door: event.door,
      details: event.details,
    })),
    nextCursor: page.nextCursor,
  };
}

export function productView(product: ProductRecord) {
  return {
    id: product.id,
    sku: product.sku,
    name: product.name,
    description: product.description,
    price: product.price,
    stock: product.stock,
    createdAt: product.createdAt.toISOString(),
    updatedAt: product.updatedAt.toISOString(),
  };
}

export function tokenPairView(result: LoginResult) {
  return {
    token: result.token,
    refreshToken: result.refreshToken,
    expiresAt: result.expiresAt.toISOString(),
    user: userView(result.user),
  };
}

/** An access token's claims, as verified. */
export function claimsView(claims: AccessClaims) {
  const { GET, POST, PUT, DELETE } = claims.roles;
  if (isClientClaims(claims)) {
    return {
      sub: claims.sub,
      client_id: claims.client_id,
      role: claims.role,
      roles: { GET, POST, PUT, DELETE },
      scope: claims.scope,
      iat: claims.iat,
      exp: claims.exp,
      iss: claims.iss,
      jti: claims.jti,
      sid: claims.sid,
      ...(claims.aud === undefined ? {} : { aud: claims.aud }),
    };
  }
  return {
    sub: claims.sub,
    id: claims.id,
    username: claims.username,
    role: claims.role,
    roles: { GET, POST, PUT, DELETE },
    iat: claims.iat,
    exp: claims.exp,
    iss: claims.iss,
    jti: claims.jti,
    sid: claims.sid,
    amr: claims.amr,
    ...(claims.aud === undefined ? {} : { aud: claims.aud }),
  };
}

export function verificationView(verdict: TokenVerification) {
  return verdict.valid
    ? { valid: true as const, code: null, payload: claimsView(verdict.payload) }
    : { valid: false as const, code: verdict.code, payload: null };
}
