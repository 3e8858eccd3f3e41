import { isConnectionError } from '@keelson/service-kit';

export class UnknownDatasetError extends Error {
  constructor(readonly dataset: string) {
    super(`dataset ${dataset} is not registered`);
  }
}

/** A dependency (database or NATS) failed; the caller answers 503 or leaves the message unacked. */
export class DependencyUnavailableError extends Error {}

/** Runs one step that needs the database or NATS; see {@link dependencyGuard}. */
export type DependencyGuard = <T>(what: string, work: () => Promise<T>) => Promise<T>;

/**
 * Turns a lost connection during `work` into a DependencyUnavailableError naming the step (logged
 * once here), so callers tell "try again later" from a bug; any other error passes unchanged.
 */
export function dependencyGuard(logger: { warn(message: string): void }): DependencyGuard {
  return async (what, work) => {
    try {
      return await work();
    } catch (error) {
      if (isConnectionError(error)) {
        logger.warn(`cannot ${what}: ${(error as Error).message}`);
        throw new DependencyUnavailableError(`cannot ${what}: a dependency is unavailable`);
      }
      throw error;
    }
  };
}
