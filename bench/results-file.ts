import { readFileSync, renameSync, writeFileSync } from 'node:fs';

/** Hand-written notes below this line of a RESULTS.md survive a rewrite by its run.ts. */
export const NOTES_MARKER = '<!-- Notes below this line are kept when run.ts rewrites this file. -->';

/** Writes `report` to `target` atomically, followed by the hand-written notes already there (from the marker on). */
export function writeResults(target: string, report: string): void {
  let notes = `\n${NOTES_MARKER}\n`;
  try {
    const previous = readFileSync(target, 'utf8');
    const at = previous.indexOf(NOTES_MARKER);
    if (at >= 0) notes = `\n${previous.slice(at)}`;
  } catch {
    // first run: no file yet
  }
  writeFileSync(`${target}.tmp`, report + notes);
  renameSync(`${target}.tmp`, target);
}
