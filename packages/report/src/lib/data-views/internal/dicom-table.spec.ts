import { fc, test } from '@fast-check/vitest';
import type { DicomProfile } from '@cxr/loader';
import { describe, expect, it } from 'vitest';

import { dicomNotes, isLateralView } from './dicom-table.js';

function profile(viewPositions: Record<string, number>, modalities: Record<string, number>): DicomProfile {
  const files = Object.values(viewPositions).reduce((a, b) => a + b, 0);
  return { files, modalities, viewPositions, photometricInterpretations: { MONOCHROME2: files }, bitsStored: { '12': files }, transferSyntaxes: { 'explicit-vr-little-endian': files }, voi: { window: files } };
}

describe('isLateralView', () => {
  it('knows the DICOM terms and free text', () => {
    for (const v of ['LL', 'RL', 'll', 'LATERAL', 'Lat']) expect(isLateralView(v), v).toBe(true);
    for (const v of ['PA', 'AP', 'unknown', 'LLD', 'RLO', '']) expect(isLateralView(v), v).toBe(false);
  });
});

describe('dicomNotes', () => {
  it('says nothing for frontal views of one modality in every class', () => {
    expect(dicomNotes([['NORMAL', profile({ PA: 3 }, { CR: 3 })], ['PNEUMONIA', profile({ AP: 2, PA: 2 }, { CR: 4 })]])).toEqual([]);
  });

  it('names the lateral views of each class and the share in the others', () => {
    const notes = dicomNotes([['NORMAL', profile({ PA: 9, LL: 1 }, { CR: 10 })], ['PNEUMONIA', profile({ AP: 16, RL: 3, LATERAL: 1 }, { CR: 20 })]]);
    expect(notes).toHaveLength(2);
    expect(notes[0]).toMatch(/^NORMAL has 1 lateral view \(LL 1\) among its 10 DICOM files \(10\.0%\); PNEUMONIA 20\.0%\./);
    expect(notes[1]).toMatch(/^PNEUMONIA has 4 lateral views \(RL 3, LATERAL 1\) among its 20 DICOM files \(20\.0%\); NORMAL 10\.0%\./);
  });

  it('notes a modality found in one class only, or in shares 5 points apart', () => {
    expect(dicomNotes([['NORMAL', profile({ PA: 50 }, { CR: 50 })], ['PNEUMONIA', profile({ PA: 50 }, { CR: 49, DX: 1 })]])[0]).toBe(
      'The modality differs by class: NORMAL CR 50 (100.0%); PNEUMONIA CR 49 (98.0%), DX 1 (2.0%). Another modality means another kind of detector and processing, which a model can learn to tell apart instead of the disease.',
    );
    expect(dicomNotes([['NORMAL', profile({ PA: 100 }, { CR: 60, DX: 40 })], ['PNEUMONIA', profile({ PA: 100 }, { CR: 62, DX: 38 })]])).toEqual([]);
    expect(dicomNotes([['NORMAL', profile({ PA: 100 }, { CR: 60, DX: 40 })], ['PNEUMONIA', profile({ PA: 100 }, { CR: 70, DX: 30 })]])).toHaveLength(1);
  });

  it('notes a class without DICOM files beside one with them', () => {
    expect(dicomNotes([['NORMAL', undefined], ['PNEUMONIA', profile({ PA: 2 }, { CR: 2 })]])).toEqual([
      'Only PNEUMONIA has DICOM files; NORMAL has none: the file format differs by class, a shortcut a model can learn.',
    ]);
    expect(dicomNotes([['NORMAL', undefined], ['PNEUMONIA', undefined]])).toEqual([]);
  });

  const views = fc.dictionary(fc.constantFrom('PA', 'AP', 'LL', 'RL', 'unknown'), fc.integer({ min: 1, max: 50 }), { minKeys: 1 });
  test.prop([fc.array(views, { minLength: 1, maxLength: 4 })])('a lateral note for exactly the classes with a lateral view', (perClass) => {
    const classes = perClass.map((v, i) => [`C${i}`, profile(v, { CR: Object.values(v).reduce((a, b) => a + b, 0) })] as const);
    const lateral = dicomNotes(classes).filter((n) => n.includes('lateral view'));
    const expected = perClass.map((v, i) => ((v['LL'] ?? 0) + (v['RL'] ?? 0) > 0 ? `C${i} ` : null)).filter((c): c is string => c !== null);
    expect(lateral.map((n) => n.slice(0, n.indexOf(' ') + 1))).toEqual(expected);
  });
});
