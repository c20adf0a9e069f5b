import { basename, extname } from 'node:path';

const PERSON = /^(person)(\d+)_/i;

/**
 * The group an image belongs to: `personN` for the dataset's `personN_<kind>_<k>` files (one patient),
 * otherwise the file's stem, so that unrelated files are never grouped together.
 */
export function groupIdOf(path: string): string {
  const name = basename(path);
  const match = PERSON.exec(name);
  if (match) return `person${match[2]}`;
  return name.slice(0, name.length - extname(name).length);
}
