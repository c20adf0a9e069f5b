/** An error the user can fix (bad folder, bad flag); the app prints only its message. */
export interface UsageError extends Error {
  readonly code: 'CXR_USAGE';
}

/** Creates an error carrying `code: 'CXR_USAGE'`. */
export function usageError(message: string, cause?: unknown): UsageError {
  const error = new Error(message, cause === undefined ? undefined : { cause }) as Error & { code: 'CXR_USAGE' };
  error.code = 'CXR_USAGE';
  return error;
}
