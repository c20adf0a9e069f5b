/**
 * Writes a DICOM copy of a JPEG dataset folder, same layout, for trying DICOM through cxr (and for the
 * DICOM decode benchmark): each image's grey pixels in one of six DICOM encodings in turn (12-bit
 * uncompressed, MONOCHROME1 JPEG 2000, 16-bit JPEG-LS with a VOI LUT, RLE, rescaled implicit VR, signed
 * deflated), every one decoding back to the JPEG's pixels; half the files named `.dcm`, half without an
 * extension; the Patient ID is the file's patient (`personN`, else the stem).
 *
 * Run from the repository root:
 *   npx tsx --conditions=@cxr/source bench/decode/make-dicom-set.ts <from> <to> [--limit N]
 * e.g. `... make-dicom-set.ts ../shared/datasets/chest-xray dicom-xray` (5,206 files, 536 MB, about 2.5 minutes of CPU).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeDicomDataset } from '@cxr/loader/testing';

const args = process.argv.slice(2);
const at = args.indexOf('--limit');
const limit = at >= 0 ? Number(args[at + 1]) : undefined;
const [from, to] = args.filter((a, i) => !a.startsWith('--') && (at < 0 || i !== at + 1));
if (from === undefined || to === undefined || !existsSync(from) || (limit !== undefined && !(limit > 0))) {
  console.error('usage: make-dicom-set.ts <JPEG dataset folder> <new folder> [--limit N per folder]');
  process.exit(2);
}
if (existsSync(to)) {
  console.error(`${resolve(to)} exists; give a new folder.`);
  process.exit(2);
}
const start = performance.now();
const n = await writeDicomDataset(from, to, limit === undefined ? {} : { limit });
console.log(`Wrote ${n} DICOM files to ${resolve(to)} in ${((performance.now() - start) / 1000).toFixed(1)} s.`);
