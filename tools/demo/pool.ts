/**
 * Runs `work` on items from `source` with at most `concurrency` in flight, in source order of
 * start. After the first failure no new item is started; the ones already running finish (their
 * results still count) and then that first error is thrown.
 */
export async function runPool<T>(
  source: AsyncIterable<T>,
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const iterator = source[Symbol.asyncIterator]();
  let failure: { error: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (failure === null) {
      try {
        // Async generators queue concurrent next() calls, so workers can share one iterator.
        const next = await iterator.next();
        if (next.done) return;
        await work(next.value);
      } catch (error) {
        failure ??= { error };
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  if (failure !== null) {
    // Closes the file behind a generator; a second failure here would only hide the first.
    await iterator.return?.().catch(() => undefined);
    throw (failure as { error: unknown }).error;
  }
}
