import type { LoginResult, TokenVerification as CoreVerification } from '../../core/auth.service.js';
import type { ProductRecord, UserRecord } from '../../core/records.js';
import type { AuthPayload, Product, TokenVerification, User } from './types.js';

export function toUser(user: UserRecord): User {
  return {
    id: String(user.id),
    username: user.username,
    role: { name: user.role.name, permissions: user.role.permissions },
    disabled: user.disabled,
    createdAt: user.createdAt,
  };
}

export function toAuthPayload(result: LoginResult): AuthPayload {
  return { token: result.token, refreshToken: result.refreshToken, expiresAt: result.expiresAt, user: toUser(result.user) };
}

export function toVerification(verdict: CoreVerification): TokenVerification {
  return verdict.valid
    ? { valid: true, code: null, payload: verdict.payload }
    : { valid: false, code: verdict.code, payload: null };
}

export function toProduct(product: ProductRecord): Product {
  return { ...product, id: String(product.id) };
}

/** GraphQL's null for "not given" becomes the core's undefined. */
export function withoutNulls<T extends object>(input: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== null && value !== undefined)) as {
    [K in keyof T]: Exclude<T[K], null>;
  };
}
