import type { DatasetAudit, DicomProfile } from '@cxr/loader';

import { escapeHtml } from '../../internal/html.js';
import { countList as counts, htmlTable, percent as pct, type Cell } from './html.js';

/** View positions that are lateral views: DICOM's `LL` and `RL`, and free text such as `LATERAL`. */
export function isLateralView(viewPosition: string): boolean {
  const v = viewPosition.trim().toUpperCase();
  return v === 'LL' || v === 'RL' || v.includes('LAT');
}

/** Smallest gap between two classes' shares of a modality that gets a note (as the loader's findings). */
const MODALITY_GAP = 0.05;

/**
 * The notes on DICOM attributes a model can learn instead of the disease: a class with lateral
 * views (a chest classifier is trained on frontal PA/AP views), a modality whose share differs
 * between the classes (another kind of detector or processing), and classes of which only some
 * are DICOM files. Plain sentences, in class order.
 */
export function dicomNotes(classes: readonly (readonly [string, DicomProfile | undefined])[]): string[] {
  const dicom = classes.filter((entry): entry is readonly [string, DicomProfile] => entry[1] !== undefined);
  if (dicom.length === 0) return [];
  const notes: string[] = [];
  const without = classes.filter(([, p]) => p === undefined).map(([c]) => c);
  if (without.length > 0) {
    notes.push(
      `Only ${dicom.map(([c]) => c).join(' and ')} ${dicom.length === 1 ? 'has' : 'have'} DICOM files; ${without.join(' and ')} ${without.length === 1 ? 'has' : 'have'} none: the file format differs by class, a shortcut a model can learn.`,
    );
  }
  const lateral = dicom.map(([c, p]) => {
    const views = Object.entries(p.viewPositions).filter(([v]) => isLateralView(v));
    return { c, p, views, count: views.reduce((sum, [, n]) => sum + n, 0) };
  });
  for (const { c, p, views, count } of lateral) {
    if (count === 0) continue;
    const others = lateral.filter((l) => l.c !== c);
    const elsewhere = others.length === 0 ? '' : others.every((o) => o.count === 0) ? `; ${others.map((o) => o.c).join(' and ')} ${others.length === 1 ? 'has' : 'have'} none` : `; ${others.map((o) => `${o.c} ${pct(o.count, o.p.files)}`).join(', ')}`;
    notes.push(
      `${c} has ${count.toLocaleString('en-US')} lateral view${count === 1 ? '' : 's'} (${views.map(([v, n]) => `${v} ${n.toLocaleString('en-US')}`).join(', ')}) among its ${p.files.toLocaleString('en-US')} DICOM files (${pct(count, p.files)})${elsewhere}. A chest X-ray classifier is meant for frontal (PA/AP) views, and a view found in one class more than another is a shortcut a model can learn: leave lateral views out or check that the model does not use them.`,
    );
  }
  if (dicom.length >= 2) {
    const modalities = [...new Set(dicom.flatMap(([, p]) => Object.keys(p.modalities)))].sort();
    const differs = modalities.some((m) => {
      const shares = dicom.map(([, p]) => (p.modalities[m] ?? 0) / p.files);
      const present = shares.filter((s) => s > 0).length;
      return (present > 0 && present < shares.length) || Math.max(...shares) - Math.min(...shares) >= MODALITY_GAP;
    });
    if (differs) {
      notes.push(
        `The modality differs by class: ${dicom.map(([c, p]) => `${c} ${counts(p.modalities, p.files)}`).join('; ')}. Another modality means another kind of detector and processing, which a model can learn to tell apart instead of the disease.`,
      );
    }
  }
  return notes;
}

/**
 * The DICOM part of the audit page: the attributes of each class's DICOM files as counts (modality,
 * view position, photometric interpretation, bits stored, transfer syntax, VOI transform) and the
 * notes of {@link dicomNotes}. Empty when the audit has no DICOM file.
 */
export function dicomHtml(audit: DatasetAudit): string {
  const classes = Object.entries(audit.perClass).map(([c, p]) => [c, p.dicom] as const);
  if (classes.every(([, d]) => d === undefined)) return '';
  const rows: Cell[][] = classes.map(([c, d]) =>
    d === undefined
      ? [c, 0, '–', '–', '–', '–', '–', '–']
      : [c, d.files, counts(d.modalities, d.files), counts(d.viewPositions, d.files), counts(d.photometricInterpretations, d.files), counts(d.bitsStored, d.files), counts(d.transferSyntaxes, d.files), counts(d.voi, d.files)],
  );
  const notes = dicomNotes(classes);
  const notesHtml = notes.length > 0 ? `<ul class="shortcuts">${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : '<p class="empty">No lateral view, and the same modalities in every class.</p>';
  return `<h3>DICOM attributes per class</h3>
<p class="note">From the DICOM files' own attributes. A lateral view or another modality in one class is a shortcut a model can learn instead of the disease.</p>
${htmlTable(['class', 'DICOM files', 'modality', 'view position', 'photometric interpretation', 'bits stored', 'transfer syntax', 'VOI transform'], rows)}
${notesHtml}`;
}
