export interface WaitOptions {
  timeoutMs?: number;
  /** How often to re-check the condition. */
  intervalMs?: number;
}

/**
 * Waits until `check` returns a truthy value (or stops throwing) and returns it; fails with the
 * description and the last observation after the deadline. Tests wait on conditions, never on sleeps.
 */
export async function waitFor<T>(
  description: string,
  check: () => T | Promise<T>,
  options: WaitOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  const interval = options.intervalMs ?? 50;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(
        `timed out after ${options.timeoutMs ?? 20_000} ms waiting for ${description} (last: ${detail})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/**
 * Waits until `url` answers 2xx (a service's readiness endpoint, say); connection errors count as
 * not yet. 60 s by default: a service compiled on the fly starts slowly on a busy machine.
 */
export function waitForOk(url: string, options: WaitOptions = {}): Promise<true> {
  return waitFor(
    `${url} to answer 2xx`,
    () =>
      fetch(url).then(
        (r) => r.ok || undefined,
        () => undefined,
      ),
    { timeoutMs: 60_000, intervalMs: 200, ...options },
  );
}
