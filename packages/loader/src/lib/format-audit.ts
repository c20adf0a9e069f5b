import { relative, sep } from 'node:path';
import { SPLITS } from './types.js';
import type { DatasetAudit } from './audit-dataset.js';

/** Renders rows as a left-aligned plain-text table (numbers right-aligned). */
function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  const numeric = (cell: string): boolean => /^[\d.,%x-]+$/.test(cell) && cell !== '-';
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i > 0 && numeric(cell) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * Formats a {@link DatasetAudit} as a readable plain-text report (what `cxr scan` prints).
 *
 * Sections: images per split and class, the source-file profile per class (and the DICOM attributes
 * per class when there are DICOM files), duplicates, groups
 * shared between splits, rejected files (path relative to the root, and reason), then the findings.
 * Long lists are cut to their first 20 entries (the JSON audit has them all).
 *
 * @example
 * ```ts
 * console.log(formatAudit(await scanAndAudit('../shared/datasets/chest-xray')));
 * ```
 */
export function formatAudit(audit: DatasetAudit): string {
  const rel = (p: string): string => (audit.root === '' ? p : relative(audit.root, p).split(sep).join('/') || p);
  const classes = Object.keys(audit.perClass);
  const lines: string[] = [];
  lines.push(`Dataset ${audit.root || '(unknown folder)'}${audit.layout === 'classes' ? ' (class folders only, one split)' : ''}`);
  lines.push('');
  const countRows: string[][] = [['split', ...classes, 'total']];
  const totals = classes.map(() => 0);
  for (const split of SPLITS) {
    const row = audit.splits[split];
    if (row === undefined) continue;
    const values = classes.map((c) => row[c] ?? 0);
    values.forEach((v, i) => (totals[i]! += v));
    countRows.push([split, ...values.map(String), String(values.reduce((a, b) => a + b, 0))]);
  }
  countRows.push(['all', ...totals.map(String), String(totals.reduce((a, b) => a + b, 0))]);
  lines.push(table(countRows));
  lines.push('');
  lines.push(`${audit.totals.images} usable image(s) of ${audit.totals.files} image file(s); ${audit.totals.rejected} rejected.`);
  lines.push('');

  const profileRows: string[][] = [['class', 'images', 'formats', 'modes', 'ICC', 'width (min/med/max)', 'height (min/med/max)', 'aspect w/h (min/med/max)', 'most common sizes']];
  const counts = (c: Record<string, number>): string => Object.entries(c).map(([k, v]) => `${k} ${v}`).join(', ') || '-';
  for (const c of classes) {
    const p = audit.perClass[c]!;
    if (p.profiled === 0) {
      profileRows.push([c, String(p.images), '-', '-', '-', '-', '-', '-', '-']);
      continue;
    }
    profileRows.push([
      c,
      String(p.images),
      counts(p.formats),
      counts(p.modes),
      String(p.iccProfiles),
      `${p.width.min}/${p.width.median}/${p.width.max}`,
      `${p.height.min}/${p.height.median}/${p.height.max}`,
      `${p.aspectRatio.min.toFixed(2)}/${p.aspectRatio.median.toFixed(2)}/${p.aspectRatio.max.toFixed(2)}`,
      p.commonSizes.slice(0, 3).map((s) => `${s.size} (${s.count})`).join(', '),
    ]);
  }
  lines.push('Source files per class');
  lines.push(table(profileRows));
  lines.push('');

  const dicomClasses = classes.filter((c) => audit.perClass[c]!.dicom !== undefined);
  if (dicomClasses.length > 0) {
    const dicomRows: string[][] = [['class', 'DICOM files', 'modality', 'view position', 'photometric', 'bits stored', 'transfer syntax', 'VOI']];
    for (const c of dicomClasses) {
      const d = audit.perClass[c]!.dicom!;
      dicomRows.push([c, String(d.files), counts(d.modalities), counts(d.viewPositions), counts(d.photometricInterpretations), counts(d.bitsStored), counts(d.transferSyntaxes), counts(d.voi)]);
    }
    lines.push('DICOM files per class');
    lines.push(table(dicomRows));
    lines.push('');
  }

  const d = audit.duplicates;
  lines.push(`Exact duplicates (same decoded pixels): ${d.groups.length} group(s), ${d.extraCopies} extra cop${d.extraCopies === 1 ? 'y' : 'ies'}, ${d.acrossSplits} across splits, ${d.conflictingLabels} with both labels`);
  for (const g of d.groups.slice(0, 20)) {
    lines.push(`  ${g.files.map((f) => `${rel(f.path)}`).join('  =  ')}${g.acrossSplits ? '  [across splits]' : ''}${g.conflictingLabels ? '  [both labels]' : ''}`);
  }
  if (d.groups.length > 20) lines.push(`  ... and ${d.groups.length - 20} more (see --json)`);
  lines.push('');

  lines.push(`Group ids (patients) in more than one split: ${audit.sharedGroups.length}`);
  for (const g of audit.sharedGroups.slice(0, 20)) lines.push(`  ${g.groupId}: ${g.splits.join(', ')} (${g.images} images)`);
  if (audit.sharedGroups.length > 20) lines.push(`  ... and ${audit.sharedGroups.length - 20} more (see --json)`);
  lines.push('');

  lines.push(`Rejected: ${audit.rejected.length}`);
  for (const r of audit.rejected.slice(0, 20)) lines.push(`  ${rel(r.path)}: ${r.reason}`);
  if (audit.rejected.length > 20) lines.push(`  ... and ${audit.rejected.length - 20} more (see --json)`);

  if (audit.findings.length > 0) {
    lines.push('');
    lines.push('Findings');
    for (const f of audit.findings) lines.push(`  - ${f}`);
  }
  return `${lines.join('\n')}\n`;
}
