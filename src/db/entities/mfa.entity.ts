import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { User } from './user.entity.js';

/** One of a user's single-use recovery codes, as its SHA-256 (core/mfa.service.ts). */
export const RecoveryCode = defineEntity({
  name: 'RecoveryCode',
  tableName: 'recovery_codes',
  uniques: [{ name: 'recovery_codes_user_id_code_hash_unique', properties: ['user', 'codeHash'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    user: () => p.manyToOne(User).deleteRule('cascade'),
    codeHash: p.string().length(64),
    usedAt: p.datetime().columnType('timestamptz').nullable(),
    createdAt: p.datetime().columnType('timestamptz'),
  },
});

export type RecoveryCode = InferEntity<typeof RecoveryCode>;

/**
 * A login whose password was right, waiting for its second factor: the
 * SHA-256 of the `mfaToken` handed out, taken (deleted) by the code that
 * completes it, so it completes one login at most.
 */
export const MfaChallenge = defineEntity({
  name: 'MfaChallenge',
  tableName: 'mfa_challenges',
  properties: {
    tokenHash: p.string().length(64).primary(),
    user: () => p.manyToOne(User).deleteRule('cascade').index('mfa_challenges_user_id_index'),
    /** The user's security version when the password was checked: a change since voids the challenge. */
    securityVersion: p.integer(),
    expiresAt: p.datetime().columnType('timestamptz').index('mfa_challenges_expires_at_index'),
  },
});

export type MfaChallenge = InferEntity<typeof MfaChallenge>;
