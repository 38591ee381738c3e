import type { Permission } from './permissions.js';

/** What the core reads and writes, in persistence-neutral shapes; db/ implements the stores. */

export interface RoleRecord {
  name: string;
  permissions: Permission[];
}

export interface UserRecord {
  id: number;
  username: string;
  role: RoleRecord;
  disabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface ProductRecord {
  id: number;
  sku: string;
  name: string;
  description: string;
  /** A decimal string with two places, never a float. */
  price: string;
  stock: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewSession {
  id: string;
  userId: number;
  refreshTokenHash: string;
  expiresAt: Date;
  userAgent: string | null;
  ipAddress: string | null;
}

export interface NewUser {
  username: string;
  usernameKey: string;
  passwordHash: string;
  role: string;
}

export interface UserChanges {
  role?: string;
  disabled?: boolean;
  passwordHash?: string;
}

/** A rule checked against a user before a change, while no other change to admins can interleave. */
export type UserChangeGuard = (before: UserRecord, enabledAdmins: number) => void;

export interface UserStore {
  findForLogin(usernameKey: string): Promise<(UserRecord & { passwordHash: string }) | null>;
  findById(id: number): Promise<UserRecord | null>;
  /** Throws CONFLICT when the username key is taken, BAD_USER_INPUT when the role does not exist. */
  create(user: NewUser): Promise<UserRecord>;
  /** Applies `changes` after `guard` passes, in one transaction that holds the enabled admins' rows. */
  update(id: number, changes: UserChanges, guard: UserChangeGuard): Promise<UserRecord | null>;
}

export interface SessionStore {
  create(session: NewSession): Promise<void>;
}

export interface ProductStore {
  list(page: { limit: number; offset: number }): Promise<{ items: ProductRecord[]; total: number }>;
  findById(id: number): Promise<ProductRecord | null>;
  create(product: Omit<ProductRecord, 'id' | 'createdAt' | 'updatedAt'>): Promise<ProductRecord>;
  update(id: number, changes: Partial<Omit<ProductRecord, 'id' | 'createdAt' | 'updatedAt'>>): Promise<ProductRecord | null>;
  delete(id: number): Promise<boolean>;
}
