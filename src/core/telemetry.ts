import type { Door } from './auth.service.js';
import type { RevokedSession } from './records.js';

/** How a login attempt ended, as the metrics count it. */
export type LoginOutcome = 'success' | 'failure' | 'throttled' | 'mfa_required';

/**
 * What the core counts as it works: Prometheus' counters (src/metrics.ts)
 * in a server, nothing on the command line. Each call is on a hot path
 * (verification counts every bearer token), so it only increments.
 */
export interface Telemetry {
  login(door: Door, outcome: LoginOutcome): void;
  verification(door: Door, valid: boolean): void;
  /** Sessions this instance revoked (other instances count their own). */
  revoked(sessions: readonly RevokedSession[]): void;
}

export const NO_TELEMETRY: Telemetry = { login() {}, verification() {}, revoked() {} };
