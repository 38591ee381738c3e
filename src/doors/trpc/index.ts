/**
 * What a frontend imports: `import type { AppRouter } from 'keyway/trpc'`.
 * Types only; the server's code stays on the server.
 */
export type { AppRouter } from './router.js';
export type { DomainErrorData } from './errors.js';
