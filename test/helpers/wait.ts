/**
 * Asks `probe` until `done` holds of its answer or `timeoutMs` has passed, and
 * returns the last answer, for the test to assert on: a change another
 * instance learns by polling is waited for as long as it takes, not a fixed
 * sleep sized for the slowest run.
 */
export async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || performance.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
