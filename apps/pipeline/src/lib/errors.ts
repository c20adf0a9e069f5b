/** Marks an error as the user's to fix: the CLI prints only its message, no stack trace. */
export const USAGE = 'CXR_USAGE';

/** An error whose message is one sentence naming the flag or file and the fix. */
export interface UsageError extends Error {
  readonly code: typeof USAGE;
}

/** Creates a usage error (code `CXR_USAGE`). */
export function usageError(message: string): UsageError {
  return Object.assign(new Error(message), { code: USAGE as typeof USAGE });
}

/** True for errors the user can fix: ours and the packages' (`code === 'CXR_USAGE'`). */
export function isUsageError(error: unknown): error is UsageError {
  return error instanceof Error && (error as { code?: unknown }).code === USAGE;
}

/** The first line of an error's message, trimmed, ending with a full stop. */
export function oneSentence(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  const line = (raw.split('\n').find((l) => l.trim() !== '') ?? 'Unknown error').trim();
  return /[.!?]$/.test(line) ? line : `${line}.`;
}
