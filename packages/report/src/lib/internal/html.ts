const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes text for HTML (and SVG/XML) element content and quoted attribute values: the one escape
 * of every page and picture this package writes. Any value is turned into text first.
 */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** A table from column headings and rows of already-rendered cell HTML. */
export function table(columns: readonly string[], rows: readonly (readonly string[])[], className = 'data'): string {
  const head = `<thead><tr>${columns.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join('')}</tr></thead>`;
  const body = `<tbody>${rows.map((r) => `<tr>${r.map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('')}</tbody>`;
  return `<table class="${escapeHtml(className)}">${head}${body}</table>`;
}

/** A two-column key/value table (no header row) from keys and already-rendered value HTML. */
export function kvTable(rows: readonly (readonly [string, string])[]): string {
  return `<table class="kv"><tbody>${rows.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${v}</td></tr>`).join('')}</tbody></table>`;
}

/** A section with an id (a link anchor) and a heading. */
export function section(id: string, title: string, body: string): string {
  return `<section id="${escapeHtml(id)}"><h2>${escapeHtml(title)}</h2>\n${body}\n</section>`;
}

/** An image from bytes, inlined as a data URI. */
export function dataImg(bytes: Uint8Array | string, mime: 'image/png' | 'image/svg+xml', alt: string, size?: { width: number; height: number }, className = ''): string {
  const b64 = Buffer.from(bytes).toString('base64');
  const dims = size && size.width > 0 && size.height > 0 ? ` width="${Math.round(size.width)}" height="${Math.round(size.height)}"` : '';
  const cls = className ? ` class="${escapeHtml(className)}"` : '';
  return `<img${cls} alt="${escapeHtml(alt)}"${dims} src="data:${mime};base64,${b64}">`;
}

/** A figure: content and a caption. */
export function figure(content: string, caption: string): string {
  return `<figure>${content}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

const MAX_ROWS = 200;
const MAX_DEPTH = 6;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function isPrimitive(v: unknown): boolean {
  return v === null || v === undefined || ['string', 'number', 'boolean', 'bigint'].includes(typeof v);
}

function primitive(v: unknown): string {
  if (v === null || v === undefined) return '<span class="muted">none</span>';
  if (typeof v === 'number') return escapeHtml(Number.isInteger(v) ? String(v) : Number(v.toPrecision(6)).toString());
  return escapeHtml(v);
}

function more(total: number, shown: number): string {
  return total > shown ? `<p class="muted">... and ${total - shown} more (all in report.json)</p>` : '';
}

/**
 * Renders any JSON-like value as HTML, generically: objects as key/value tables, arrays of flat
 * objects as tables (columns = union of keys), arrays of primitives as lists; long arrays are
 * cut at 200 rows with a note, deep nesting at 6 levels. Everything is escaped.
 */
export function renderValue(value: unknown, depth = 0): string {
  if (isPrimitive(value)) return primitive(value);
  if (depth >= MAX_DEPTH) return `<code>${escapeHtml(JSON.stringify(value)).slice(0, 500)}</code>`;
  if (Array.isArray(value)) {
    if (value.length === 0) return '<span class="muted">none</span>';
    const shown = value.slice(0, MAX_ROWS);
    if (shown.every(isPrimitive)) return `${shown.map(primitive).join(', ')}${more(value.length, shown.length)}`;
    if (shown.every((v) => isPlainObject(v) && Object.values(v).every((x) => isPrimitive(x) || (Array.isArray(x) && x.every(isPrimitive))))) {
      const columns = [...new Set(shown.flatMap((v) => Object.keys(v as object)))];
      const rows = shown.map((v) => columns.map((c) => renderValue((v as Record<string, unknown>)[c], depth + 1)));
      return `${table(columns, rows)}${more(value.length, shown.length)}`;
    }
    return `<ol>${shown.map((v) => `<li>${renderValue(v, depth + 1)}</li>`).join('')}</ol>${more(value.length, shown.length)}`;
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return '<span class="muted">none</span>';
    // An object of flat objects (e.g. counts per split and class): one table, a row per key.
    if (entries.length >= 2 && entries.every(([, v]) => isPlainObject(v) && Object.keys(v).length > 0 && Object.values(v).every(isPrimitive))) {
      const columns = [...new Set(entries.flatMap(([, v]) => Object.keys(v as object)))];
      const rows = entries.map(([k, v]) => [`<strong>${escapeHtml(k)}</strong>`, ...columns.map((c) => renderValue((v as Record<string, unknown>)[c], depth + 1))]);
      return table(['', ...columns], rows);
    }
    return `<table class="kv"><tbody>${entries.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${renderValue(v, depth + 1)}</td></tr>`).join('')}</tbody></table>`;
  }
  return escapeHtml(String(value));
}
