import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { closest, parseCommand } from '../args.js';
import { isUsageError, UsageError, writeJsonAtomic } from '@cxr/loader';
import type { Io } from '../io.js';
import { resolveDataRoot, resolveExternalDirs } from '../paths.js';
import { readRecipe } from '../recipe.js';
import { TRAIN } from '../specs.js';

/** One training run of a sweep. */
export interface SweepRun {
  /** `<setting>-seed<N>`, plus `-fold<I>of<K>` for cross-validation. */
  readonly name: string;
  readonly setting: string;
  readonly seed: number;
  /** `I/K` for fold I of K, or null. */
  readonly fold: string | null;
  /** The run folder (absolute), `OUT/runs/<name>`. */
  readonly dir: string;
  /** The run's `cxr train` config (the sweep's `train` with the setting over it; absolute paths). */
  readonly config: Readonly<Record<string, unknown>>;
  /** `cxr train` arguments after `train`. */
  readonly argv: readonly string[];
}

/** A sweep expanded into runs, as `OUT/sweep-plan.json` keeps it. */
export interface SweepPlan {
  readonly version: 1;
  /** Unique per sweep folder and start: the prefix of its job ids. */
  readonly id: string;
  /** The sweep file (absolute). */
  readonly file: string;
  readonly out: string;
  readonly createdAt: string;
  readonly seeds: readonly number[];
  readonly folds: number | null;
  readonly settings: readonly string[];
  readonly runs: readonly SweepRun[];
}

const SWEEP_KEYS = ['train', 'settings', 'seeds', 'folds', 'description'] as const;
/** Train settings a sweep sets itself, per run. */
const RESERVED: Readonly<Record<string, string>> = {
  out: 'the sweep puts each run in OUT/runs/<run>',
  seed: 'list the seeds in "seeds"',
  fold: 'give the number of folds in "folds"',
  resume: 'use `cxr sweep --resume`',
  resumeFrom: 'use `cxr sweep --resume`',
  dryRun: 'a sweep trains',
  json: 'the sweep writes sweep.json',
  config: 'put the settings in the sweep file itself',
};
const RECIPE_OBJECTS = new Set(['augment', 'compact']);
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const camel = (key: string): string => key.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A train config with camelCase keys, checked for the settings a sweep reserves. */
function trainConfig(raw: unknown, where: string, file: string): Record<string, unknown> {
  if (!isObject(raw)) throw new UsageError(`The sweep file ${file}: ${where} must be an object of \`cxr train\` settings, e.g. {"epochs": 4, "augment": {"crop": 0}}.`);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const name = camel(key);
    const why = RESERVED[name];
    if (why !== undefined) throw new UsageError(`The sweep file ${file}: ${where} sets "${key}", which a sweep sets per run (${why}); remove it.`);
    out[name] = value;
  }
  return out;
}

/** `base` with `over` on top; the recipe's nested objects (augment, compact) are merged key by key. */
function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const before = out[key];
    out[key] = RECIPE_OBJECTS.has(key) && isObject(before) && isObject(value) ? { ...before, ...value } : value;
  }
  return out;
}

/**
 * Reads a sweep file and expands it into runs: each setting x each seed (x each fold).
 *
 * The file is a JSON object: `train` (the `cxr train` config every run shares: flags in camelCase
 * and the recipe), `settings` (named configs, each over `train`; default one setting, `default`),
 * `seeds` (default `[42]`) and `folds` (K: each seed's runs validate on the K patient-disjoint folds
 * of train+val in turn). Relative paths are taken from `cwd`; the data and external sets are fixed
 * here, so every worker reads the same folders whatever its environment.
 *
 * @throws a usage error naming the file, the setting and the fix.
 */
export function expandSweep(file: string, out: string, io: Pick<Io, 'env' | 'cwd'>, options: { readonly data?: string } = {}): Omit<SweepPlan, 'id' | 'createdAt'> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new UsageError(code === 'ENOENT' ? `The sweep file ${file} does not exist; check the path (see \`cxr sweep --help\` for its format).` : `Cannot read the sweep file ${file} (${String(code ?? error)}).`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`The sweep file ${file} is not valid JSON (${error instanceof Error ? error.message : String(error)}); fix it.`);
  }
  if (!isObject(raw)) throw new UsageError(`The sweep file ${file} must hold one JSON object, e.g. {"train": {"epochs": 4}, "settings": {"a": {}, "b": {"augment": {"crop": 0}}}, "seeds": [1, 2, 3]}.`);
  for (const key of Object.keys(raw)) {
    if (!(SWEEP_KEYS as readonly string[]).includes(key)) {
      const guess = closest(key, [...SWEEP_KEYS]);
      throw new UsageError(`The sweep file ${file} has an unknown key "${key}"; ${guess ? `did you mean "${guess}"? ` : ''}a sweep file holds ${SWEEP_KEYS.map((k) => `"${k}"`).join(', ')}.`);
    }
  }
  if (raw['description'] !== undefined && typeof raw['description'] !== 'string') throw new UsageError(`The sweep file ${file}: "description" must be text (got ${JSON.stringify(raw['description'])}).`);
  const base = trainConfig(raw['train'] ?? {}, '"train"', file);
  const settingsRaw = raw['settings'] ?? { default: {} };
  if (!isObject(settingsRaw) || Object.keys(settingsRaw).length === 0) {
    throw new UsageError(`The sweep file ${file}: "settings" must be an object of named settings, e.g. {"baseline": {}, "no-crop": {"augment": {"crop": 0}}}.`);
  }
  const settings = Object.entries(settingsRaw).map(([name, value]) => {
    if (!NAME.test(name)) throw new UsageError(`The sweep file ${file}: the setting name "${name}" must be letters, digits, '.', '_' or '-' (it names run folders), at most 64 characters.`);
    return { name, config: merge(base, trainConfig(value, `setting "${name}"`, file)) };
  });
  const seedsRaw = raw['seeds'] ?? [42];
  if (!Array.isArray(seedsRaw) || seedsRaw.length === 0 || seedsRaw.some((s) => !Number.isInteger(s) || (s as number) < 0 || (s as number) > 2 ** 32 - 1)) {
    throw new UsageError(`The sweep file ${file}: "seeds" must be a list of whole numbers from 0 to 4294967295, e.g. [1, 2, 3] (got ${JSON.stringify(seedsRaw)}).`);
  }
  const seeds = seedsRaw as number[];
  if (new Set(seeds).size !== seeds.length) throw new UsageError(`The sweep file ${file}: "seeds" lists a seed twice (${JSON.stringify(seeds)}); list each once.`);
  const foldsRaw = raw['folds'];
  if (foldsRaw !== undefined && foldsRaw !== null && (!Number.isInteger(foldsRaw) || (foldsRaw as number) < 2 || (foldsRaw as number) > 50)) {
    throw new UsageError(`The sweep file ${file}: "folds" must be a whole number from 2 to 50 (got ${JSON.stringify(foldsRaw)}), e.g. "folds": 5.`);
  }
  const folds = typeof foldsRaw === 'number' ? foldsRaw : null;

  const runs: SweepRun[] = [];
  const configsDir = join(out, 'configs');
  for (const setting of settings) {
    const config = absolutePaths(setting.config, options.data, io, file, setting.name);
    validate(config, file, setting.name);
    for (const seed of seeds) {
      for (const fold of folds === null ? [null] : Array.from({ length: folds }, (_, i) => `${i + 1}/${folds}`)) {
        const name = `${setting.name}-seed${seed}${fold ? `-fold${fold.replace('/', 'of')}` : ''}`;
        const dir = join(out, 'runs', name);
        const argv = ['--config', join(configsDir, `${setting.name}.json`), '--out', dir, '--seed', String(seed), ...(fold ? ['--fold', fold] : [])];
        runs.push({ name, setting: setting.name, seed, fold, dir, config, argv });
      }
    }
  }
  return { version: 1, file, out, seeds, folds, settings: settings.map((s) => s.name), runs };
}

/** The config with its data, external sets and weights as absolute folders (the defaults resolved here). */
function absolutePaths(config: Record<string, unknown>, dataFlag: string | undefined, io: Pick<Io, 'env' | 'cwd'>, file: string, setting: string): Record<string, unknown> {
  const out = { ...config };
  const at = (error: unknown): never => {
    if (isUsageError(error)) throw new UsageError(`The sweep file ${file}, setting "${setting}": ${error.message}`);
    throw error;
  };
  try {
    if (dataFlag === undefined && typeof config['data'] === 'string') {
      const dir = resolve(io.cwd, config['data']);
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`"data" ${dir} is not a folder; fix the path (relative paths are taken from the current folder).`);
      out['data'] = dir;
    } else out['data'] = resolveDataRoot(dataFlag, io.env, io.cwd).root;
    const external = config['external'];
    const list = typeof external === 'string' ? [external] : Array.isArray(external) ? external.map(String) : undefined;
    const dirs = resolveExternalDirs(list, io.env, io.cwd).dirs;
    out['external'] = dirs.length === 0 ? ['none'] : dirs;
    if (typeof config['weights'] === 'string') out['weights'] = resolve(io.cwd, config['weights']);
  } catch (error) {
    at(error);
  }
  return out;
}

/** Checks a run config the way `cxr train --config` reads it, naming the sweep file and setting on a mistake. */
function validate(config: Record<string, unknown>, file: string, setting: string): void {
  const flags = new Set(Object.keys(TRAIN.flags));
  const recipe: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    const kebab = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    if (flags.has(kebab)) continue;
    if (TRAIN.configSettings?.[key] === undefined) {
      const guess = closest(key, [...[...flags].map(camel), ...Object.keys(TRAIN.configSettings ?? {})]);
      throw new UsageError(`The sweep file ${file}, setting "${setting}": "${key}" is not a \`cxr train\` setting; ${guess ? `did you mean "${guess}"? Or ` : ''}see \`cxr train --help\`.`);
    }
    recipe[key] = value;
  }
  // The flags: converted and range-checked by train's own parser; the recipe: as train reads it.
  checkFlags(config, flags, setting, file);
  readRecipe(recipe, `the sweep file ${file}, setting "${setting}"`);
}

/** Range and type checks of the flag settings, through train's own parser (a config file given as JSON text). */
function checkFlags(config: Record<string, unknown>, flags: ReadonlySet<string>, setting: string, file: string): void {
  for (const [key, value] of Object.entries(config)) {
    const kebab = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    if (!flags.has(kebab)) continue;
    const spec = TRAIN.flags[kebab];
    if (!spec) continue;
    const args = spec.type === 'boolean' ? (value === true ? [`--${kebab}`] : []) : spec.type === 'multiple' ? (Array.isArray(value) ? value : [value]).flatMap((v) => [`--${kebab}`, String(v)]) : [`--${kebab}=${String(value)}`];
    if (spec.type === 'boolean' && typeof value !== 'boolean') throw new UsageError(`The sweep file ${file}, setting "${setting}": "${key}" must be true or false (got ${JSON.stringify(value)}).`);
    if ((spec.type === 'string' || spec.type === 'integer' || spec.type === 'number') && typeof value !== 'string' && typeof value !== 'number') {
      throw new UsageError(`The sweep file ${file}, setting "${setting}": "${key}" must be ${spec.type === 'string' ? 'a text value' : 'a number'} (got ${JSON.stringify(value)}).`);
    }
    try {
      parseCommand(TRAIN, args, '/');
    } catch (error) {
      if (isUsageError(error)) throw new UsageError(`The sweep file ${file}, setting "${setting}": ${error.message.replace(`--${kebab}`, `"${key}"`)}`);
      throw error;
    }
  }
}

/** The default sweep folder: `sweeps/<file name without extension>` under `cwd`. */
export function defaultSweepOut(cwd: string, file: string): string {
  return resolve(cwd, 'sweeps', basename(file, extname(file)) || 'sweep');
}

/** Where a sweep keeps its plan. */
export function planFile(out: string): string {
  return join(out, 'sweep-plan.json');
}

/** A new plan: the expansion with its id and start time; writes the run configs and the plan (atomically). */
export async function writePlan(expanded: Omit<SweepPlan, 'id' | 'createdAt'>, now: number): Promise<SweepPlan> {
  const createdAt = new Date(now).toISOString();
  const id = createHash('sha256').update(`${expanded.out}\n${createdAt}\n${process.pid}`).digest('hex').slice(0, 12);
  const plan: SweepPlan = { ...expanded, id, createdAt };
  const written = new Set<string>();
  for (const run of plan.runs) {
    const config = run.argv[1] as string;
    if (written.has(config)) continue;
    written.add(config);
    await writeJsonAtomic(config, run.config);
  }
  await writeJsonAtomic(planFile(plan.out), plan);
  return plan;
}

/** The plan of the sweep in `out`, or undefined when there is none. */
export function readPlan(out: string): SweepPlan | undefined {
  const file = planFile(out);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SweepPlan;
  } catch {
    throw new UsageError(`${file} cannot be read as JSON, so the sweep in ${out} cannot be resumed; give a new --out folder.`);
  }
}
