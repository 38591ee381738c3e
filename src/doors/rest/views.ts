import type { LoginResult } from '../../core/auth.service.js';
import type { ProductRecord } from '../../core/records.js';

/** StockAPI's login answer (SPEC §4), with a refresh token and the expiry beside the token. */
export function loginView(result: LoginResult) {
  return {
    token: result.token,
    refreshToken: result.refreshToken,
    expiresAt: result.expiresAt.toISOString(),
    user: { id: result.user.id, username: result.user.username, role: result.user.role.name },
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
