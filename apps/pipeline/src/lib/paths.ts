import { existsSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '@cxr/loader';

/** The repository root (this file is `apps/pipeline/{src,dist}/lib/paths.*`). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** The embedded default dataset: `../shared/datasets/chest-xray` next to the repository. */
export const EMBEDDED_DATA = resolve(REPO_ROOT, '../shared/datasets/chest-xray');

/** The embedded default external test set: `../shared/datasets/chest-xray-external` next to the repository. */
export const EMBEDDED_EXTERNAL = resolve(REPO_ROOT, '../shared/datasets/chest-xray-external');

export const KAGGLE_HINT =
  'download "Chest X-Ray Images (Pneumonia)" from https://www.kaggle.com/datasets/paultimothymooney/chest-xray-pneumonia, unzip it so the folder holds train/, val/ and test/ each with NORMAL/ and PNEUMONIA/ inside, and pass it with --data DIR (or set CXR_DATA)';

/** Where the data comes from: `--data`, else `CXR_DATA`, else the embedded default when present. */
export function resolveDataRoot(flag: string | undefined, env: Readonly<Record<string, string | undefined>>, cwd: string): { root: string; source: string } {
  if (flag !== undefined) return { root: existingDir(resolve(cwd, flag), '--data'), source: '--data' };
  const fromEnv = env['CXR_DATA'];
  if (fromEnv) return { root: existingDir(resolve(cwd, fromEnv), 'CXR_DATA'), source: 'CXR_DATA' };
  if (existsSync(EMBEDDED_DATA)) return { root: EMBEDDED_DATA, source: 'embedded default' };
  throw new UsageError(`No dataset given: ${KAGGLE_HINT}.`);
}

/**
 * The external test sets: `--external` (repeatable), else `CXR_EXTERNAL` (folders separated by the
 * OS path delimiter, `:` or `;`), else the embedded default when present, else none. `none` (as the
 * only value) turns external evaluation off. Each folder must exist.
 */
export function resolveExternalDirs(flag: readonly string[] | undefined, env: Readonly<Record<string, string | undefined>>, cwd: string): { dirs: string[]; source: string } {
  const pick = (list: readonly string[], from: string): { dirs: string[]; source: string } => {
    const given = list.map((x) => x.trim()).filter((x) => x !== '');
    const none = given.filter((x) => x.toLowerCase() === 'none');
    if (none.length > 0 && none.length < given.length) throw new UsageError(`${from} cannot mix "none" with folders (got ${given.join(', ')}); give folders, or just "none" to evaluate no external set.`);
    if (given.length === 0 || none.length > 0) return { dirs: [], source: `${from} none` };
    const dirs = given.map((dir) => externalDir(resolve(cwd, dir), from));
    return { dirs: [...new Set(dirs)], source: from };
  };
  if (flag !== undefined) return pick(flag, '--external');
  const fromEnv = env['CXR_EXTERNAL'];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return pick(fromEnv.split(delimiter), 'CXR_EXTERNAL');
  if (existsSync(EMBEDDED_EXTERNAL)) return { dirs: [EMBEDDED_EXTERNAL], source: 'embedded default' };
  return { dirs: [], source: 'none found' };
}

function externalDir(path: string, from: string): string {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new UsageError(`The external set ${path} (from ${from}) does not exist; check the path, or give --external none to train without external evaluation.`);
  }
  if (!stat.isDirectory()) throw new UsageError(`The external set ${path} (from ${from}) is a file, not a folder; give the folder holding test/{NORMAL,PNEUMONIA}/ or NORMAL/ and PNEUMONIA/.`);
  return path;
}

/** Checks that a folder exists, or throws a usage error naming it and where it came from. */
export function existingDir(path: string, from: string): string {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new UsageError(`The folder ${path} (from ${from}) does not exist; check the path${from === '--data' || from === 'CXR_DATA' ? `, or ${KAGGLE_HINT}` : ''}.`);
  }
  if (!stat.isDirectory()) throw new UsageError(`${path} (from ${from}) is a file, not a folder; give the folder that contains it.`);
  return path;
}

export function absolute(cwd: string, path: string): string {
  return isAbsolute(path) ? path : resolve(cwd, path);
}
