import { AUGMENT_NONE, AUGMENT_RANGES } from '@cxr/preprocess';
import { DEFAULT_TRAINING, type TrainingDefaults } from '@cxr/model';
import { UsageError } from '@cxr/loader';

/** The training settings a config file may set besides the flags (see `TRAIN.configSettings`). */
export type Recipe = Partial<Pick<TrainingDefaults, 'augment' | 'compact' | 'learningRate' | 'schedule' | 'patience' | 'reduceLrPatience' | 'reduceLrFactor' | 'minLearningRate' | 'labelSmoothing' | 'valFraction'>>;

/**
 * Reads the training recipe of a config file (`augment`, `compact`, `learningRate`, `schedule`, ...),
 * merging the nested objects over {@link DEFAULT_TRAINING}. Every mistake is a usage error naming
 * the setting, the file and the fix.
 */
export function readRecipe(raw: Readonly<Record<string, unknown>>, file: string | undefined): Recipe {
  const where = (key: string): string => `Setting "${key}" in ${file ?? 'the config file'}`;
  const number = (key: string, value: unknown, min: number, max: number, open = false): number => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (open && (value === min || value === max))) {
      throw new UsageError(`${where(key)} must be a number ${open ? 'strictly ' : ''}between ${min} and ${max} (got ${JSON.stringify(value)}).`);
    }
    return value;
  };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    switch (key) {
      case 'augment': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${where(key)} must be an object such as {"shift": 0.08, "gamma": 0.3}.`);
        const augment: Record<string, unknown> = { ...DEFAULT_TRAINING.augment };
        for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
          if (!(name in AUGMENT_NONE)) throw new UsageError(`${where(key)} has an unknown augmentation "${name}"; use ${Object.keys(AUGMENT_NONE).join(', ')}.`);
          if (name === 'flip') {
            if (typeof v !== 'boolean') throw new UsageError(`${where('augment.flip')} must be true or false (got ${JSON.stringify(v)}).`);
            augment[name] = v;
          } else {
            const [min, max] = AUGMENT_RANGES[name as keyof typeof AUGMENT_RANGES];
            augment[name] = number(`augment.${name}`, v, min, max);
          }
        }
        out[key] = augment;
        break;
      }
      case 'compact': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${where(key)} must be an object such as {"filters": [16, 32, 64, 128, 256], "dropout": 0.2}.`);
        const compact: Record<string, unknown> = { ...DEFAULT_TRAINING.compact };
        for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
          if (name === 'filters') {
            if (!Array.isArray(v) || v.length < 1 || v.length > 8 || !v.every((f) => Number.isInteger(f) && f >= 1 && f <= 2048)) {
              throw new UsageError(`${where('compact.filters')} must be 1 to 8 whole numbers from 1 to 2048 (got ${JSON.stringify(v)}).`);
            }
            compact[name] = v;
          } else if (name === 'convsPerStage') compact[name] = Math.round(number('compact.convsPerStage', v, 1, 4));
          else if (name === 'stemStride') {
            if (v !== 1 && v !== 2) throw new UsageError(`${where('compact.stemStride')} must be 1 or 2 (got ${JSON.stringify(v)}).`);
            compact[name] = v;
          } else if (name === 'dropout') compact[name] = number('compact.dropout', v, 0, 0.95);
          else throw new UsageError(`${where(key)} has an unknown field "${name}"; use filters, convsPerStage, stemStride, dropout.`);
        }
        out[key] = compact;
        break;
      }
      case 'schedule':
        if (value !== 'plateau' && value !== 'cosine') throw new UsageError(`${where(key)} must be "plateau" or "cosine" (got ${JSON.stringify(value)}).`);
        out[key] = value;
        break;
      case 'patience':
        out[key] = value === null ? Infinity : number(key, value, 1, 1000);
        break;
      case 'learningRate':
      case 'minLearningRate':
        out[key] = number(key, value, 0, 1, true);
        break;
      case 'reduceLrPatience':
        out[key] = number(key, value, 1, 1000);
        break;
      case 'reduceLrFactor':
      case 'valFraction':
        out[key] = number(key, value, 0, 1, true);
        break;
      case 'labelSmoothing':
        out[key] = number(key, value, 0, 0.49);
        break;
      default:
        throw new UsageError(`${where(key)} is not a training setting; remove it.`);
    }
  }
  return out as Recipe;
}
