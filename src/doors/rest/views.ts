import type { LoginResult } from '../../core/auth.service.js';

/** StockAPI's login answer (`token` and `user` as StockAPI sent them), with a refresh token and the expiry beside the token. */
export function loginView(result: LoginResult) {
  return {
    token: result.token,
    refreshToken: result.refreshToken,
    expiresAt: result.expiresAt.toISOString(),
    user: { id: result.user.id, username: result.user.username, role: result.user.role.name },
  };
}

/** B2Market's login answer: the pair and the access token's expiry. */
export function b2marketLoginView(result: LoginResult) {
  return { token: result.token, refreshToken: result.refreshToken, expiresAt: result.expiresAt.toISOString() };
}
