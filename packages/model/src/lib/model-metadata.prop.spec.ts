import { fc, test } from '@fast-check/vitest';
import { isUsageError } from '@cxr/loader';
import { expect } from 'vitest';
import { validModelMetadata } from '../testing/metadata.js';
import { modelMetadataJson, modelSettings, parseModelMetadata } from './model-metadata.js';

const source = 'm/model.json';

test.prop([validModelMetadata(32)])('what the writer accepts, the reader gives back unchanged', (metadata) => {
  const written = modelMetadataJson(metadata);
  expect(parseModelMetadata(JSON.parse(JSON.stringify(written)), { source, inputSize: 32 })).toEqual(metadata);
});

test.prop([validModelMetadata(32)])('the settings are the stored values, or the defaults where none is stored', (metadata) => {
  const s = modelSettings(metadata, { source, inputSize: 32 });
  expect(s.imageSize).toBe(32);
  expect(s.fit).toBe(metadata.decode?.fit ?? 'fill');
  expect(s.classNames).toEqual(metadata.classNames ?? ['NORMAL', 'PNEUMONIA']);
  expect(s.temperature).toBe(metadata.calibration?.temperature ?? 1);
  expect(s.threshold).toBe(metadata.threshold);
});

const broken: fc.Arbitrary<[string, unknown]> = fc.oneof(
  fc.tuple(fc.constant('threshold'), fc.oneof(fc.double({ min: 1.0001, max: 1e6, noNaN: true }), fc.double({ max: -0.0001, min: -1e6, noNaN: true }), fc.string(), fc.constant(null))),
  fc.tuple(fc.constant('imageSize'), fc.oneof(fc.integer({ max: 7 }), fc.integer({ min: 4097 }), fc.double({ min: 8.01, max: 9.99, noNaN: true }))),
  fc.tuple(fc.constant('classNames'), fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 1 }), fc.array(fc.string(), { minLength: 3, maxLength: 4 }))),
  fc.tuple(fc.constant('calibration'), fc.oneof(fc.double({ max: 0, noNaN: true }).map((temperature) => ({ method: 'temperature', temperature })), fc.constant({ method: 'platt', temperature: 1 }))),
);

test.prop([validModelMetadata(32), broken])('one invalid field: the reader refuses it in one sentence naming the field and the file, the writer too', (metadata, [field, value]) => {
  const bad = { ...metadata, [field]: value };
  let message = '';
  try {
    parseModelMetadata(bad, { source, inputSize: 32 });
  } catch (error) {
    expect(isUsageError(error)).toBe(true);
    message = (error as Error).message;
  }
  expect(message).toMatch(new RegExp(`^The model metadata in m/model\\.json has an invalid ${field}[ .]`));
  expect(message.split('\n')).toHaveLength(1);
  expect(() => modelMetadataJson(bad)).toThrow(TypeError);
});
