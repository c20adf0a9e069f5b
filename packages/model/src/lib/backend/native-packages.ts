import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Where an optional package is installed, if it is. */
export interface InstalledPackage {
  readonly name: string;
  readonly version: string | undefined;
  /** Its entry file. */
  readonly main: string;
  readonly dir: string;
}

function packageDir(main: string, name: string): string {
  let dir = dirname(main);
  for (;;) {
    try {
      const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (json.name === name) return dir;
    } catch {
      // not here; go up
    }
    const up = dirname(dir);
    if (up === dir) return dirname(main);
    dir = up;
  }
}

/**
 * Finds an optional package from this package and from the working directory, without loading
 * it. The name is a runtime string, so neither TypeScript nor a bundler needs the package.
 */
export function findPackage(name: string): InstalledPackage | undefined {
  for (const base of [import.meta.url, pathToFileURL(join(process.cwd(), 'noop.js')).href]) {
    let main: string;
    try {
      main = createRequire(base).resolve(name);
    } catch {
      continue;
    }
    const dir = packageDir(main, name);
    let version: string | undefined;
    try {
      version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string }).version;
    } catch {
      version = undefined;
    }
    return { name, version, main, dir };
  }
  return undefined;
}

/** The first line of an error message, for one-line reasons. */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n').find((line) => line.trim() !== '') ?? message).trim();
}

/** Loads an installed optional package (its entry file), throwing what it throws. */
export async function loadPackage(pkg: InstalledPackage): Promise<unknown> {
  const url: string = pathToFileURL(pkg.main).href;
  return import(url);
}
