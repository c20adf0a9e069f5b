import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { escapeHtml, renderValue } from './html.js';

const hostile = fc.oneof(fc.string(), fc.constantFrom('<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "'&<>"));
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, hostile, fc.double(), fc.boolean(), fc.constant(null), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(hostile, tie('value'), { maxKeys: 4 })),
})).value;

test.prop([json])('renderValue only emits its own tags: any < starts a known tag', (v) => {
  const html = renderValue(v);
  const tags = html.match(/<\/?([a-z0-9]+)/g) ?? [];
  for (const t of tags) expect(['table', 'thead', 'tbody', 'tr', 'th', 'td', 'span', 'ol', 'li', 'p', 'code', 'strong']).toContain(t.replace(/[</]/g, ''));
  expect(html).not.toMatch(/<(script|img)/i);
});

const unescape = (s: string): string =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

describe('escapeHtml', () => {
  test.prop([fc.string({ unit: 'binary' })])('leaves no markup character and round-trips', (text) => {
    const escaped = escapeHtml(text);
    expect(/[<>"']/.test(escaped)).toBe(false);
    expect(unescape(escaped)).toBe(text);
  });
});
