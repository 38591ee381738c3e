/**
 * `keyway/verify`: Keyway's access tokens verified inside another Node
 * service, with no call to Keyway per request (SPEC §14). It imports nothing
 * of the server: jose for the JOSE work, eventsource-parser for the feed.
 */
export { createVerifier, type Verifier, type VerifierOptions, type VerifyFailure, type VerifyResult } from './verifier.js';
export { keywayFastifyHook } from './fastify.js';
export { keywayExpressMiddleware } from './express.js';
export type { FeedState } from './feed.js';
export type { JWTPayload } from 'jose';
