import 'reflect-metadata';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Config } from './config.js';
import { errorForLog } from './db/error-log.js';
import type { Services } from './core/services.js';
import type { Database } from './db/database.js';
import type { Embedded } from './db/pglite/embedded.js';
import { consoleDoor } from './doors/console/index.js';
import { controlDoor } from './doors/control/index.js';
import { eventsDoor } from './doors/events/index.js';
import { graphqlDoor } from './doors/graphql/index.js';
import { metricsDoor } from './doors/metrics/index.js';
import { oauthDoor } from './doors/oauth/index.js';
import { createMetrics } from './doors/metrics/metrics.js';
import { restDoor } from './doors/rest/index.js';
import { trpcDoor } from './doors/trpc/plugin.js';
import { executeCommand } from './cli/commands.js';
import { openKeyway, type Logger } from './keyway.js';

export interface AppOptions {
  /** Where logs go (tests capture them); stdout by default. */
  logStream?: { write(line: string): void };
  /** Where lines a person must see whatever the log level go (the generated admin password); stderr by default. */
  noticeStream?: { write(line: string): void };
  /** On PGlite, the embedded database main.ts started before loading this module (started here otherwise). */
  embedded?: Embedded;
  /** The clock second-factor codes are checked against (tests move theirs); the system's by default. */
  now?: () => number;
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
 * A request as logged: no headers, and the path without its query string,
 * where a tRPC query carries its input (a token to verify, say).
 */
function requestForLog(request: FastifyRequest) {
  const query = request.url.indexOf('?');
  return {
    method: request.method,
    url: query === -1 ? request.url : `${request.url.slice(0, query)}?…`,
    remoteAddress: request.ip,
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The services and database behind the doors, for the command line and the tests. */
    keyway: { services: Services; database: Database };
  }
}

/** The server: Keyway's core, then its doors (three over HTTP; the command line's on PGlite). */
export async function buildApp(config: Config, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: { paths: REDACTED, censor: '[redacted]' },
      // Errors too: a database error's message and fields can carry the statement and its parameters.
      serializers: { req: requestForLog, err: errorForLog },
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    bodyLimit: 64 * 1024,
    trustProxy: config.trustProxy ?? false,
    routerOptions: { maxParamLength: 5000 },
    return503OnClosing: true,
  });

  const log: Logger = {
    debug: (message) => app.log.debug(message),
    warn: (message) => app.log.warn(message),
    error: (error, message) => app.log.error({ err: error }, message),
    notice: (line) => (options.noticeStream ?? process.stderr).write(`keyway: ${line}\n`),
  };
  const metrics = createMetrics();
  const keyway = await openKeyway(config, log, { embedded: options.embedded, now: options.now, telemetry: metrics });
  metrics.watchPool(() => keyway.database.poolStats());
  app.addHook('onResponse', metrics.onResponse);
  app.addHook('onClose', () => keyway.close());
  // Once closing, every answer (to a request already in flight) ends its connection: otherwise the
  // server would wait for clients' idle keep-alive connections to time out before it could exit.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
    // The feed's streams never go idle: ended here, or closing would wait for them forever.
    keyway.services.feed.close();
  });
  // An answer sent before its request's body was read to the end (a body refused for its size or type,
  // a body sent with a GET) ends its connection too: kept alive, Node would read and discard the rest
  // of the body, however long the client kept sending it.
  // A callback hook, not an async one: it runs on every answer, and a promise per answer shows in profiles.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (closing || !request.raw.complete) reply.header('connection', 'close');
    done(null, payload);
  });
  try {
    const { services, database } = keyway;
    app.decorate('keyway', { services, database });
    await app.register(restDoor, { services, discovery: { ...keyway.tokens, publicUrl: config.publicUrl } });
    await app.register(graphqlDoor, { services, introspection: config.graphqlIntrospection });
    await app.register(trpcDoor, { services });
    await app.register(oauthDoor, { services });
    await app.register(eventsDoor, { services, keepAliveMs: config.feedKeepAliveSeconds * 1000 });
    await app.register(consoleDoor);
    await app.register(metricsDoor, { metrics, token: config.metricsToken });
    if (config.database.kind === 'pglite') {
      // The command line's way in while this process owns the data directory: its commands, run here.
      await app.register(controlDoor, {
        dataDir: config.database.dataDir,
        execute: (request, onUnexpected) => executeCommand(services, request, onUnexpected),
      });
    }
    await app.ready();
  } catch (error) {
    await app.close();
    throw error;
  }
  return app;
}
