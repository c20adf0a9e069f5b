import { fc } from '@fast-check/vitest';
import type { ModelMetadata } from '../lib/model-metadata.js';

/** Field names of the metadata schema; other names are kept as they are. */
const SCHEMA_FIELDS = new Set(['threshold', 'thresholdChoice', 'imageSize', 'classNames', 'classMap', 'decode', 'calibration', 'architecture', 'seed', 'trainedAt', 'epoch', 'valAuc', 'valLoss', 'checkpoint']);

const unit = fc.double({ min: 0, max: 1, noNaN: true });
const name = fc.string({ minLength: 1, maxLength: 10 }).filter((s) => s.trim() !== '');

/**
 * Metadata that meets the schema of `ModelMetadata` (each field present or not), with extra keys
 * of other names holding any JSON value; `imageSize` is `size` when given.
 */
export function validModelMetadata(size?: number): fc.Arbitrary<ModelMetadata> {
  const schema = fc.record(
    {
      threshold: unit,
      thresholdChoice: fc.record(
        {
          threshold: unit,
          method: fc.constantFrom('youden' as const, 'sensitivity' as const),
          target: fc.double({ min: 0.01, max: 1, noNaN: true }),
          sensitivity: unit,
          specificity: fc.option(unit, { nil: null }),
          youdenJ: fc.option(fc.double({ min: -1, max: 1, noNaN: true }), { nil: null }),
          n: fc.nat(10_000),
          rule: fc.constant('sensitivity:0.98'),
          chosenOn: fc.constant('val'),
        },
        { requiredKeys: ['threshold', 'method', 'sensitivity', 'specificity', 'youdenJ', 'n'] },
      ),
      imageSize: size === undefined ? fc.integer({ min: 8, max: 4096 }) : fc.constant(size),
      classNames: fc.tuple(name, name).filter(([a, b]) => a !== b),
      classMap: fc.dictionary(name, fc.constantFrom(0 as const, 1 as const), { maxKeys: 3 }),
      decode: fc.record({ size: fc.integer({ min: 1, max: 4096 }), fit: fc.constantFrom('fill' as const, 'contain' as const), key: fc.string() }, { requiredKeys: [] }),
      calibration: fc.record(
        {
          method: fc.constant('temperature' as const),
          temperature: fc.double({ min: 0.01, max: 100, noNaN: true }),
          fittedOn: fc.constant('val'),
          valNllBefore: fc.double({ min: 0, max: 10, noNaN: true }),
          valNllAfter: fc.double({ min: 0, max: 10, noNaN: true }),
        },
        { requiredKeys: ['method', 'temperature', 'fittedOn'] },
      ),
      architecture: fc.constantFrom('compact-cnn', 'inception-resnet-v2'),
      seed: fc.integer(),
      trainedAt: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      epoch: fc.nat(100),
      valAuc: fc.option(unit, { nil: null }),
      valLoss: fc.option(fc.double({ min: 0, max: 10, noNaN: true }), { nil: null }),
      checkpoint: fc.record({ epochsDone: fc.nat(100), stepInEpoch: fc.nat(1000) }),
    },
    { requiredKeys: [] },
  );
  const extra = fc.dictionary(
    fc.string({ maxLength: 8 }).filter((key) => !SCHEMA_FIELDS.has(key) && key !== '__proto__'),
    fc.jsonValue({ maxDepth: 2 }),
    { maxKeys: 3 },
  );
  // JSON round trip: -0 becomes 0, as a file holds it.
  return fc.tuple(schema, extra).map(([known, other]) => JSON.parse(JSON.stringify({ ...other, ...known })) as ModelMetadata);
}
