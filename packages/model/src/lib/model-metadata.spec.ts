import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isUsageError } from '@cxr/loader';
import { describe, expect, it } from 'vitest';
import { modelMetadataJson, modelSettings, parseModelMetadata } from './model-metadata.js';

const source = '/runs/a/model/model.json';
const good = {
  threshold: 0.42,
  imageSize: 64,
  classNames: ['NORMAL', 'PNEUMONIA'],
  decode: { size: 64, fit: 'contain' },
  calibration: { method: 'temperature', temperature: 1.7, fittedOn: 'val', valNllBefore: 0.3, valNllAfter: 0.25 },
  thresholdChoice: { threshold: 0.42, method: 'sensitivity', target: 0.98, sensitivity: 0.985, specificity: 0.7, youdenJ: 0.685, n: 1040, rule: 'sensitivity:0.98', chosenOn: 'val' },
};

/** The message of the usage error `run` throws (fails the test for anything else). */
function usageMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (!isUsageError(error)) throw new Error(`expected a usage error, got: ${String(error)}`);
    return error.message;
  }
  throw new Error('expected a usage error');
}

describe('parseModelMetadata', () => {
  it('reads what cxr train stores, as it is', () => {
    expect(parseModelMetadata(good, { source, inputSize: 64 })).toEqual(good);
  });

  it('reads no metadata as none, keeps fields of other names, and fills a missing fittedOn with val', () => {
    expect(parseModelMetadata(undefined, { source })).toEqual({});
    expect(parseModelMetadata(null, { source })).toEqual({});
    expect(parseModelMetadata({ mine: [1, 2] }, { source })).toEqual({ mine: [1, 2] });
    expect(parseModelMetadata({ calibration: { method: 'temperature', temperature: 2 } }, { source }).calibration).toEqual({ method: 'temperature', temperature: 2, fittedOn: 'val' });
  });

  it('an invalid field is one sentence naming the field, the value, the rule and the file', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ threshold: 5 }, /invalid threshold \(5\): it must be a number between 0 and 1; restore the model\.json written by cxr train, or delete the field and pass --threshold\.$/],
      [{ threshold: null }, /invalid threshold \(null\)/],
      [{ threshold: '0.9' }, /invalid threshold \("0\.9"\)/],
      [{ threshold: Number.NaN }, /invalid threshold \(null\)/],
      [{ imageSize: 64.5 }, /invalid imageSize \(64\.5\)/],
      [{ imageSize: 128 }, /invalid imageSize \(128\): it must be the model's own input size, 64/],
      [{ classNames: ['A', 'A'] }, /invalid classNames/],
      [{ classNames: 'NORMAL,PNEUMONIA' }, /invalid classNames/],
      [{ classMap: { NORMAL: 2 } }, /invalid classMap/],
      [{ decode: null }, /invalid decode \(null\): it must be an object of decode settings such as \{"fit": "fill"\}/],
      [{ decode: { fit: 'crop' } }, /invalid decode\.fit \("crop"\)/],
      [{ calibration: 1.5 }, /invalid calibration \(1\.5\)/],
      [{ calibration: { method: 'platt', temperature: 1 } }, /invalid calibration\.method \("platt"\)/],
      [{ calibration: { method: 'temperature', temperature: 0 } }, /invalid calibration\.temperature \(0\): it must be a number above 0/],
      [{ calibration: { method: 'temperature', temperature: -1 } }, /invalid calibration\.temperature \(-1\)/],
      [{ calibration: { method: 'temperature' } }, /invalid calibration\.temperature \(missing\)/],
      [{ thresholdChoice: { ...good.thresholdChoice, method: 'best' } }, /invalid thresholdChoice\.method \("best"\)/],
      [{ thresholdChoice: { ...good.thresholdChoice, n: -1 } }, /invalid thresholdChoice\.n \(-1\)/],
      [{ epoch: 1.5 }, /invalid epoch \(1\.5\)/],
      [{ checkpoint: { epochsDone: 2 } }, /invalid checkpoint\.stepInEpoch \(missing\)/],
    ];
    for (const [change, pattern] of cases) {
      const text = usageMessage(() => parseModelMetadata({ ...good, ...change }, { source, inputSize: 64 }));
      expect(text).toMatch(pattern);
      expect(text).toMatch(/^The model metadata in \/runs\/a\/model\/model\.json has an invalid /);
      expect(text.split('\n')).toHaveLength(1);
    }
    expect(usageMessage(() => parseModelMetadata([1], { source }))).toBe(
      'The model metadata in /runs/a/model/model.json is not a JSON object ([1]); restore the model.json written by cxr train, or remove its userDefinedMetadata.',
    );
  });
});

describe('modelMetadataJson', () => {
  it('returns a JSON-clean copy of valid metadata', () => {
    expect(modelMetadataJson({ ...good, note: undefined, when: new Date(0) } as never)).toEqual({ ...good, when: '1970-01-01T00:00:00.000Z' });
  });

  it('refuses what a reader would refuse, naming the writer and the field', () => {
    expect(() => modelMetadataJson([1, 2] as never)).toThrow(new TypeError('saveModel: metadata must be a JSON object, got an array'));
    expect(() => modelMetadataJson({ threshold: 2 }, 'train')).toThrow(new TypeError('train: metadata.threshold must be a number between 0 and 1, got 2'));
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => modelMetadataJson(cyclic)).toThrow(/saveModel: metadata must be JSON-serializable/);
  });
});

describe('modelSettings', () => {
  it('takes the stored settings', () => {
    expect(modelSettings(parseModelMetadata(good, { source }), { source, inputSize: 64 })).toEqual({
      imageSize: 64,
      fit: 'contain',
      classNames: ['NORMAL', 'PNEUMONIA'],
      calibration: good.calibration,
      temperature: 1.7,
      threshold: 0.42,
    });
  });

  it('fills what a model from elsewhere does not store: its input size, fill, NORMAL/PNEUMONIA, temperature 1, no threshold', () => {
    expect(modelSettings({}, { source, inputSize: 32 })).toEqual({ imageSize: 32, fit: 'fill', classNames: ['NORMAL', 'PNEUMONIA'], calibration: undefined, temperature: 1, threshold: undefined });
    expect(usageMessage(() => modelSettings({}, { source, inputSize: undefined }))).toBe(
      'The model takes images of any size and /runs/a/model/model.json stores no imageSize; add "imageSize" to its metadata.',
    );
  });
});

describe('the browser entry point', () => {
  it('reaches no Node module and no Node-only entry of another package (the metadata reader and the layers, for a page)', () => {
    const packages = fileURLToPath(new URL('../../../', import.meta.url));
    const importsOf = (file: string): string[] =>
      [...readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'|^import\s+'([^']+)'/gm)].map((m) => m[1] ?? m[2] ?? '');
    const seen = new Set<string>();
    const bare = new Set<string>();
    const queue = [join(packages, 'model', 'src', 'browser.ts')];
    for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
      if (seen.has(file)) continue;
      seen.add(file);
      for (const specifier of importsOf(file)) {
        const entry = /^@cxr\/([a-z-]+)\/browser$/.exec(specifier);
        if (specifier.startsWith('.')) queue.push(join(dirname(file), specifier.replace(/\.js$/, '.ts')));
        else if (entry) queue.push(join(packages, entry[1] as string, 'src', 'browser.ts'));
        // The training kernels' main entry is their browser entry (it has no other); followed too.
        else if (specifier === '@cxr/wasm-training') queue.push(join(packages, 'wasm-training', 'src', 'index.ts'));
        else bare.add(specifier);
      }
    }
    expect(seen).toContain(join(packages, 'model', 'src', 'lib', 'model-metadata.ts'));
    expect(seen).toContain(join(packages, 'loader', 'src', 'lib', 'usage-error.ts'));
    expect([...bare].filter((name) => name.startsWith('node:') || name === 'sharp' || name.startsWith('@cxr/'))).toEqual([]);
    expect(bare).toContain('@tensorflow/tfjs-layers');
  });
});
