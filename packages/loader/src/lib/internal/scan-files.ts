import { stat } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import { SPLITS, type ClassMap, type ImageRecord, type Rejection, type Split } from '../types.js';
import { groupIdOf } from './group-id.js';
import { dicomPatientId } from './dicom-node.js';
import { isUsageError, UsageError } from '../usage-error.js';
import { folderErrorReason, listFolders, walkImages, type DirEntry, type WalkProblem } from './walk.js';

/** Checked scan options. */
export interface ScanSettings {
  /** Upper-case class name to label. */
  readonly classMap: ClassMap;
  readonly splits: readonly Split[];
  readonly flatSplit: Split;
}

/** Which layout the scanner recognised. */
export interface DatasetLayout {
  /** `splits`: root/{train,val,test}/{CLASS}/; `classes`: root/{CLASS}/ taken as one split. */
  readonly kind: 'splits' | 'classes';
  /** The folder that holds the layout (the root, or its `chest_xray/` when the root only wraps it). */
  readonly root: string;
}

/** Everything one scan found. */
export interface ScanResult {
  readonly layout: DatasetLayout;
  /** Sorted by split (train, val, test), then class name, then path relative to the layout root. */
  readonly records: readonly ImageRecord[];
  /** Folders that could not be read. */
  readonly problems: readonly Rejection[];
}

interface ClassFolder {
  readonly split: Split;
  readonly className: string;
  readonly label: 0 | 1;
  readonly path: string;
}

/** Scans a dataset folder; throws a CXR_USAGE error when the folder is missing or has no recognisable layout. */
export async function scanFiles(rootArg: string, settings: ScanSettings): Promise<ScanResult> {
  const root = resolve(rootArg);
  const expected = expectedLayout(settings);
  try {
    const s = await stat(root);
    if (!s.isDirectory()) throw new UsageError(`Dataset path ${root} is not a folder; point it at a folder laid out as ${expected}.`);
  } catch (error) {
    if (isUsageError(error)) throw error;
    if ((error as { code?: unknown }).code === 'ENOENT') {
      throw new UsageError(`Dataset folder ${root} does not exist; point it at a folder laid out as ${expected}.`);
    }
    throw new UsageError(`Cannot open dataset folder ${root} (${folderErrorReason(error)}); check its permissions.`);
  }

  try {
    await listFolders(root);
  } catch (error) {
    throw new UsageError(`Cannot open dataset folder ${root} (${folderErrorReason(error)}); check its permissions.`);
  }
  const found = await findLayout(root, settings);
  if (found === undefined) {
    throw new UsageError(`No recognisable dataset layout in ${root}: expected ${expected} with .jpeg, .jpg, .png or DICOM files.`);
  }
  const problems: WalkProblem[] = [];
  const visited = new Set<string>();
  const records: { record: ImageRecord; key: string; splitIndex: number }[] = [];
  // Walk class folders in a fixed order so that the folder visited first (symlinked twice) is deterministic.
  const folders = [...found.folders].sort((a, b) => compareText(a.path, b.path));
  for (const folder of folders) {
    const files = await walkImages(folder.path, visited, problems);
    for (const path of files) {
      records.push({
        // A DICOM file names its patient: images of one patient stay together whatever the file names.
        record: { path, split: folder.split, label: folder.label, className: folder.className, groupId: (isJpegOrPng(path) ? undefined : await dicomPatientId(path)) ?? groupIdOf(path) },
        key: relative(found.layout.root, path).split(sep).join('/'),
        splitIndex: SPLITS.indexOf(folder.split),
      });
    }
  }
  records.sort((a, b) => a.splitIndex - b.splitIndex || compareText(a.record.className, b.record.className) || compareText(a.key, b.key));
  return { layout: found.layout, records: records.map((r) => r.record), problems };
}

function isJpegOrPng(path: string): boolean {
  return /\.(jpe?g|png)$/i.test(path);
}

/** Plain code-unit order, independent of locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function expectedLayout(settings: ScanSettings): string {
  const classes = Object.keys(settings.classMap).join(',');
  return `<folder>/{${settings.splits.join(',')}}/{${classes}}/ (or <folder>/{${classes}}/ for a single split)`;
}

async function findLayout(root: string, settings: ScanSettings): Promise<{ layout: DatasetLayout; folders: ClassFolder[] } | undefined> {
  const direct = await layoutAt(root, settings);
  if (direct !== undefined) return direct;
  // An archive unpacked one level up: root/chest_xray/{train,...}. Descend into that one wrapper only.
  const wrappers = (await safeListFolders(root)).filter((d) => /^chest[_-]?xray$/i.test(d.name));
  for (const wrapper of wrappers.sort((a, b) => compareText(a.name, b.name))) {
    const nested = await layoutAt(wrapper.path, settings);
    if (nested !== undefined) return nested;
  }
  return undefined;
}

async function layoutAt(root: string, settings: ScanSettings): Promise<{ layout: DatasetLayout; folders: ClassFolder[] } | undefined> {
  const subfolders = await safeListFolders(root);
  const splitFolders: ClassFolder[] = [];
  for (const dir of subfolders) {
    const split = SPLITS.find((s) => s === dir.name.toLowerCase());
    if (split === undefined || !settings.splits.includes(split)) continue;
    splitFolders.push(...classFoldersIn(await safeListFolders(dir.path), split, settings.classMap));
  }
  if (splitFolders.length > 0) return { layout: { kind: 'splits', root }, folders: splitFolders };
  const hasSplitFolders = subfolders.some((d) => (SPLITS as readonly string[]).includes(d.name.toLowerCase()));
  if (hasSplitFolders) return undefined;
  const flat = classFoldersIn(subfolders, settings.flatSplit, settings.classMap);
  if (flat.length > 0) return { layout: { kind: 'classes', root }, folders: flat };
  return undefined;
}

function classFoldersIn(dirs: readonly DirEntry[], split: Split, classMap: ClassMap): ClassFolder[] {
  const out: ClassFolder[] = [];
  for (const dir of dirs) {
    const className = dir.name.toUpperCase();
    const label = classMap[className];
    if (label !== undefined) out.push({ split, className, label, path: dir.path });
  }
  return out;
}

async function safeListFolders(dir: string): Promise<DirEntry[]> {
  try {
    return await listFolders(dir);
  } catch {
    return [];
  }
}
