/**
 * The verifier's few requests to Keyway, each bounded in time: a verifier
 * that cannot reach its issuer must say so, never wait forever.
 */

export const DEFAULT_TIMEOUT_MS = 5000;

export interface Answer {
  status: number;
  /** The body parsed as JSON; undefined when it is not JSON. */
  body: unknown;
}

/**
 * `url`'s answer, its body read to the end, within `timeoutMs`; a network
 * failure or timeout throws one clear Error. `stop` abandons it (a closing verifier).
 */
export async function request(url: string, init: RequestInit, timeoutMs: number, what: string, stop?: AbortSignal): Promise<Answer> {
  let response: Response;
  let text: string;
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    // The signal covers the body too: a server that sends headers and then stalls is caught as well.
    response = await fetch(url, { ...init, redirect: 'follow', signal: stop ? AbortSignal.any([timeout, stop]) : timeout });
    text = await response.text();
  } catch (error) {
    throw new Error(failureOf(error, url, timeoutMs, what), { cause: error });
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body };
}

/** "… did not answer within 5 s" or "… is unreachable: connect ECONNREFUSED 127.0.0.1:9" */
export function failureOf(error: unknown, url: string, timeoutMs: number, what: string): string {
  const name = (error as { name?: string } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `${what} (${url}) did not answer within ${timeoutMs / 1000} s`;
  return `${what} (${url}) is unreachable: ${describe(error)}`;
}

/** fetch's own message is "fetch failed"; the reason is in its cause (ECONNREFUSED, ENOTFOUND…). */
function describe(error: unknown): string {
  let current = error as { message?: string; cause?: unknown } | undefined;
  while (current && current.cause instanceof Error) current = current.cause as typeof current;
  return current?.message ?? String(error);
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
