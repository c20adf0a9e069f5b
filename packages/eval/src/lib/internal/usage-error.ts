/** An error caused by the user's input or configuration; the app prints only its message. */
export interface UsageError extends Error {
  readonly code: 'CXR_USAGE';
}

/** Creates a {@link UsageError} with `code: 'CXR_USAGE'`. */
export function usageError(message: string): UsageError {
  return Object.assign(new Error(message), { code: 'CXR_USAGE' as const });
}
