import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ImageRecord } from '@cxr/loader';
import { writeTinyDataset } from '@cxr/loader/testing';
import { buildModel } from '@cxr/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainingDataSections } from './training-data-sections.js';

let records: ImageRecord[] = [];
let dir = '';
const notes: string[] = [];
const onNote = (message: string): void => void notes.push(message);
const decode = { size: 32, fit: 'fill' as const };

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'cxr-data-sections-'));
  const data = await writeTinyDataset(dir, { perClass: 4, size: 40, seed: 3 });
  records = data.images.map((f) => ({ path: f.path, split: f.split, label: f.label, className: f.className, groupId: f.path }));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const model = (augment: false | { rotationDegrees: number }): tf.LayersModel => buildModel({ imageSize: 32, seed: 1, augment, compact: { filters: [4, 8] } });

describe('trainingDataSections', () => {
  it('builds the pixel histograms and the augmentation grid from training images only, the same for the same seed', async () => {
    const m = model({ rotationDegrees: 10 });
    const a = await trainingDataSections({ model: m, records, decode, seed: 9, onNote });
    expect(a.map((s) => s.id)).toEqual(['pixel-histograms', 'augmentation-grid']);
    expect(a.map((s) => s.files.map((f) => f.name))).toEqual([['pixel-histograms.png'], ['augmentation-grid.png']]);
    const trainNames = records.filter((r) => r.split === 'train').map((r) => r.path.split('/').pop() as string);
    const shown = [...(a[0]?.html ?? '').matchAll(/<figcaption>([^<]+)<\/figcaption>/g)].map((x) => x[1]);
    expect(shown).toHaveLength(4);
    for (const name of shown) expect(trainNames).toContain(name);
    expect(a[0]?.html).toContain(`4 of ${trainNames.length} training images`);
    const b = await trainingDataSections({ model: m, records, decode, seed: 9, onNote });
    expect(b.map((s) => s.html)).toEqual(a.map((s) => s.html));
    m.dispose();
  });

  it('says so in one line when the model has no augmentation layer, instead of leaving the view out', async () => {
    const m = model(false);
    const sections = await trainingDataSections({ model: m, records, decode, seed: 9, onNote });
    expect(sections.map((s) => s.id)).toEqual(['pixel-histograms', 'augmentation-grid']);
    expect(sections[1]?.html).toContain('this model has no augmentation layer');
    expect(sections[1]?.files).toEqual([]);
    expect(notes.at(-1)).toMatch(/^augmentation grid skipped: /);
    m.dispose();
  });

  it('returns no section without training images', async () => {
    const m = model({ rotationDegrees: 10 });
    expect(await trainingDataSections({ model: m, records: records.filter((r) => r.split === 'test'), decode, seed: 9, onNote })).toEqual([]);
    m.dispose();
  });
});
