/** An error the user can fix (bad file, bad setting): the app prints only its message. */
export interface UsageError extends Error {
  readonly code: 'CXR_USAGE';
}

/** Builds an {@link UsageError} carrying `code: 'CXR_USAGE'`. */
export function usageError(message: string): UsageError {
  return Object.assign(new Error(message), { code: 'CXR_USAGE' as const });
}
