import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { timestamps } from './timestamps.js';
import { Role } from './role.entity.js';

export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p.integer().primary().autoincrement(),
    /** As the user wrote it; shown back. */
    username: p.string().length(254),
    /** NFKC + case folded (core/usernames.ts): what uniqueness and login compare. */
    usernameKey: p.string().length(1024).unique('users_username_key_unique'),
    /**
     * What names that look alike share (core/lookalikes.ts), unique so no two
     * users' names can be mistaken for each other. Null only on a name that
     * looked like an older user's before names were checked (the migration
     * that added it keeps it on the oldest).
     */
    usernameSkeleton: p.string().length(64).nullable().unique('users_username_skeleton_unique'),
    passwordHash: p.text().hidden().lazy(),
    role: () => p.manyToOne(Role).fieldName('role_name').ref(),
    disabled: p.boolean().default(false),
    /** Raised by every change that revokes the user's sessions; a login stores its session only while it is unchanged. */
    securityVersion: p.integer().default(0),
    /** The confirmed TOTP secret, encrypted (core/secret-box.ts); null without a second factor. */
    totpSecret: p.text().nullable().hidden().lazy(),
    /** A secret handed out by an enrolment not yet confirmed with a code, encrypted. */
    totpPendingSecret: p.text().nullable().hidden().lazy(),
    /** The last 30-second step whose code was accepted: a code is accepted once. */
    totpLastStep: p.integer().nullable(),
    ...timestamps(),
  },
});

export type User = InferEntity<typeof User>;
