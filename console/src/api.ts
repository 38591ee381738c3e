import { createTRPCClient, httpLink } from '@trpc/client';
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../src/doors/trpc/router.js';

/**
 * The console's one way to Keyway: tRPC typed by AppRouter (a router change
 * that breaks a page fails `npm run build`), with the session's access token.
 * Tokens live in memory only, never in localStorage: a reload signs out.
 */

export type Outputs = inferRouterOutputs<AppRouter>;
export type SignedIn = Outputs['auth']['login'];
export type User = Outputs['users']['list'][number];

let session: SignedIn | null = null;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<() => void>();
let ended: string | null = null;

export const keyway = createTRPCClient<AppRouter>({
  links: [httpLink({ url: '/trpc', headers: () => (session ? { authorization: `Bearer ${session.token}` } : {}) })],
});

export function currentSession(): SignedIn | null {
  return session;
}

/** Why the last session ended when the console ended it (its refresh refused), for the sign-in page to say. */
export function endedBecause(): string | null {
  return ended;
}

export function onSessionChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Holds a signed-in pair, and refreshes it a minute before the access token expires. */
export function signedIn(pair: SignedIn): void {
  session = pair;
  ended = null;
  clearTimeout(refreshTimer);
  const due = Date.parse(pair.expiresAt) - Date.now() - 60_000;
  refreshTimer = setTimeout(() => void refresh(), Math.max(5_000, due));
  for (const listener of listeners) listener();
}

async function refresh(): Promise<void> {
  if (!session) return;
  try {
    signedIn(await keyway.auth.refresh.mutate({ refreshToken: session.refreshToken }));
  } catch {
    forget('Your session ended: sign in again.');
  }
}

function forget(reason: string | null): void {
  clearTimeout(refreshTimer);
  session = null;
  ended = reason;
  for (const listener of listeners) listener();
}

/** Revokes the session on Keyway, then forgets it here, even when Keyway cannot be reached (it then ends with its token). */
export async function signOut(): Promise<void> {
  try {
    await keyway.auth.logout.mutate();
  } catch {
    // Forgotten here all the same: nothing in this page can use it again.
  }
  forget(null);
}

/** The access token's claims (read, not verified: Keyway verifies it on every call). */
export function claims(): { amr?: string[]; sid?: string } {
  if (!session) return {};
  const payload = session.token.split('.')[1] ?? '';
  return JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { amr?: string[]; sid?: string };
}
