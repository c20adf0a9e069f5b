import { relative, sep } from 'node:path';

import type { DatasetAudit, ImageRecord, Split } from '@cxr/loader';

import { escapeHtml } from '../internal/html.js';
import type { ReportFile, ReportSection } from '../report-types.js';
import { commonValuesSpec, groupedBarSpec, rangeChartSpec, renderDataChart, shareBarSpec, type ChartSpec } from './internal/charts.js';
import { dicomHtml } from './internal/dicom-table.js';
import { exampleGrids } from './internal/example-grids.js';
import { countList, htmlTable, percent, sectionHtml, svgImg, type Cell } from './internal/html.js';
import { checkInteger, checkSeed } from './internal/validate.js';

/** Options of {@link auditSection} (and of {@link writeAuditReport}). */
export interface AuditSectionOptions {
  /** Seed choosing the example images (the app derives it from the root seed). */
  readonly seed: number;
  /**
   * The image records of the audited folder (from `scanAndAudit`'s `onRecords`, or `scanDataset`), for
   * the example grids and the files of shared groups; the folder is never scanned again. Default none:
   * the page then says there is no image list to choose examples from.
   */
  readonly records?: readonly ImageRecord[];
  /** Example images per split and class. Default 8 (0-64; 0 leaves the examples out). */
  readonly examplesPerClass?: number;
  /** Longest side of the example thumbnails, in pixels. Default 128 (32-512). */
  readonly thumbnailSize?: number;
  /** Thumbnails per row in the example PNGs. Default 8 (1-16). */
  readonly columns?: number;
  /** Most rows shown in each table (the JSON audit has them all). Default 200 (1-100000). */
  readonly maxTableRows?: number;
}

/** What the audit section shows besides its HTML. */
export interface AuditSectionExtras {
  /** The example images shown, per `split/CLASS`, as paths. */
  readonly examples: Readonly<Record<string, readonly string[]>>;
}

const STAGE = 'auditSection';
const SPLIT_ORDER: readonly Split[] = ['train', 'val', 'test'];

function checkAudit(audit: unknown, stage: string): DatasetAudit {
  const a = audit as Partial<DatasetAudit> | null;
  if (a === null || typeof a !== 'object' || typeof a.splits !== 'object' || typeof a.perClass !== 'object' || typeof a.duplicates !== 'object' || !Array.isArray(a.rejected)) {
    throw new TypeError(`${stage}: audit must be the DatasetAudit returned by @cxr/loader's scanAndAudit, got ${audit === null ? 'null' : typeof audit}.`);
  }
  return a as DatasetAudit;
}

/**
 * The data audit as a report section: findings, counts, the per-class source-file profile as
 * charts, random example images per split and class, and the duplicates, shared groups and
 * rejected files as tables.
 *
 * Renders the {@link DatasetAudit} from `@cxr/loader` (`scanAndAudit`). Charts (images per split
 * and class; width, height and aspect ratio per class as min–median–max; the most common sizes;
 * channel modes per class) are Vega-Lite rendered in Node, inlined as SVG and returned as PNGs.
 * Examples are `examplesPerClass` images per split and class chosen at random from a seed derived
 * from `seed`, the split and the class (rejected files excluded) among the `records` given (the
 * folder is never scanned again), decoded by `@cxr/loader` as training decodes them (DICOM
 * included), shown as thumbnails keeping their aspect ratio, with the file name and source size
 * under each; each grid is also a PNG contact sheet. An image the loader rejects is named with its
 * reason instead. With DICOM files, a table of their attributes per class follows the profile, with
 * a note on lateral views and on modalities that differ by class. Paths are shown relative to the
 * audited folder.
 *
 * @example
 * ```ts
 * let records: readonly ImageRecord[] = [];
 * const audit = await scanAndAudit(root, { onRecords: (r) => (records = r) });
 * const section = await auditSection(audit, { seed: 42, records });
 * ```
 * @param audit the audit from `scanAndAudit` / `auditDataset`.
 * @param options `seed` (required), `records` (none), `examplesPerClass` (8),
 *   `thumbnailSize` (128), `columns` (8), `maxTableRows` (200).
 * @returns the section (`id: 'data-audit'`) with its PNG files (`counts-by-split.png`,
 *   `size-by-class.png`, `aspect-by-class.png`, `common-sizes-by-class.png`,
 *   `channel-mode-by-class.png`, `examples-<split>-<CLASS>.png`), and the examples shown.
 * @throws TypeError/RangeError for invalid options or an audit of the wrong shape.
 */
export async function auditSection(audit: DatasetAudit, options: AuditSectionOptions): Promise<ReportSection & AuditSectionExtras> {
  checkAudit(audit, STAGE);
  const seed = checkSeed(STAGE, 'seed', options.seed);
  const perCell = checkInteger(STAGE, 'examplesPerClass', options.examplesPerClass ?? 8, 0, 64);
  const thumbnailSize = checkInteger(STAGE, 'thumbnailSize', options.thumbnailSize ?? 128, 32, 512);
  const columns = checkInteger(STAGE, 'columns', options.columns ?? 8, 1, 16);
  const maxRows = checkInteger(STAGE, 'maxTableRows', options.maxTableRows ?? 200, 1, 100_000);
  if (options.records !== undefined && !Array.isArray(options.records)) throw new TypeError(`${STAGE}: records must be an array of ImageRecord.`);

  const rel = (p: string): string => (audit.root === '' ? p : relative(audit.root, p).split(sep).join('/') || p);
  const classes = Object.keys(audit.perClass);
  const splits = SPLIT_ORDER.filter((s) => audit.splits[s] !== undefined);
  const files: ReportFile[] = [];
  const charts: Record<string, string> = {};
  const chart = async (name: string, alt: string, spec: ChartSpec): Promise<void> => {
    const rendered = await renderDataChart(spec);
    files.push({ name: `${name}.png`, data: rendered.png });
    charts[name] = svgImg(rendered.svg, alt);
  };

  // Counts.
  const countRows: Cell[][] = splits.map((s) => {
    const row = audit.splits[s] ?? {};
    const values = classes.map((c) => row[c] ?? 0);
    return [s, ...values, values.reduce((a, b) => a + b, 0)];
  });
  const totals = classes.map((c) => splits.reduce((sum, s) => sum + (audit.splits[s]?.[c] ?? 0), 0));
  countRows.push(['all', ...totals, totals.reduce((a, b) => a + b, 0)]);
  await chart(
    'counts-by-split',
    'Images per split and class',
    groupedBarSpec({
      title: 'Usable images per split and class',
      values: splits.flatMap((s) => classes.map((c) => ({ group: s, series: c, value: audit.splits[s]?.[c] ?? 0 }))),
      groupTitle: 'split',
      seriesTitle: 'class',
      seriesDomain: classes,
      valueTitle: 'images',
    }),
  );

  // Source profile per class.
  const profiled = classes.filter((c) => (audit.perClass[c]?.profiled ?? 0) > 0);
  const profileRows: Cell[][] = classes.map((c) => {
    const p = audit.perClass[c];
    if (p === undefined || p.profiled === 0) return [c, p?.images ?? 0, '–', '–', '–', '–', '–', '–', '–'];
    return [
      c,
      p.images,
      countList(p.formats, p.profiled),
      countList(p.modes, p.profiled),
      `${p.iccProfiles.toLocaleString('en-US')} (${percent(p.iccProfiles, p.profiled)})`,
      `${p.width.min} / ${p.width.median} / ${p.width.max}`,
      `${p.height.min} / ${p.height.median} / ${p.height.max}`,
      `${p.aspectRatio.min.toFixed(2)} / ${p.aspectRatio.median.toFixed(2)} / ${p.aspectRatio.max.toFixed(2)}`,
      p.commonSizes.map((s) => `${s.size} (${s.count.toLocaleString('en-US')})`).join(', '),
    ];
  });
  if (profiled.length > 0) {
    const summary = 'line: min to max · tick: median · dot: mean';
    await chart(
      'size-by-class',
      'Source width and height per class',
      rangeChartSpec({
        title: 'Source image size per class',
        subtitle: summary,
        xTitle: 'pixels',
        groupDomain: classes,
        rows: profiled.flatMap((c) => {
          const p = audit.perClass[c];
          return p ? [{ label: `${c} width`, group: c, ...p.width }, { label: `${c} height`, group: c, ...p.height }] : [];
        }),
      }),
    );
    await chart(
      'aspect-by-class',
      'Source aspect ratio per class',
      rangeChartSpec({
        title: 'Source aspect ratio (width / height) per class',
        subtitle: summary,
        xTitle: 'width / height',
        format: '.2f',
        groupDomain: classes,
        rows: profiled.flatMap((c) => {
          const p = audit.perClass[c];
          return p ? [{ label: c, group: c, ...p.aspectRatio }] : [];
        }),
      }),
    );
    await chart(
      'common-sizes-by-class',
      'Most common source sizes per class',
      commonValuesSpec({
        title: 'Most common source sizes (share of each class)',
        valueTitle: 'width x height',
        groupDomain: classes,
        values: profiled.flatMap((c) => {
          const p = audit.perClass[c];
          if (!p) return [];
          const rows = p.commonSizes.map((s) => ({ group: c, value: s.size, count: s.count, share: s.count / p.profiled }));
          const other = p.profiled - p.commonSizes.reduce((sum, s) => sum + s.count, 0);
          return other > 0 ? [...rows, { group: c, value: 'other sizes', count: other, share: other / p.profiled }] : rows;
        }),
      }),
    );
    await chart(
      'channel-mode-by-class',
      'Channel mode per class',
      shareBarSpec({
        title: 'Channel mode of the source files per class',
        groupTitle: 'class',
        categoryTitle: 'channel mode',
        values: profiled.flatMap((c) => Object.entries(audit.perClass[c]?.modes ?? {}).map(([mode, count]) => ({ group: c, category: mode, count }))),
      }),
    );
  }

  // Records: for examples and the files of shared groups.
  const records = options.records ?? [];
  const rejectedPaths = new Set(audit.rejected.map((r) => r.path));
  const grids =
    perCell > 0 ? await exampleGrids(records, { seed, perCell, thumbnailSize, columns, exclude: rejectedPaths }) : [];
  for (const g of grids) files.push({ name: g.pngName, data: g.png });
  const examples: Record<string, readonly string[]> = {};
  for (const g of grids) examples[`${g.split}/${g.className}`] = g.shown;

  // Duplicates.
  const d = audit.duplicates;
  const dupRows: Cell[][] = d.groups.map((g, i) => [
    i + 1,
    g.files.length,
    { html: g.files.map((f) => `${escapeHtml(f.split)} / ${escapeHtml(f.className)} / ${escapeHtml(rel(f.path))}`).join('<br>') },
    g.acrossSplits ? 'yes' : 'no',
    g.conflictingLabels ? 'yes' : 'no',
    g.hash.slice(0, 12),
  ]);

  // Groups in more than one split.
  const byGroup = new Map<string, ImageRecord[]>();
  if (audit.sharedGroups.length > 0) {
    const wanted = new Set(audit.sharedGroups.map((g) => g.groupId));
    for (const r of records) {
      if (!wanted.has(r.groupId)) continue;
      const list = byGroup.get(r.groupId) ?? [];
      list.push(r);
      byGroup.set(r.groupId, list);
    }
  }
  const sharedRows: Cell[][] = audit.sharedGroups.map((g) => [
    g.groupId,
    g.splits.join(', '),
    g.images,
    { html: (byGroup.get(g.groupId) ?? []).map((r) => `${escapeHtml(r.split)} / ${escapeHtml(rel(r.path))}`).join('<br>') || '–' },
  ]);

  const rejectedRows: Cell[][] = audit.rejected.map((r) => [rel(r.path), r.split ?? '–', r.className ?? '–', r.reason]);

  const findings = audit.findings.length
    ? `<ul>${audit.findings.map((f) => `<li>${escapeHtml(f)}</li>`).join('')}</ul>`
    : '<p class="empty">Nothing stands out.</p>';
  const layout = audit.layout === 'classes' ? ' (class folders only, one split)' : '';
  const examplesHtml =
    perCell === 0
      ? '<p class="empty">Examples left out.</p>'
      : grids.length === 0
        ? '<p class="empty">No image list to choose examples from.</p>'
        : grids.map((g) => g.html).join('\n');

  const body = `<p class="note">Folder <code>${escapeHtml(audit.root || '(unknown)')}</code>${escapeHtml(layout)}: ${audit.totals.images.toLocaleString('en-US')} usable images of ${audit.totals.files.toLocaleString('en-US')} image files; ${audit.totals.rejected.toLocaleString('en-US')} rejected. Examples chosen with seed ${seed}.</p>
<h3>Findings</h3>
${findings}
<h3>Images per split and class</h3>
${htmlTable(['split', ...classes, 'total'], countRows)}
${charts['counts-by-split'] ?? ''}
<h3>Source files per class</h3>
<p class="note">From the file headers, after EXIF orientation. Size, shape or encoding that differ by class are shortcuts a model can learn instead of the disease.</p>
${htmlTable(['class', 'images', 'formats', 'channel modes', 'ICC profile', 'width min / median / max', 'height min / median / max', 'aspect w/h min / median / max', 'most common sizes'], profileRows)}
${profiled.length > 0 ? ['size-by-class', 'aspect-by-class', 'common-sizes-by-class', 'channel-mode-by-class'].map((n) => charts[n] ?? '').join('\n') : '<p class="empty">No file headers were read, so there is no profile to chart.</p>'}
${dicomHtml(audit)}
<h3>Examples per split and class</h3>
${examplesHtml}
<h3>Exact duplicates</h3>
<p class="note">Files that decode to the same pixels: ${d.groups.length.toLocaleString('en-US')} groups, ${d.extraCopies.toLocaleString('en-US')} extra copies, ${d.acrossSplits.toLocaleString('en-US')} across splits, ${d.conflictingLabels.toLocaleString('en-US')} with both labels.</p>
${htmlTable(['#', 'copies', 'files (split / class / path)', 'across splits', 'both labels', 'pixel hash'], dupRows, { maxRows, empty: 'No duplicates.' })}
<h3>Groups (patients) in more than one split</h3>
<p class="note">${audit.sharedGroups.length.toLocaleString('en-US')} group ids have images in more than one split: the same patient on both sides of an evaluation.</p>
${htmlTable(['group id', 'splits', 'images', 'files'], sharedRows, { maxRows, empty: 'No group id is in more than one split.' })}
<h3>Rejected files</h3>
${htmlTable(['path', 'split', 'class', 'reason'], rejectedRows, { maxRows, empty: 'No file was rejected.' })}`;

  return { id: 'data-audit', title: 'Data audit', html: sectionHtml('data-audit', 'Data audit', body), files, examples };
}
