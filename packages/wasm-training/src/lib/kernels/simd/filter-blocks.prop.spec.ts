import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { packForwardFilter, packInputGradFilter } from './filter-blocks.js';

/** A filter [fh, fw, ci, co] whose value at each index is the index, with one of the channel counts a multiple of 4. */
const filterCase = (multipleOf4: 'ci' | 'co') =>
  fc
    .record({
      fh: fc.integer({ min: 1, max: 3 }),
      fw: fc.integer({ min: 1, max: 3 }),
      channels: fc.integer({ min: 1, max: 9 }).map((quads) => 4 * quads),
      other: fc.integer({ min: 1, max: 7 }),
      width: fc.constantFrom(4, 8, 12, 16),
    })
    .map(({ fh, fw, channels, other, width }) => {
      const shape: [number, number, number, number] = multipleOf4 === 'co' ? [fh, fw, other, channels] : [fh, fw, channels, other];
      return { shape, width, src: Float32Array.from({ length: fh * fw * channels * other }, (_, i) => i) };
    });

/** The channel blocks: whole blocks of width, then blocks of 4, as [start, size]. */
function blocks(channels: number, width: number): [number, number][] {
  const whole = channels - (channels % width);
  const out: [number, number][] = [];
  for (let c0 = 0; c0 < channels; c0 += c0 < whole ? width : 4) out.push([c0, c0 < whole ? width : 4]);
  return out;
}

describe('packed filters', () => {
  test.prop([filterCase('co')])('packForwardFilter: block [c0, c0 + b) of the output channels holds, from c0 * fh*fw*ci, row t of W[t, c0 + j]', ({ shape, width, src }) => {
    const [fh, fw, ci, co] = shape;
    const dst = new Float32Array(src.length).fill(-1);
    packForwardFilter(src, dst, shape, width);
    const taps = fh * fw * ci;
    for (const [c0, b] of blocks(co, width))
      for (let t = 0; t < taps; t++)
        for (let j = 0; j < b; j++) expect(dst[c0 * taps + t * b + j]).toBe(t * co + c0 + j);
  });

  test.prop([filterCase('ci')])('packInputGradFilter: per tap, block [c0, c0 + b) of the input channels holds, from c0 * co, row o of W[tap, c0 + j, o]', ({ shape, width, src }) => {
    const [fh, fw, ci, co] = shape;
    const dst = new Float32Array(src.length).fill(-1);
    packInputGradFilter(src, dst, shape, width);
    for (let tap = 0; tap < fh * fw; tap++)
      for (const [c0, b] of blocks(ci, width))
        for (let o = 0; o < co; o++)
          for (let j = 0; j < b; j++) expect(dst[tap * ci * co + c0 * co + o * b + j]).toBe((tap * ci + c0 + j) * co + o);
  });
});
