/** The first line of an error's message, trimmed, ending with a full stop. */
export function oneSentence(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  const line = (raw.split('\n').find((l) => l.trim() !== '') ?? 'Unknown error').trim();
  return /[.!?]$/.test(line) ? line : `${line}.`;
}
