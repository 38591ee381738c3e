import type { Config } from './config.js';
import { createAuditTrail, type AuditTrail } from './core/audit.service.js';
import { createAuthService, createPasswordCheck } from './core/auth.service.js';
import { createClientsService } from './core/clients.service.js';
import { KeyRing, type SigningAlgorithm } from './core/keys.js';
import { createKeysService } from './core/keys.service.js';
import { createMfaService } from './core/mfa.service.js';
import { createPasswordHasher } from './core/password.js';
import { resolvePrincipal } from './core/principal.js';
import { createProductsService } from './core/products.service.js';
import { RefreshTokens } from './core/refresh-tokens.js';
import { createRevocationFeed } from './core/revocation-feed.js';
import { RevocationList } from './core/revocations.js';
import { SecretBox } from './core/secret-box.js';
import { createRolesService } from './core/roles.service.js';
import type { Services } from './core/services.js';
import { createSessionsService } from './core/sessions.service.js';
import { startPruning, startSync } from './core/sync.js';
import { NO_TELEMETRY, type Telemetry } from './core/telemetry.js';
import { createLoginThrottle } from './core/throttle.service.js';
import { createTokenService } from './core/tokens.js';
import { createUsersService } from './core/users.service.js';
import { bootstrap } from './db/bootstrap.js';
import { openDatabase, type Database, type OpenOptions } from './db/database.js';
import { recordedValue, serverSecret } from './db/server-secret.repository.js';
import { createStores } from './db/stores.js';

export interface Logger {
  debug(message: string): void;
  warn(message: string): void;
  error(error: unknown, message: string): void;
  /** A line the person starting Keyway must see whatever the log level (the generated admin password). */
  notice(line: string): void;
}

/** Keyway without a transport: the database, the services over it, and the sync with other instances. */
export interface Keyway {
  services: Services;
  database: Database;
  /** What discovery says of the tokens: who issues them (fixed per database) and how they are signed. */
  tokens: { issuer: string; algorithm: SigningAlgorithm };
  close(): Promise<void>;
}

/** How often an instance on PostgreSQL looks for other instances' revocations and keys. */
const SYNC_INTERVAL_MS = 250;
/** How often revocations no token can need any more are forgotten. */
const PRUNE_INTERVAL_MS = 60_000;
/** A new key is published this long before it signs: three looks by every other instance. */
const KEY_ACTIVATION_DELAY_MS = 3 * SYNC_INTERVAL_MS;

/**
 * The composition root of the core: repositories, then services. Nothing is
 * a module-level singleton, so a test opens as many as it likes, on either
 * database, and the command line opens one without an HTTP server.
 */
export interface KeywayOptions extends OpenOptions {
  /** Milliseconds since the epoch, as second-factor codes are checked against it; the system's clock by default (tests move theirs). */
  now?: () => number;
  /** What the core counts (a server's metrics); nothing by default. */
  telemetry?: Telemetry;
}

export async function openKeyway(config: Config, log: Logger, options: KeywayOptions = {}): Promise<Keyway> {
  const database = await openDatabase(config.database, (message) => log.debug(message), options);
  try {
    const { services, tokens, stop } = await createServices(config, database, log, options.now ?? Date.now, options.telemetry ?? NO_TELEMETRY);
    return {
      services,
      database,
      tokens,
      async close() {
        await stop();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

async function createServices(config: Config, database: Database, log: Logger, now: () => number, telemetry: Telemetry) {
  const { orm } = database;
  const { jwt } = config;
  const passwords = createPasswordHasher(config.passwordHashConcurrency);
  const stores = createStores(database, { signingKeys: !jwt.secret });
  const signingKeyStore = stores.signingKeys;
  const { refreshKey, mfaKey, issuer } = await database.exclusively(async () => {
    await bootstrap({
      orm,
      passwords,
      signingKeys: signingKeyStore,
      admin: config.admin,
      announce: (message) => log.warn(message),
      showOnce: (line) => log.notice(line),
    });
    // The issuer names the database of users and keys, not this process: unless the environment names
    // one, every instance and every restart (on any port) use the one the first start recorded.
    const recorded = await recordedValue(orm, 'issuer', () => jwt.issuer ?? config.publicUrl);
    return {
      refreshKey: await serverSecret(orm, 'refresh_token_mac'),
      mfaKey: await serverSecret(orm, 'totp_secret_key'),
      issuer: jwt.issuer ?? recorded,
    };
  });

  // A revoked session (or client credential) matters until the last access token it issued has expired:
  // a user's or a machine client's, whichever lives longer.
  const tokenLifetimeSeconds = Math.max(jwt.accessTtlSeconds, config.clientTokenTtlSeconds) + jwt.clockToleranceSeconds;
  const keyRing = signingKeyStore
    ? KeyRing.forStoredKeys(await signingKeyStore.list(), tokenLifetimeSeconds)
    : KeyRing.forSecret(jwt.secret!);
  const sessionStore = stores.sessions;
  const revocations = new RevocationList(tokenLifetimeSeconds * 1000, (revoked) => telemetry.revoked(revoked));
  const audit: AuditTrail = createAuditTrail({ store: stores.audit, onError: (error, message) => log.error(error, message) });
  revocations.learn(await sessionStore.revokedSince(tokenLifetimeSeconds));

  const tokens = createTokenService({
    keys: keyRing,
    issuer,
    audience: jwt.audience,
    ttlSeconds: jwt.accessTtlSeconds,
    clockToleranceSeconds: jwt.clockToleranceSeconds,
    isRevoked: (sessionId) => revocations.has(sessionId),
    cacheSize: jwt.cacheSize,
  });
  const userStore = stores.users;
  const sessions = createSessionsService({
    sessions: sessionStore,
    users: userStore,
    tokens,
    refreshTokens: new RefreshTokens(refreshKey),
    revocations,
    refreshTtlSeconds: config.sessions.refreshTtlSeconds,
    reuseIntervalSeconds: config.sessions.reuseIntervalSeconds,
    audit,
  });
  const keys = createKeysService({
    ring: keyRing,
    store: signingKeyStore,
    // PGlite has one process: nobody else needs to learn the key first.
    activationDelayMs: database.kind === 'postgres' ? KEY_ACTIVATION_DELAY_MS : 0,
    retiredKeyLifetimeMs: tokenLifetimeSeconds * 1000,
    audit,
  });
  const throttle = createLoginThrottle({ attempts: stores.loginAttempts, ...config.throttle });
  const passwordCheck = { users: userStore, passwords, throttle, hideUnknownUsers: config.hideUnknownUsers };
  const mfa = createMfaService({
    store: stores.mfa,
    users: userStore,
    sessions,
    throttle,
    revocations,
    checkPassword: createPasswordCheck(passwordCheck),
    box: new SecretBox(mfaKey),
    issuer: config.totpIssuer,
    now,
    audit,
    telemetry,
  });
  const feed = createRevocationFeed({ store: sessionStore, revocations, tokens, retainSeconds: tokenLifetimeSeconds });
  const services: Services = {
    auth: createAuthService({ ...passwordCheck, sessions, tokens, revocations, audit, telemetry, challenge: (user) => mfa.challenge(user) }),
    mfa,
    sessions,
    users: createUsersService(userStore, passwords, revocations, audit),
    roles: createRolesService(stores.roles, revocations, audit),
    products: createProductsService(stores.products),
    keys,
    clients: createClientsService({
      store: stores.clients,
      revocations,
      audit,
      telemetry,
      tokens,
      throttle,
      tokenTtlSeconds: config.clientTokenTtlSeconds,
    }),
    audit,
    feed,
    resolvePrincipal(authorization, door) {
      const principal = resolvePrincipal(tokens, authorization);
      if (principal.ok || principal.reason !== 'MISSING') telemetry.verification(door, principal.ok);
      return principal;
    },
    jwks: () => keyRing.jwks(),
    databaseReady: () => database.ping(),
  };

  // Other instances exist only on PostgreSQL; PGlite's one process knows everything it did.
  const sync =
    database.kind === 'postgres'
      ? startSync({
          sessions: sessionStore,
          keys,
          revocations,
          intervalMs: SYNC_INTERVAL_MS,
          retainSeconds: tokenLifetimeSeconds,
          onError: (error) => log.error(error, 'cannot read revocations and keys from the database; retrying'),
          onRecovered: () => log.warn('reading revocations and keys from the database again'),
        })
      : undefined;
  // Told at once of what other instances commit (NOTIFY); the polling above is the fallback.
  const listening = sync
    ? await database.listen({
        onChange: (change) => (change.kind === 'revoked' ? revocations.learn([change]) : sync.poke()),
        onError: (error) => log.error(error, 'cannot listen for other instances\' revocations; polling meanwhile'),
        onRecovered: () => log.warn('listening for other instances\' revocations again'),
      })
    : undefined;
  const pruning = startPruning({
    sessions: sessionStore,
    challenges: stores.mfa,
    audit: { trail: audit, retentionSeconds: config.auditRetentionSeconds },
    revocations,
    retainSeconds: tokenLifetimeSeconds,
    intervalMs: PRUNE_INTERVAL_MS,
    onError: (error) => log.error(error, 'cannot prune old revocations; retrying'),
  });
  return {
    services,
    tokens: { issuer, algorithm: keyRing.algorithm },
    stop: async () => {
      await listening?.close();
      await Promise.all([sync?.stop(), pruning.stop()]);
      await audit.close();
    },
  };
}
