/** The `code` every usage error carries, whichever copy of this package created it. */
export const USAGE_ERROR_CODE = 'CXR_USAGE';

/**
 * An error the user can fix (a missing folder, a bad flag, an invalid model file): its message is
 * one sentence naming the thing and the fix, and a command line prints the message alone, without
 * a stack trace, and exits non-zero. Every cxr package throws this one type.
 *
 * @example
 * ```ts
 * throw new UsageError(`Dataset folder ${root} does not exist; point it at a folder laid out as <root>/{train,val,test}/{NORMAL,PNEUMONIA}.`);
 * ```
 */
export class UsageError extends Error {
  /** Always `CXR_USAGE`: {@link isUsageError} checks this, so errors of another copy of the package count too. */
  readonly code: typeof USAGE_ERROR_CODE = USAGE_ERROR_CODE;

  /**
   * @param message - one sentence naming the thing and the fix.
   * @param options - `cause`: the underlying error, kept for the log.
   */
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UsageError';
  }
}

/**
 * True for an error the user can fix: a {@link UsageError}, or any error carrying `code: 'CXR_USAGE'`
 * (as one from another copy of this package does).
 *
 * @example
 * ```ts
 * catch (error) { if (isUsageError(error)) console.error(error.message); else throw error; }
 * ```
 */
export function isUsageError(error: unknown): error is UsageError {
  return error instanceof Error && (error as { code?: unknown }).code === USAGE_ERROR_CODE;
}
