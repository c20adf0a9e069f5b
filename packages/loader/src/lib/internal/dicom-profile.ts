import type { DicomSourceInfo } from '../types.js';
import { bump, round, sortedCounts } from './stats.js';

/** What the DICOM files of one class say about themselves: counts per value of each attribute. */
export interface DicomProfile {
  /** DICOM files of the class (decoded with `metadata: true`). */
  readonly files: number;
  /** Per modality (`CR`, `DX`, ...; `unknown` when absent). */
  readonly modalities: Record<string, number>;
  /** Per photometric interpretation (`MONOCHROME1`, `MONOCHROME2`, ...). */
  readonly photometricInterpretations: Record<string, number>;
  /** Per bits stored (`8`, `12`, `16`, ...). */
  readonly bitsStored: Record<string, number>;
  /** Per transfer syntax (short names: `explicit-vr-little-endian`, `jpeg-2000`, ...). */
  readonly transferSyntaxes: Record<string, number>;
  /** Per view position (`PA`, `AP`, `LL`, ...; `unknown` when absent). */
  readonly viewPositions: Record<string, number>;
  /** Per VOI transform used (`window`, `voi-lut`, `min-max`, `none`). */
  readonly voi: Record<string, number>;
}

type Counts = { -readonly [K in keyof DicomProfile]: DicomProfile[K] };

/** Accumulates the DICOM profile of one class. */
export class DicomProfiler {
  private readonly counts: Counts = { files: 0, modalities: {}, photometricInterpretations: {}, bitsStored: {}, transferSyntaxes: {}, viewPositions: {}, voi: {} };

  add(info: DicomSourceInfo): void {
    const c = this.counts;
    c.files += 1;
    bump(c.modalities, info.modality);
    bump(c.photometricInterpretations, info.photometricInterpretation);
    bump(c.bitsStored, String(info.bitsStored));
    bump(c.transferSyntaxes, info.transferSyntax);
    bump(c.viewPositions, info.viewPosition);
    bump(c.voi, info.voi);
  }

  /** The profile, or undefined when the class has no DICOM file. */
  result(): DicomProfile | undefined {
    const c = this.counts;
    if (c.files === 0) return undefined;
    return {
      files: c.files,
      modalities: sortedCounts(c.modalities),
      photometricInterpretations: sortedCounts(c.photometricInterpretations),
      bitsStored: sortedCounts(c.bitsStored),
      transferSyntaxes: sortedCounts(c.transferSyntaxes),
      viewPositions: sortedCounts(c.viewPositions),
      voi: sortedCounts(c.voi),
    };
  }
}

const FIELDS: readonly [keyof Omit<DicomProfile, 'files' | 'voi'>, string][] = [
  ['viewPositions', 'DICOM view position'],
  ['modalities', 'DICOM modality'],
  ['photometricInterpretations', 'DICOM photometric interpretation'],
  ['bitsStored', 'DICOM bits stored'],
  ['transferSyntaxes', 'DICOM transfer syntax'],
];

/**
 * Findings on the DICOM attributes: a value whose share differs by 5 points or more between the
 * classes (a lateral view or another modality in one class is a shortcut a model can learn).
 */
export function dicomFindings(profiles: readonly (readonly [string, DicomProfile | undefined])[]): string[] {
  const classes = profiles.filter((entry): entry is readonly [string, DicomProfile] => entry[1] !== undefined);
  if (classes.length < 2) return [];
  const out: string[] = [];
  for (const [field, label] of FIELDS) {
    const keys = new Set(classes.flatMap(([, p]) => Object.keys(p[field])));
    for (const key of [...keys].sort()) {
      const shares = classes.map(([c, p]) => [c, (p[field][key] ?? 0) / p.files] as const);
      const values = shares.map(([, s]) => s);
      if (Math.max(...values) - Math.min(...values) >= 0.05) {
        out.push(`${label} ${key} differs by class: ${shares.map(([c, s]) => `${c} ${round(s * 100, 1)}%`).join(', ')} (a shortcut a model can learn).`);
      }
    }
  }
  return out;
}
