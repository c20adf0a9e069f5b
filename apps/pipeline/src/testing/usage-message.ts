import { isUsageError } from '@cxr/loader';

/** Runs `run`, which must throw a usage error, and returns its message; anything else fails the calling test. */
export function usageMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (!isUsageError(error)) throw new Error(`expected a usage error, got: ${String(error)}`);
    return (error as Error).message;
  }
  throw new Error('expected a usage error');
}
