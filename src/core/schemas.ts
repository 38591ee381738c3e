import { z } from 'zod';
import { AUDIT_EVENT_TYPES } from './audit.js';
import { DomainError } from './errors.js';
import { PASSWORD_MAX_BYTES, PASSWORD_MIN_LENGTH } from './password.js';
import { PERMISSIONS } from './permissions.js';
import { newUsernameProblem, USERNAME_KEY_MAX_LENGTH, USERNAME_MAX_LENGTH, usernameKey } from './usernames.js';

/**
 * Every door validates with these schemas: REST through Fastify (and its
 * OpenAPI document), tRPC through `.input()`, GraphQL through `parseInput`.
 */

/**
 * A string PostgreSQL can hold: NUL cannot be stored, and inside a query
 * parameter it breaks the wire protocol, so it is refused as input.
 */
function text() {
  return z.string().refine((value) => !value.includes('\u0000'), 'must not contain NUL characters');
}

/**
 * A username as typed at login. One whose key outgrows the column belongs to
 * nobody, and refusing it here keeps it out of the throttle's table too.
 */
export const usernameField = text()
  .min(1, 'is required')
  .max(USERNAME_MAX_LENGTH, { error: `must be at most ${USERNAME_MAX_LENGTH} characters`, abort: true })
  .refine((value) => usernameKey(value).length <= USERNAME_KEY_MAX_LENGTH, 'is too long once normalised');

/** A password as typed at login: any length up to the byte cap (the cap bounds argon2's input). */
export const passwordField = z
  .string()
  .min(1, 'is required')
  .refine((value) => Buffer.byteLength(value) <= PASSWORD_MAX_BYTES, `must be at most ${PASSWORD_MAX_BYTES} bytes`);

export const loginInput = z.object({ username: usernameField, password: passwordField });

/** A new username: one that shows as what it is (core/usernames.ts), its first problem reported. */
const newUsernameField = z.string().superRefine((value, ctx) => {
  const problem = newUsernameProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * A password being set: at least 8 characters (code points), the floor of
 * NIST SP 800-63B; at most 1024 bytes, so argon2's input is bounded.
 */
const newPasswordField = passwordField.refine(
  (value) => [...value].length >= PASSWORD_MIN_LENGTH,
  `must be at least ${PASSWORD_MIN_LENGTH} characters`,
);

export const changePasswordInput = z.object({ current: passwordField, next: newPasswordField });

/**
 * A second-factor code as typed (spaces around it dropped): six digits, or a
 * recovery code. Any text up to 64 characters is taken, so a malformed code is judged (INVALID_MFA_CODE)
 * and counted like a wrong one.
 */
export const mfaCodeField = text().trim().min(1, 'is required').max(64, 'must be at most 64 characters');
/** An `mfaToken` is 43 characters of base64url. */
export const mfaTokenField = text().min(1, 'is required').max(256, 'must be at most 256 characters');

export const completeLoginInput = z.object({ mfaToken: mfaTokenField, code: mfaCodeField });
export const confirmTotpInput = z.object({ code: mfaCodeField });
export const passwordInput = z.object({ password: passwordField });

export const roleNameField = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,63}$/, 'must be 1-64 lower-case letters, digits, "_" or "-", starting with a letter');

export const roleInput = z.object({
  name: roleNameField,
  permissions: z.array(z.enum(PERMISSIONS, { error: 'must be GET, POST, PUT or DELETE' })).max(4),
});
export type RoleInput = z.infer<typeof roleInput>;

export const roleNameInput = z.object({ name: roleNameField });

export const createUserInput = z.object({ username: newUsernameField, password: newPasswordField, role: roleNameField });
export type CreateUserInput = z.infer<typeof createUserInput>;

export const updateUserInput = z
  .object({
    role: roleNameField,
    disabled: z.boolean(),
    password: newPasswordField,
    /** Turns the user's second factor off (they enrol again); only `true` means anything. */
    resetMfa: z.literal(true, { error: 'must be true (to reset the second factor)' }),
  })
  .partial()
  .refine((changes) => Object.values(changes).some((value) => value !== undefined), 'must change at least one field');
export type UpdateUserInput = z.infer<typeof updateUserInput>;
export type LoginInput = z.infer<typeof loginInput>;

/** A JWT is a few hundred bytes; 8 KiB leaves room and bounds the work of decoding. */
export const tokenField = z.string().min(1, 'is required').max(8192, 'must be at most 8192 characters');

export const verifyTokenInput = z.object({ token: tokenField.optional() });

/** Where a subscriber resumes the revocation feed: anything but a sequence means from the replay (SPEC §14). */
export const revocationsInput = z.object({ lastEventId: z.string().nullish() }).nullish();

export const refreshInput = z.object({
  refreshToken: z.string().min(1, 'is required').max(256, 'must be at most 256 characters'),
});

export const logoutInput = z.object({ allSessions: z.boolean().default(false) });

const MAX_INT = 2_147_483_647;

/** An integer in a JSON body: a number, nothing else. */
function integer(min: number, max: number) {
  return z.number('must be an integer').int('must be an integer').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);
}

/** An integer from a path or a query string ("12") as well as from JSON, never from "" or "1e3". */
function integerParam(min: number, max: number) {
  return z
    .union([z.number(), z.string().regex(/^\d+$/).transform(Number)], { error: 'must be an integer' })
    .pipe(z.number().int('must be an integer').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
}

export const idField = integerParam(1, MAX_INT);

export const idInput = z.object({ id: idField });

const clientNameField = text().trim().min(1, 'is required').max(128, 'must be at most 128 characters');

export const createClientInput = z.object({ name: clientNameField, role: roleNameField });
export type CreateClientInput = z.infer<typeof createClientInput>;

export const updateClientInput = z
  .object({ name: clientNameField, role: roleNameField, disabled: z.boolean('must be true or false') })
  .partial()
  .refine((changes) => Object.values(changes).some((value) => value !== undefined), 'must change at least one field');
export type UpdateClientInput = z.infer<typeof updateClientInput>;

/** A point in time: a Date (GraphQL's DateTimeISO) or an ISO 8601 string with its offset (JSON). */
const instant = z.union([z.date(), z.iso.datetime({ offset: true }).transform((text) => new Date(text))], {
  error: 'must be an ISO 8601 date-time such as 2026-12-01T12:00:00Z',
});

export const auditListInput = z
  .object({
    types: z.array(z.enum(AUDIT_EVENT_TYPES, { error: 'must be an audit event type such as LOGIN_FAILED' })).max(AUDIT_EVENT_TYPES.length).optional(),
    userId: idField.optional(),
    since: instant.optional(),
    until: instant.optional(),
    limit: integerParam(1, 500).default(50),
    after: z.string('must be a cursor').max(128, 'must be at most 128 characters').optional(),
  })
  .refine((input) => !input.since || !input.until || input.since < input.until, { message: 'must be later than since', path: ['until'] });
export type AuditListInput = z.infer<typeof auditListInput>;

export const sessionIdField = z.uuid('must be a session id');
export const sessionIdInput = z.object({ id: sessionIdField });
export const userIdInput = z.object({ userId: idField });

export const paginationInput = z.object({
  limit: integerParam(1, 100).default(50),
  offset: integerParam(0, MAX_INT).default(0),
});
export type Pagination = z.infer<typeof paginationInput>;

/** A page of users, with `search`: those whose username contains it (case aside). */
export const userListInput = paginationInput.extend({ search: z.string().trim().max(64, 'must be at most 64 characters').optional() });
export type UserListQuery = z.infer<typeof userListInput>;

const PRICE = /^\d{1,10}(\.\d{1,2})?$/;

/** "12.5", "12.50" or 12.5 become "12.50"; more than two decimals, negatives and exponents are refused. */
const priceField = z
  .union([z.string(), z.number()])
  .transform((value, ctx) => {
    const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
    if (typeof text !== 'string' || !PRICE.test(text)) {
      ctx.addIssue({ code: 'custom', message: 'must be a non-negative decimal with at most two places' });
      return z.NEVER;
    }
    const [units, cents = ''] = text.split('.');
    return `${BigInt(units!).toString()}.${cents.padEnd(2, '0')}`;
  });

const productFields = {
  sku: text().trim().min(1, 'is required').max(64, 'must be at most 64 characters'),
  name: text().trim().min(1, 'is required').max(200, 'must be at most 200 characters'),
  description: text().max(5000, 'must be at most 5000 characters'),
  price: priceField,
  stock: integer(0, MAX_INT),
};

export const createProductInput = z.object({
  ...productFields,
  description: productFields.description.default(''),
});
export type CreateProductInput = z.infer<typeof createProductInput>;

export const updateProductInput = z
  .object(productFields)
  .partial()
  .refine((changes) => Object.values(changes).some((value) => value !== undefined), 'must change at least one field');
export type UpdateProductInput = z.infer<typeof updateProductInput>;

/** Validates input for a door that has no validation hook of its own (GraphQL). */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new DomainError('BAD_USER_INPUT', describeIssues(result.error), { fields: fieldErrors(result.error) });
}

export function fieldErrors(error: z.ZodError): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.length > 0 ? issue.path.join('.') : '_';
    (fields[key] ??= []).push(issue.message);
  }
  return fields;
}

export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')} ${issue.message}` : issue.message))
    .join('; ');
}
