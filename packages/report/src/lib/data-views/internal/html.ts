import { dataImg, escapeHtml } from '../../internal/html.js';
import { svgSize } from '../../plots/render-plot.js';

/** `part` as a percentage of `whole` with one decimal (`12.5%`), or `–` when `whole` is 0. */
export function percent(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '–';
}

/** Counts per value with their share of `whole`, in the given order: `grey 120 (60.0%), rgb 80 (40.0%)`. */
export function countList(values: Readonly<Record<string, number>>, whole: number): string {
  return Object.entries(values)
    .map(([k, v]) => `${k} ${v.toLocaleString('en-US')} (${percent(v, whole)})`)
    .join(', ');
}

/** One table cell: plain text (escaped), a number (formatted, right-aligned) or trusted HTML. */
export type Cell = string | number | { readonly html: string };

function formatCell(value: Cell): string {
  if (typeof value === 'object') return `<td>${value.html}</td>`;
  if (typeof value === 'number') {
    const text = Number.isInteger(value) ? value.toLocaleString('en-US') : value.toFixed(3);
    return `<td class="num">${escapeHtml(text)}</td>`;
  }
  return `<td>${escapeHtml(value)}</td>`;
}

/**
 * An HTML table. Rows past `maxRows` are left out and a line says how many, so a dataset with
 * thousands of problems still yields a page that opens quickly.
 */
export function htmlTable(
  headers: readonly string[],
  rows: readonly (readonly Cell[])[],
  options: { readonly caption?: string; readonly maxRows?: number; readonly empty?: string } = {},
): string {
  const maxRows = options.maxRows ?? 500;
  if (rows.length === 0) {
    return `<p class="empty">${escapeHtml(options.empty ?? 'None.')}</p>`;
  }
  const shown = rows.slice(0, maxRows);
  const caption = options.caption === undefined ? '' : `<caption>${escapeHtml(options.caption)}</caption>`;
  const head = `<thead><tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>`;
  const body = `<tbody>${shown.map((r) => `<tr>${r.map(formatCell).join('')}</tr>`).join('\n')}</tbody>`;
  const more =
    rows.length > shown.length
      ? `<p class="more">… and ${(rows.length - shown.length).toLocaleString('en-US')} more rows not shown.</p>`
      : '';
  return `<table>${caption}${head}${body}</table>${more}`;
}

/** Shared styles of the data views, so a fragment looks the same in audit.html and in report.html. */
export const DATA_VIEW_CSS = `
.cxr-dv{font-family:"DejaVu Sans",Arial,sans-serif;color:#1b1b1b}
.cxr-dv h2{margin-top:1.6em;border-bottom:1px solid #ccc}
.cxr-dv table{border-collapse:collapse;margin:0.5em 0 1em}
.cxr-dv th,.cxr-dv td{border:1px solid #ccc;padding:2px 8px;text-align:left;font-size:13px}
.cxr-dv td.num{text-align:right;font-variant-numeric:tabular-nums}
.cxr-dv caption{text-align:left;font-weight:bold;padding:4px 0}
.cxr-dv .grid{display:flex;flex-wrap:wrap;gap:8px;margin:0.5em 0 1em}
.cxr-dv figure{margin:0;width:var(--tile,128px);text-align:center}
.cxr-dv figure img{display:block;margin:0 auto;max-width:100%;background:#000}
.cxr-dv figcaption{font-size:11px;line-height:1.25;word-break:break-all;margin-top:2px}
.cxr-dv .chart{display:inline-block;vertical-align:top;margin:0 12px 12px 0}
.cxr-dv .note{color:#555;font-size:13px}
.cxr-dv .empty,.cxr-dv .more{color:#555;font-style:italic}
`;

/** A complete, self-contained HTML page (inline styles, no external resources). */
export function htmlPage(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{margin:1.5em;max-width:1400px}
${DATA_VIEW_CSS}
</style>
</head>
<body class="cxr-dv">
${body}
</body>
</html>
`;
}

/** Wraps a fragment in a `<section>` that carries its own styles, so any page can embed it. */
export function sectionHtml(id: string, title: string, body: string): string {
  return `<section class="cxr-dv" id="${escapeHtml(id)}">
<style>${DATA_VIEW_CSS}</style>
<h2>${escapeHtml(title)}</h2>
${body}
</section>`;
}

/** A chart as an `<img>` of its SVG: isolated from the page (no clashing ids), crisp at any zoom. */
export function svgImg(svg: string, alt: string): string {
  return dataImg(svg, 'image/svg+xml', alt, svgSize(svg), 'chart');
}
