import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { esc, renderValue } from './html.js';

const hostile = fc.oneof(fc.string(), fc.constantFrom('<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "'&<>"));
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, hostile, fc.double(), fc.boolean(), fc.constant(null), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(hostile, tie('value'), { maxKeys: 4 })),
})).value;

test.prop([hostile])('escaped text contains no markup characters', (s) => {
  expect(esc(s)).not.toMatch(/[<>"']/);
});

test.prop([json])('renderValue only emits its own tags: any < starts a known tag', (v) => {
  const html = renderValue(v);
  const tags = html.match(/<\/?([a-z0-9]+)/g) ?? [];
  for (const t of tags) expect(['table', 'thead', 'tbody', 'tr', 'th', 'td', 'span', 'ol', 'li', 'p', 'code', 'strong']).toContain(t.replace(/[</]/g, ''));
  expect(html).not.toMatch(/<(script|img)/i);
});
