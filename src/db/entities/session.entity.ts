import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { User } from './user.entity.js';

/**
 * One login. Its id is the `sid` claim of every access token it issues. The
 * refresh token itself is never stored: only the SHA-256 of the current one
 * and of the one it replaced (for the reuse interval).
 */
export const Session = defineEntity({
  name: 'Session',
  tableName: 'sessions',
  properties: {
    id: p.uuid().primary(),
    user: () => p.manyToOne(User).deleteRule('cascade').index('sessions_user_id_index'),
    refreshTokenHash: p.string().length(64).unique('sessions_refresh_token_hash_unique'),
    previousRefreshTokenHash: p.string().length(64).nullable(),
    /** How many times the refresh token was rotated; part of the token. */
    generation: p.integer().default(0),
    rotatedAt: p.datetime().columnType('timestamptz').nullable(),
    createdAt: p.datetime().columnType('timestamptz').onCreate(() => new Date()),
    expiresAt: p.datetime().columnType('timestamptz'),
    revokedAt: p.datetime().columnType('timestamptz').nullable(),
    revokedReason: p.string().length(32).nullable(),
    userAgent: p.string().length(512).nullable(),
    ipAddress: p.string().length(64).nullable(),
    /** How the user proved who they are (RFC 8176 values, space-separated): `pwd`, or `pwd otp`. Kept by refreshes. */
    amr: p.string().length(32).default('pwd'),
  },
});

export type Session = InferEntity<typeof Session>;
