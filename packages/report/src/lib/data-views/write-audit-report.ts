import { join } from 'node:path';

import { writeFileAtomic, type DatasetAudit } from '@cxr/loader';

import { auditSection, type AuditSectionOptions } from './audit-section.js';
import { escapeHtml } from '../internal/html.js';
import { writeSectionFiles } from '../internal/write-section-files.js';
import { htmlPage } from './internal/html.js';
import { checkString } from './internal/validate.js';

/** Options of {@link writeAuditReport}: the audit, plus those of {@link auditSection}. */
export interface WriteAuditReportOptions extends AuditSectionOptions {
  /** The audit from `@cxr/loader`'s `scanAndAudit`. */
  readonly audit: DatasetAudit;
  /** Name of the folder (inside `dir`) that receives the PNGs. Default `audit`. */
  readonly pngFolder?: string;
}

/** What {@link writeAuditReport} wrote. */
export interface AuditReportResult {
  /** Absolute or `dir`-based path of `audit.html`. */
  readonly htmlPath: string;
  /** Size of `audit.html` in bytes. */
  readonly htmlBytes: number;
  /** The PNG files written, in order. */
  readonly pngPaths: readonly string[];
  /** The example images shown, per `split/CLASS`. */
  readonly examples: Readonly<Record<string, readonly string[]>>;
}

const STAGE = 'writeAuditReport';

/**
 * Writes a dataset audit as a page people can look at: `dir/audit.html` and `dir/audit/*.png`.
 *
 * The page is self-contained (thumbnails and charts are data URIs; no script, no external file)
 * and holds what {@link auditSection} renders: findings, counts, per-class size / aspect / channel
 * mode charts, the DICOM attributes per class (with a note on lateral views and modalities that
 * differ by class) when there are DICOM files, seeded random examples per split and class with
 * their file names (from the `records` given; the folder is not scanned again), and the
 * duplicates, patients shared between splits and rejected files as tables. The same charts and
 * example grids are written as PNGs. Every file is written under a temporary name and renamed into
 * place, PNGs first and the page last, so an interrupted run never leaves a half-written page.
 *
 * @example
 * ```ts
 * let records: readonly ImageRecord[] = [];
 * const audit = await scanAndAudit(dataDir, { onRecords: (r) => (records = r) });
 * const { htmlPath, htmlBytes } = await writeAuditReport(outDir, { audit, records, seed });
 * ```
 * @param dir output folder (created if missing).
 * @param options `audit` and `seed` (required); `records`, `examplesPerClass` (8), `thumbnailSize`
 *   (128), `columns` (8), `maxTableRows` (200) as in {@link auditSection}; `pngFolder` ('audit').
 * @throws TypeError/RangeError for invalid options; file system errors when `dir` cannot be written.
 */
export async function writeAuditReport(dir: string, options: WriteAuditReportOptions): Promise<AuditReportResult> {
  checkString(STAGE, 'dir', dir);
  if (options === null || typeof options !== 'object') throw new TypeError(`${STAGE}: options must be an object with audit and seed.`);
  const pngFolder = checkString(STAGE, 'pngFolder', options.pngFolder ?? 'audit');
  if (/[\\/]|^\.\.?$/.test(pngFolder)) throw new RangeError(`${STAGE}: pngFolder must be a plain folder name, got ${JSON.stringify(pngFolder)}.`);
  const section = await auditSection(options.audit, options);

  const pngPaths = await writeSectionFiles(STAGE, join(dir, pngFolder), [section]);
  const root = options.audit.root || 'dataset';
  const html = htmlPage(
    `Data audit: ${root}`,
    `${section.html}
<p class="note">The same charts and example grids are in <code>${escapeHtml(pngFolder)}/</code> next to this page, as PNG files.</p>`,
  );
  const htmlPath = join(dir, 'audit.html');
  await writeFileAtomic(htmlPath, html);
  return { htmlPath, htmlBytes: Buffer.byteLength(html), pngPaths, examples: section.examples };
}
