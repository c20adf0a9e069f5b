/** An error caused by the user's choice (flag, environment); the CLI prints only its message. */
export interface UsageError extends Error {
  readonly code: 'CXR_USAGE';
}

/** Builds a usage error: one clear sentence naming the thing and the fix. */
export function usageError(message: string): UsageError {
  return Object.assign(new Error(message), { code: 'CXR_USAGE' as const });
}
