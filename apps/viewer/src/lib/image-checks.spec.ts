import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { isTruncated, MAX_XRAY_ASPECT, MIN_XRAY_SIDE, sniffImage, xraySizeProblem } from './image-checks.js';

const JPEG = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 16, 0xff, 0xd9);
const PNG_HEAD = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const IEND = [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];

describe('sniffImage', () => {
  it('knows JPEG, PNG and DICOM by their first bytes, and names other formats', () => {
    expect(sniffImage(JPEG)).toEqual({ kind: 'jpeg' });
    expect(sniffImage(Uint8Array.of(...PNG_HEAD, ...IEND))).toEqual({ kind: 'png' });
    const dicom = new Uint8Array(200);
    dicom.set(new TextEncoder().encode('DICM'), 128);
    expect(sniffImage(dicom)).toEqual({ kind: 'dicom' });
    expect(sniffImage(dicom.subarray(0, 131))).toEqual({ problem: 'not an image (neither JPEG, PNG nor DICOM)' });
    expect(sniffImage(new TextEncoder().encode('GIF89a...'))).toEqual({ problem: 'a GIF image, not a JPEG, PNG or DICOM file' });
    expect(sniffImage(new TextEncoder().encode('%PDF-1.7'))).toEqual({ problem: 'a PDF document, not a JPEG, PNG or DICOM file' });
    expect(sniffImage(new TextEncoder().encode('hello'))).toEqual({ problem: 'not an image (neither JPEG, PNG nor DICOM)' });
    expect(sniffImage(new Uint8Array(0))).toEqual({ problem: 'an empty file (0 bytes)' });
  });

  test.prop([fc.uint8Array({ maxLength: 64 })])('any bytes get a kind or a problem, never both', (bytes) => {
    const result = sniffImage(bytes);
    expect('kind' in result !== 'problem' in result).toBe(true);
  });
});

describe('isTruncated', () => {
  it('a JPEG needs its end marker (padding after it is fine); a PNG its IEND chunk', () => {
    expect(isTruncated(JPEG, 'jpeg')).toBe(false);
    expect(isTruncated(Uint8Array.of(...JPEG, 0, 0, 0x0a), 'jpeg')).toBe(false);
    expect(isTruncated(JPEG.subarray(0, 6), 'jpeg')).toBe(true);
    expect(isTruncated(Uint8Array.of(...PNG_HEAD, ...IEND), 'png')).toBe(false);
    expect(isTruncated(Uint8Array.of(...PNG_HEAD, ...IEND.slice(0, 8)), 'png')).toBe(true);
  });
});

describe('xraySizeProblem', () => {
  test.prop([fc.integer({ min: 1, max: 20_000 }), fc.integer({ min: 1, max: 20_000 })])('accepts exactly the sizes with both sides >= 64, an aspect ratio up to 3 and at most 100 megapixels', (w, h) => {
    const ok = Math.min(w, h) >= MIN_XRAY_SIDE && Math.max(w, h) / Math.min(w, h) <= MAX_XRAY_ASPECT && w * h <= 100_000_000;
    const problem = xraySizeProblem(w, h);
    expect(problem === undefined).toBe(ok);
    if (problem) expect(problem).toContain(`${w}x${h} pixels`);
  });
});
