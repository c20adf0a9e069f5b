/** Where a command writes: real process streams, or captured ones in tests. */
export interface Io {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Aborted when the user presses Ctrl-C (the command stops cleanly). */
  readonly signal?: AbortSignal;
  /** Clock in ms, for run folder names and timings. */
  readonly now?: () => number;
}

export interface OutStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** The process's own streams and environment. */
export function processIo(signal?: AbortSignal): Io {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), ...(signal ? { signal } : {}) };
}
