/** An error meant for the user: the app prints its message alone, without a stack trace. */
export interface UsageError extends Error {
  readonly code: 'CXR_USAGE';
}

/** Creates a user-facing error carrying `code: 'CXR_USAGE'`. */
export function usageError(message: string): UsageError {
  const error = new Error(message) as Error & { code: 'CXR_USAGE' };
  Object.defineProperty(error, 'code', { value: 'CXR_USAGE', enumerable: true });
  return error as UsageError;
}
