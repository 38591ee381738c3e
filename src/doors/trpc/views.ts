import type { LoginResult, TokenVerification } from '../../core/auth.service.js';
import type { ProductRecord, UserRecord } from '../../core/records.js';

/** Plain JSON for a transformer-less router: what the client's types say is what arrives. */

export function userView(user: UserRecord) {
  return {
    id: user.id,
    username: user.username,
    role: { name: user.role.name, permissions: user.role.permissions },
    disabled: user.disabled,
    createdAt: user.createdAt.toISOString(),
  };
}

export function authPayloadView(result: LoginResult) {
  return {
    token: result.token,
    refreshToken: result.refreshToken,
    expiresAt: result.expiresAt.toISOString(),
    user: userView(result.user),
  };
}

export function verificationView(verdict: TokenVerification) {
  return verdict.valid
    ? { valid: true as const, code: null, payload: verdict.payload }
    : { valid: false as const, code: verdict.code, payload: null };
}

export function productView(product: ProductRecord) {
  return { ...product, createdAt: product.createdAt.toISOString(), updatedAt: product.updatedAt.toISOString() };
}
