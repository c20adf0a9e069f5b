import { createHash } from 'node:crypto';
import { Observable, type OperatorFunction } from 'rxjs';
import { DEFAULT_CLASS_MAP, SPLITS, type ClassMap, type ImageRecord, type Rejection, type Sample, type Split } from './types.js';
import { bump, round, sortedCounts, summarize, type NumberSummary } from './internal/stats.js';
import { compareText } from './internal/scan-files.js';
import { describe } from './internal/validate.js';
import { DicomProfiler, dicomFindings, type DicomProfile } from './internal/dicom-profile.js';

export type { DicomProfile } from './internal/dicom-profile.js';

/** Size, shape and encoding of one class's source files (from their headers). */
export interface ClassProfile {
  /** Usable images of the class in all splits. */
  readonly images: number;
  /** Images whose header was read (decoded with `metadata: true`). */
  readonly profiled: number;
  /** Count per container format (`jpeg`, `png`, ...). */
  readonly formats: Record<string, number>;
  /** Count per channel mode (`grey`, `rgb`, `grey16`, `cmyk`, ...). */
  readonly modes: Record<string, number>;
  /** Files embedding an ICC profile. */
  readonly iccProfiles: number;
  readonly width: NumberSummary;
  readonly height: NumberSummary;
  /** width / height after EXIF orientation. */
  readonly aspectRatio: NumberSummary;
  /** The most frequent `WxH` sizes, most frequent first (at most 5). */
  readonly commonSizes: readonly { readonly size: string; readonly count: number }[];
  /** Counts of the DICOM attributes (modality, view position, ...), present when the class has DICOM files. */
  readonly dicom?: DicomProfile;
}

/** One file of a duplicate group. */
export interface AuditFile {
  readonly path: string;
  readonly split: Split;
  readonly className: string;
}

/** Files that decode to exactly the same pixels. */
export interface DuplicateGroup {
  /** SHA-1 of the decoded pixels (hex). */
  readonly hash: string;
  readonly files: readonly AuditFile[];
  /** The copies sit in more than one split (a leak between training and evaluation). */
  readonly acrossSplits: boolean;
  /** The copies carry different labels. */
  readonly conflictingLabels: boolean;
}

/** A group id (patient) with images in more than one split. */
export interface SharedGroup {
  readonly groupId: string;
  readonly splits: readonly Split[];
  readonly images: number;
}

/** A file that could not be used, as listed in the audit. */
export interface AuditRejection {
  readonly path: string;
  readonly reason: string;
  readonly split?: Split;
  readonly className?: string;
}

/**
 * The JSON-able audit of a dataset folder. `splits.<split>.<CLASS>` counts usable (decoded) images;
 * `rejected` lists every file or folder that could not be used, once, with a one-line reason.
 */
export interface DatasetAudit {
  /** The folder audited (absolute), or '' when unknown. */
  readonly root: string;
  /** `splits` for root/{train,val,test}/{CLASS}/, `classes` for root/{CLASS}/, '' when unknown. */
  readonly layout: 'splits' | 'classes' | '';
  /** Class name to label. */
  readonly classes: ClassMap;
  /** Usable images per split and class (every audited split and class present, 0 when empty). */
  readonly splits: Partial<Record<Split, Record<string, number>>>;
  readonly totals: {
    /** Image files found (usable + rejected files). */
    readonly files: number;
    /** Usable images. */
    readonly images: number;
    /** Rejected files and unreadable folders. */
    readonly rejected: number;
  };
  /** Source-file profile per class: shortcuts a model can learn show up as differences here. */
  readonly perClass: Record<string, ClassProfile>;
  readonly duplicates: {
    /** Groups of files with identical decoded pixels, largest first. */
    readonly groups: readonly DuplicateGroup[];
    /** Extra copies (files beyond the first of each group). */
    readonly extraCopies: number;
    readonly acrossSplits: number;
    readonly conflictingLabels: number;
  };
  /** Group ids found in more than one split, sorted by id. */
  readonly sharedGroups: readonly SharedGroup[];
  readonly rejected: readonly AuditRejection[];
  /** Plain-language findings worth a look (empty classes, leaks, class-dependent encodings). */
  readonly findings: readonly string[];
}

/** Options of {@link auditDataset}; every field is optional. */
export interface AuditDatasetOptions {
  /** Folder being audited, recorded in the audit. Default ''. */
  readonly root?: string;
  /** Layout recognised by the scan, recorded in the audit. Default ''. */
  readonly layout?: 'splits' | 'classes' | '';
  /** Class map used by the scan; its classes get a 0 count when no image has them. Default NORMAL=0, PNEUMONIA=1. */
  readonly classMap?: ClassMap;
  /** Splits that get a row even when empty. Default: the splits seen. */
  readonly splits?: readonly Split[];
}

const STAGE = 'auditDataset';

/**
 * Audits a stream of decoded samples and rejections into one {@link DatasetAudit}.
 *
 * Counts usable images per split and class; profiles each class's source files (format, channel
 * mode, size, aspect ratio: needs samples decoded with `metadata: true`); finds exact duplicates
 * (identical decoded pixels) within and across splits; lists group ids (patients) found in more
 * than one split; lists every rejection once (a path rejected twice is listed once); and states
 * the findings in plain words. Emits once, when the input completes. State is per subscription.
 *
 * Options and defaults: `root` '', `layout` '', `classMap` NORMAL=0/PNEUMONIA=1, `splits` those seen.
 *
 * @example
 * ```ts
 * const rejections = new Subject<Rejection>();
 * const samples = scanDataset(root).pipe(decodeImages({ metadata: true, onReject: (r) => rejections.next(r) }),
 *   tap({ complete: () => rejections.complete() }));
 * const audit = await lastValueFrom(merge(rejections, samples).pipe(auditDataset({ root })));
 * ```
 * (or simply `await scanAndAudit(root)`).
 * @throws TypeError at creation for invalid options.
 */
export function auditDataset(options: AuditDatasetOptions = {}): OperatorFunction<Sample | Rejection, DatasetAudit> {
  const root = options.root ?? '';
  if (typeof root !== 'string') throw new TypeError(`${STAGE}: root must be a string, got ${describe(root)}.`);
  const layout = options.layout ?? '';
  if (!['splits', 'classes', ''].includes(layout)) throw new TypeError(`${STAGE}: layout must be 'splits', 'classes' or '', got ${describe(layout)}.`);
  const classMap = options.classMap ?? DEFAULT_CLASS_MAP;
  if (typeof classMap !== 'object' || classMap === null) throw new TypeError(`${STAGE}: classMap must be an object, got ${describe(classMap)}.`);
  const splits = options.splits ?? [];
  if (!Array.isArray(splits) || splits.some((s) => !SPLITS.includes(s))) throw new TypeError(`${STAGE}: splits must list 'train', 'val' or 'test', got ${describe(splits)}.`);

  return (source) =>
    new Observable<DatasetAudit>((subscriber) => {
      const auditor = new Auditor(root, layout, classMap, splits);
      return source.subscribe({
        next: (item) => {
          if ('pixels' in item) auditor.addSample(item);
          else auditor.addRejection(item);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          subscriber.next(auditor.result());
          subscriber.complete();
        },
      });
    });
}

interface Profile {
  images: number;
  profiled: number;
  formats: Record<string, number>;
  modes: Record<string, number>;
  icc: number;
  widths: number[];
  heights: number[];
  aspects: number[];
  sizes: Record<string, number>;
  dicom: DicomProfiler;
}

/** Accumulates one audit (per subscription). */
class Auditor {
  private readonly counts = new Map<Split, Map<string, number>>();
  private readonly profiles = new Map<string, Profile>();
  private readonly hashes = new Map<string, (AuditFile & { label: 0 | 1 })[]>();
  private readonly groups = new Map<string, { splits: Set<Split>; images: number }>();
  private readonly rejected = new Map<string, AuditRejection>();
  private files = 0;

  constructor(
    private readonly root: string,
    private readonly layout: 'splits' | 'classes' | '',
    private readonly classMap: ClassMap,
    splits: readonly Split[],
  ) {
    for (const split of splits) this.countsOf(split);
  }

  private countsOf(split: Split): Map<string, number> {
    let m = this.counts.get(split);
    if (m === undefined) {
      m = new Map(Object.keys(this.classMap).map((c) => [c, 0]));
      this.counts.set(split, m);
    }
    return m;
  }

  private profileOf(className: string): Profile {
    let p = this.profiles.get(className);
    if (p === undefined) {
      p = { images: 0, profiled: 0, formats: {}, modes: {}, icc: 0, widths: [], heights: [], aspects: [], sizes: {}, dicom: new DicomProfiler() };
      this.profiles.set(className, p);
    }
    return p;
  }

  addSample(sample: Sample): void {
    const { record } = sample;
    this.files += 1;
    const counts = this.countsOf(record.split);
    counts.set(record.className, (counts.get(record.className) ?? 0) + 1);
    const profile = this.profileOf(record.className);
    profile.images += 1;
    if (sample.source) {
      const s = sample.source;
      const rotated = s.orientation >= 5;
      const w = rotated ? s.height : s.width;
      const h = rotated ? s.width : s.height;
      profile.profiled += 1;
      bump(profile.formats, s.format);
      bump(profile.modes, s.mode);
      if (s.hasIccProfile) profile.icc += 1;
      profile.widths.push(w);
      profile.heights.push(h);
      profile.aspects.push(h > 0 ? w / h : 0);
      bump(profile.sizes, `${w}x${h}`);
      if (s.dicom !== undefined) profile.dicom.add(s.dicom);
    }
    const hash = createHash('sha1').update(`${sample.width}x${sample.height}:`).update(sample.pixels).digest('hex');
    const file = { path: record.path, split: record.split, className: record.className, label: record.label };
    const same = this.hashes.get(hash);
    if (same === undefined) this.hashes.set(hash, [file]);
    else same.push(file);
    const group = this.groups.get(record.groupId);
    if (group === undefined) this.groups.set(record.groupId, { splits: new Set([record.split]), images: 1 });
    else {
      group.splits.add(record.split);
      group.images += 1;
    }
  }

  addRejection(rejection: Rejection): void {
    if (this.rejected.has(rejection.path)) return;
    const record: ImageRecord | undefined = rejection.record;
    if (record !== undefined) this.files += 1;
    this.rejected.set(
      rejection.path,
      record === undefined
        ? { path: rejection.path, reason: rejection.reason }
        : { path: rejection.path, reason: rejection.reason, split: record.split, className: record.className },
    );
  }

  result(): DatasetAudit {
    const classNames = [...new Set([...Object.keys(this.classMap), ...this.profiles.keys()])].sort(
      (a, b) => (this.classMap[a] ?? 2) - (this.classMap[b] ?? 2) || compareText(a, b),
    );
    const splits: Partial<Record<Split, Record<string, number>>> = {};
    let images = 0;
    for (const split of SPLITS) {
      const counts = this.counts.get(split);
      if (counts === undefined) continue;
      const row: Record<string, number> = {};
      for (const c of classNames) {
        row[c] = counts.get(c) ?? 0;
        images += row[c];
      }
      splits[split] = row;
    }
    const perClass: Record<string, ClassProfile> = {};
    for (const c of classNames) {
      const p = this.profileOf(c);
      const dicom = p.dicom.result();
      perClass[c] = {
        images: p.images,
        profiled: p.profiled,
        formats: sortedCounts(p.formats),
        modes: sortedCounts(p.modes),
        iccProfiles: p.icc,
        width: summarize(p.widths),
        height: summarize(p.heights),
        aspectRatio: summarize(p.aspects),
        commonSizes: Object.entries(p.sizes)
          .sort((a, b) => b[1] - a[1] || compareText(a[0], b[0]))
          .slice(0, 5)
          .map(([size, count]) => ({ size, count })),
        ...(dicom === undefined ? {} : { dicom }),
      };
    }
    const groups: DuplicateGroup[] = [];
    for (const [hash, files] of this.hashes) {
      if (files.length < 2) continue;
      const sorted = [...files].sort((a, b) => SPLITS.indexOf(a.split) - SPLITS.indexOf(b.split) || compareText(a.path, b.path));
      groups.push({
        hash,
        files: sorted.map(({ path, split, className }) => ({ path, split, className })),
        acrossSplits: new Set(files.map((f) => f.split)).size > 1,
        conflictingLabels: new Set(files.map((f) => f.label)).size > 1,
      });
    }
    groups.sort((a, b) => b.files.length - a.files.length || compareText(a.files[0]!.path, b.files[0]!.path));
    const sharedGroups: SharedGroup[] = [...this.groups.entries()]
      .filter(([, g]) => g.splits.size > 1)
      .map(([groupId, g]) => ({ groupId, splits: SPLITS.filter((s) => g.splits.has(s)), images: g.images }))
      .sort((a, b) => compareText(a.groupId, b.groupId));
    const rejected = [...this.rejected.values()].sort((a, b) => compareText(a.path, b.path));
    const duplicates = {
      groups,
      extraCopies: groups.reduce((s, g) => s + g.files.length - 1, 0),
      acrossSplits: groups.filter((g) => g.acrossSplits).length,
      conflictingLabels: groups.filter((g) => g.conflictingLabels).length,
    };
    const audit: Omit<DatasetAudit, 'findings'> = {
      root: this.root,
      layout: this.layout,
      classes: { ...this.classMap },
      splits,
      totals: { files: this.files, images, rejected: rejected.length },
      perClass,
      duplicates,
      sharedGroups,
      rejected,
    };
    return { ...audit, findings: findings(audit) };
  }
}

/** Plain-language findings of an audit. */
function findings(audit: Omit<DatasetAudit, 'findings'>): string[] {
  const out: string[] = [];
  for (const split of SPLITS) {
    const row = audit.splits[split];
    if (row === undefined) continue;
    for (const [c, n] of Object.entries(row)) if (n === 0) out.push(`${split}/${c} has no usable images.`);
  }
  if (audit.rejected.length > 0) out.push(`${audit.rejected.length} file(s) or folder(s) could not be used (listed under "rejected").`);
  const d = audit.duplicates;
  if (d.groups.length > 0) {
    out.push(
      `${d.groups.length} group(s) of identical images (${d.extraCopies} extra copies); ${d.acrossSplits} span more than one split, ${d.conflictingLabels} carry both labels.`,
    );
  }
  if (audit.sharedGroups.length > 0) out.push(`${audit.sharedGroups.length} group id(s) (patients) have images in more than one split.`);
  const classes = Object.entries(audit.perClass).filter(([, p]) => p.profiled > 0);
  if (classes.length >= 2) {
    const share = (counts: Record<string, number>, key: string, total: number): number => (counts[key] ?? 0) / total;
    for (const field of ['modes', 'formats'] as const) {
      const keys = new Set(classes.flatMap(([, p]) => Object.keys(p[field])));
      for (const key of [...keys].sort()) {
        const shares = classes.map(([c, p]) => [c, share(p[field], key, p.profiled)] as const);
        const values = shares.map(([, s]) => s);
        if (Math.max(...values) - Math.min(...values) >= 0.05) {
          out.push(`${field === 'modes' ? 'Channel mode' : 'Format'} ${key} differs by class: ${shares.map(([c, s]) => `${c} ${pct(s)}`).join(', ')} (a shortcut a model can learn).`);
        }
      }
    }
    const iccShares = classes.map(([c, p]) => [c, p.iccProfiles / p.profiled] as const);
    const icc = iccShares.map(([, s]) => s);
    if (Math.max(...icc) - Math.min(...icc) >= 0.05) out.push(`Embedded ICC profiles differ by class: ${iccShares.map(([c, s]) => `${c} ${pct(s)}`).join(', ')} (ignored when decoding).`);
    const medians = classes.map(([c, p]) => [c, p.aspectRatio.median] as const);
    const m = medians.map(([, v]) => v);
    if (Math.max(...m) - Math.min(...m) >= 0.05) out.push(`Median aspect ratio (w/h) differs by class: ${medians.map(([c, v]) => `${c} ${round(v, 2)}`).join(', ')}.`);
    const widths = classes.map(([c, p]) => [c, p.width.median] as const);
    const w = widths.map(([, v]) => v);
    if (Math.min(...w) > 0 && Math.max(...w) / Math.min(...w) >= 1.1) out.push(`Median width differs by class: ${widths.map(([c, v]) => `${c} ${v}px`).join(', ')}.`);
    out.push(...dicomFindings(classes.map(([c, p]) => [c, p.dicom] as const)));
  }
  return out;
}

function pct(share: number): string {
  return `${round(share * 100, 1)}%`;
}
