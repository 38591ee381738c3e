/** Whether this run is CI's: `CI` set to anything but empty, `0` or `false` (CI services set `CI=true`). */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return !['', '0', 'false'].includes((env.CI ?? '').trim().toLowerCase());
}

/**
 * For tests that need something a machine may lack (PostgreSQL, Chromium, a
 * second local user): true when `present`. When it is missing, CI fails, since
 * a green CI run must mean those tests ran; a developer's run skips them and
 * says so in a line that stands out. `what` names what is missing and how to
 * get it; `tests`, what does not run without it.
 */
export function requireInCi(
  present: boolean,
  what: string,
  tests: string,
  { env = process.env, warn = console.warn }: { env?: NodeJS.ProcessEnv; warn?: (line: string) => void } = {},
): boolean {
  if (present) return true;
  if (inCi(env)) throw new Error(`CI is set but ${what} is missing: ${tests} cannot run`);
  warn(`\n*** ${tests} SKIPPED: ${what} is missing ***\n`);
  return false;
}
