import { describe, expect, it } from 'vitest';
import { escapeHtml, renderValue } from './html.js';

describe('renderValue', () => {
  it('renders an object of flat objects as one table', () => {
    const html = renderValue({ train: { NORMAL: 1, PNEUMONIA: 2 }, test: { NORMAL: 3, PNEUMONIA: 4 } });
    expect(html).toContain('<th scope="col">NORMAL</th>');
    expect(html.match(/<table/g)).toHaveLength(1);
    expect(html).toContain('<strong>test</strong>');
  });
  it('renders arrays of flat objects as tables and cuts long arrays with a note', () => {
    const rows = Array.from({ length: 250 }, (_, i) => ({ path: `/x/${i}.jpeg`, reason: 'truncated' }));
    const html = renderValue(rows);
    expect(html.match(/<tr>/g)).toHaveLength(201); // header + 200 rows
    expect(html).toContain('... and 50 more (all in report.json)');
  });
  it('shows null and empty values as none, numbers compactly', () => {
    expect(renderValue(null)).toContain('none');
    expect(renderValue([])).toContain('none');
    expect(renderValue(1 / 3)).toBe('0.333333');
  });
  it('escapes keys and values', () => {
    expect(renderValue({ '<k>': '<v>' })).toContain('&lt;k&gt;');
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
