import 'reflect-metadata';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { createAuthService } from './core/auth.service.js';
import { KeyRing } from './core/keys.js';
import { createPasswordHasher } from './core/password.js';
import { createProductsService } from './core/products.service.js';
import type { Services } from './core/services.js';
import { createLoginThrottle } from './core/throttle.service.js';
import { createTokenService } from './core/tokens.js';
import { createUsersService } from './core/users.service.js';
import { bootstrap } from './db/bootstrap.js';
import { openDatabase, type Database } from './db/database.js';
import { createLoginAttemptRepository } from './db/login-attempt.repository.js';
import { createProductRepository } from './db/product.repository.js';
import { createSessionRepository } from './db/session.repository.js';
import { createSigningKeyRepository } from './db/signing-key.repository.js';
import { createUserRepository } from './db/user.repository.js';
import { graphqlDoor } from './doors/graphql/index.js';
import { restDoor } from './doors/rest/index.js';
import { trpcDoor } from './doors/trpc/plugin.js';

export interface AppOptions {
  /** Where logs go (tests capture them); stdout by default. */
  logStream?: { write(line: string): void };
}

// Anything that could carry a secret is censored before a log line is written.
const REDACTED = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.passwordHash',
  '*.token',
  '*.refreshToken',
  '*.privateKey',
  '*.secret',
  '*.authorization',
];

/**
 * The composition root: logger, database, repositories, services, then the
 * three doors over them. Nothing here is a module-level singleton, so a test
 * builds as many apps as it likes, on either database.
 */
export async function buildApp(config: Config, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: { paths: REDACTED, censor: '[redacted]' },
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    bodyLimit: 64 * 1024,
    trustProxy: config.trustProxy ?? false,
    routerOptions: { maxParamLength: 5000 },
    return503OnClosing: true,
  });

  const database = await openDatabase(config.database, (message) => app.log.debug({ orm: message }));
  app.addHook('onClose', () => database.close());
  try {
    const services = await createServices(config, database, (message) => app.log.warn(message));
    app.decorate('keyway', { services, database });
    await app.register(restDoor, { services });
    await app.register(graphqlDoor, { services });
    await app.register(trpcDoor, { services });
    await app.ready();
  } catch (error) {
    await app.close();
    throw error;
  }
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The services and database behind the doors, for the command line and the tests. */
    keyway: { services: Services; database: Database };
  }
}

async function createServices(
  config: Config,
  database: Database,
  announce: (message: string) => void,
): Promise<Services> {
  const { orm } = database;
  const passwords = createPasswordHasher(config.passwordHashConcurrency);
  const signingKeys = createSigningKeyRepository(orm);
  await database.exclusively(() =>
    bootstrap({ orm, passwords, signingKeys, admin: config.admin, needsSigningKey: !config.jwt.secret, announce }),
  );

  const { jwt } = config;
  const keys = jwt.secret
    ? KeyRing.forSecret(jwt.secret)
    : KeyRing.forStoredKeys(await signingKeys.list(), jwt.accessTtlSeconds + jwt.clockToleranceSeconds);
  const tokens = createTokenService({
    keys,
    issuer: jwt.issuer,
    audience: jwt.audience,
    ttlSeconds: jwt.accessTtlSeconds,
    clockToleranceSeconds: jwt.clockToleranceSeconds,
    isRevoked: () => false,
  });
  const users = createUserRepository(orm);
  const auth = createAuthService({
    users,
    sessions: createSessionRepository(orm),
    passwords,
    tokens,
    throttle: createLoginThrottle({ attempts: createLoginAttemptRepository(orm), ...config.throttle }),
    refreshTtlSeconds: config.sessions.refreshTtlSeconds,
    hideUnknownUsers: config.hideUnknownUsers,
  });
  return {
    auth,
    products: createProductsService(createProductRepository(orm)),
    users: createUsersService(users, passwords),
    tokens,
    keys,
    databaseReady: () => database.ping(),
    settings: { production: config.env === 'production', issuer: jwt.issuer, publicUrl: config.publicUrl },
  };
}
