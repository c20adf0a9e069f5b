import { DATA_VIEW_CSS, escapeHtml } from './html.js';

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
  const size = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  const dims = size ? ` width="${size[1]}" height="${size[2]}"` : '';
  return `<img class="chart" alt="${escapeHtml(alt)}"${dims} src="data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}">`;
}
