/** An error meant for the user: the app prints its message alone, without a stack trace. */
export interface UsageError extends Error {
  readonly code: 'CXR_USAGE';
}

/** Creates a user-facing error carrying `code: 'CXR_USAGE'`. */
export function usageError(message: string, extra: Record<string, unknown> = {}): UsageError {
  const error = new Error(message) as Error & { code: 'CXR_USAGE' };
  Object.defineProperty(error, 'code', { value: 'CXR_USAGE', enumerable: true });
  Object.assign(error, extra);
  return error as UsageError;
}

/** True for an error created by {@link usageError} (or any error carrying the same code). */
export function isUsageError(error: unknown): error is UsageError {
  return error instanceof Error && (error as { code?: unknown }).code === 'CXR_USAGE';
}
