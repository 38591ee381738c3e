import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { newUsernameProblem } from './core/usernames.js';

/** A wrong environment value: main prints `message` as one line and exits 1. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const DURATION = /^(\d+)\s*(ms|s|m|h|d)?$/;
const UNIT_SECONDS = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 } as const;

/** `"4h"`, `"30d"`, `"10s"`, `"500ms"` or a bare number of seconds, as seconds. */
function duration(min: number, max: number) {
  return z
    .string()
    .regex(DURATION, 'must be a duration such as 30s, 15m, 4h or 30d')
    .transform((text) => {
      const [, amount, unit] = DURATION.exec(text) as RegExpExecArray;
      return Number(amount) * UNIT_SECONDS[(unit ?? 's') as keyof typeof UNIT_SECONDS];
    })
    .refine((seconds) => seconds >= min && seconds <= max, `must lie between ${min}s and ${max}s`);
}

const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL');

const environment = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: postgresUrl.optional(),
  ADMIN_USERNAME: z
    .string()
    .max(64)
    .superRefine((value, ctx) => {
      // The rules of every new username: the first start creates this one.
      const problem = newUsernameProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .default('admin'),
  ADMIN_PASSWORD: z
    .string()
    .min(8, 'must be at least 8 characters')
    .refine((value) => Buffer.byteLength(value) <= 1024, 'must be at most 1024 bytes')
    .optional(),
  JWT_SECRET: z
    .string()
    .refine((value) => Buffer.byteLength(value) >= 32, 'must be at least 32 bytes')
    .optional(),
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  TOKEN_TTL: duration(60, 7 * 86400).default(4 * 3600),
  REFRESH_TTL: duration(60, 365 * 86400).default(30 * 86400),
  REFRESH_REUSE_INTERVAL: duration(0, 300).default(10),
  CLOCK_TOLERANCE: duration(0, 300).default(5),
  TRUST_PROXY: z
    .string()
    .transform((value) => value.split(',').map((entry) => entry.trim()).filter(Boolean))
    .refine(
      (entries) => entries.length > 0 && entries.every(isProxyAddress),
      'must list the proxy addresses or CIDRs to trust, comma-separated (or loopback, linklocal, uniquelocal)',
    )
    .optional(),
  HIDE_UNKNOWN_USERS: boolean.default(false),
  TOTP_ISSUER: z.string().trim().min(1).max(64).default('Keyway'),
  GRAPHQL_INTROSPECTION: boolean.optional(),
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  LOGIN_FAILURE_WINDOW: duration(1, 86400).default(15 * 60),
  TOKEN_CACHE_SIZE: z.coerce.number().int().min(0).max(1_000_000).default(10_000),
  PASSWORD_HASH_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
  AUDIT_RETENTION: duration(3600, 10 * 365 * 86400).default(90 * 86400),
  CLIENT_TOKEN_TTL: duration(60, 86400).default(3600),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').max(512).optional(),
  FEED_KEEPALIVE: duration(1, 300).default(15),
});


export type DatabaseConfig =
  | { kind: 'pglite'; dataDir: string }
  | { kind: 'postgres'; url: string };

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  publicUrl: string;
  logLevel: string;
  database: DatabaseConfig;
  admin: { username: string; password?: string };
  jwt: {
    /** HS256 when set, RS256 with keys stored in the database otherwise. */
    secret?: string;
    /**
     * The issuer when the environment names one (JWT_ISSUER, else PUBLIC_URL). Unset, the issuer is the
     * database's: the one its first start recorded, so every instance and every restart agree.
     */
    issuer?: string;
    audience?: string;
    accessTtlSeconds: number;
    clockToleranceSeconds: number;
    /** Verified tokens remembered (their expiry and session still checked on every use); 0 turns it off. */
    cacheSize: number;
  };
  sessions: { refreshTtlSeconds: number; reuseIntervalSeconds: number };
  /** The proxies (addresses, CIDRs) whose X-Forwarded-For is believed; none by default. */
  trustProxy?: string[];
  hideUnknownUsers: boolean;
  /** The name authenticator apps show beside a Keyway account (TOTP_ISSUER). */
  totpIssuer: string;
  /** Whether GraphQL answers introspection: on by default, off by default in production. */
  graphqlIntrospection: boolean;
  /** Failed logins allowed per username and client address inside the window. */
  throttle: { maxFailures: number; windowSeconds: number };
  /** argon2 computations allowed at once; one core is always left for everything else. */
  passwordHashConcurrency: number;
  /** How long audit events are kept (AUDIT_RETENTION). */
  auditRetentionSeconds: number;
  /** How long a machine client's access token lives (CLIENT_TOKEN_TTL). */
  clientTokenTtlSeconds: number;
  /** The bearer token `/metrics` answers (METRICS_TOKEN); unset, it answers loopback clients only. */
  metricsToken?: string;
  /** How often the revocation feed writes a comment line, so proxies keep an idle stream open (FEED_KEEPALIVE). */
  feedKeepAliveSeconds: number;
}

/**
 * Parses the environment once. Empty strings count as unset, the way `.env`
 * files usually leave optional variables. The first wrong variable throws a
 * ConfigError naming it; secret values are never echoed back.
 */
export function loadConfig(source: Record<string, string | undefined>): Config {
  const present = Object.fromEntries(
    Object.entries(source).filter(([key, value]) => key in environment.shape && value !== undefined && value !== ''),
  );
  const parsed = environment.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0]);
    throw new ConfigError(`Invalid configuration: ${variable} ${describe(issue)}`);
  }
  const e = parsed.data;
  const configuredUrl = e.PUBLIC_URL?.replace(/\/+$/, '');
  const publicUrl = configuredUrl ?? `http://localhost:${e.PORT}`;
  if (e.REFRESH_TTL < e.TOKEN_TTL) {
    throw new ConfigError('Invalid configuration: REFRESH_TTL must not be shorter than TOKEN_TTL');
  }
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    publicUrl,
    logLevel: e.LOG_LEVEL,
    database: e.DATABASE_URL ? { kind: 'postgres', url: e.DATABASE_URL } : { kind: 'pglite', dataDir: e.DATA_DIR },
    admin: { username: e.ADMIN_USERNAME, password: e.ADMIN_PASSWORD },
    jwt: {
      secret: e.JWT_SECRET,
      issuer: e.JWT_ISSUER ?? configuredUrl,
      audience: e.JWT_AUDIENCE,
      accessTtlSeconds: e.TOKEN_TTL,
      clockToleranceSeconds: e.CLOCK_TOLERANCE,
      cacheSize: e.TOKEN_CACHE_SIZE,
    },
    sessions: { refreshTtlSeconds: e.REFRESH_TTL, reuseIntervalSeconds: e.REFRESH_REUSE_INTERVAL },
    trustProxy: e.TRUST_PROXY,
    hideUnknownUsers: e.HIDE_UNKNOWN_USERS,
    totpIssuer: e.TOTP_ISSUER,
    throttle: { maxFailures: e.LOGIN_MAX_FAILURES, windowSeconds: e.LOGIN_FAILURE_WINDOW },
    graphqlIntrospection: e.GRAPHQL_INTROSPECTION ?? e.NODE_ENV !== 'production',
    passwordHashConcurrency: e.PASSWORD_HASH_CONCURRENCY ?? Math.max(1, availableParallelism() - 1),
    auditRetentionSeconds: e.AUDIT_RETENTION,
    clientTokenTtlSeconds: e.CLIENT_TOKEN_TTL,
    metricsToken: e.METRICS_TOKEN,
    feedKeepAliveSeconds: e.FEED_KEEPALIVE,
  };
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_value' && 'values' in issue) {
    return `must be one of ${issue.values.join(', ')}`;
  }
  if (issue.code === 'invalid_type') return 'must be a number';
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    const bound = issue.code === 'too_small' ? `at least ${issue.minimum}` : `at most ${issue.maximum}`;
    return issue.origin === 'string' ? `must be ${bound} characters` : `must be ${bound}`;
  }
  return issue.message;
}

const PROXY_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGES.has(entry)) return true;
  const [address, bits, ...rest] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  const width = Number(bits);
  return /^\d+$/.test(bits) && width <= (family === 4 ? 32 : 128);
}
