import { existsSync, readFileSync } from 'node:fs';
import { DEFAULT_CLASS_MAP, decodeSettingsKey, isUsageError, UsageError, writeJsonAtomic } from '@cxr/loader';
import type { ClassMap, ImageRecord } from '@cxr/loader';
import { ARCHITECTURES, buildModel, DEFAULT_CLASS_NAMES, DEFAULT_TRAINING, initBackend, loadWeightsFrom, saveModel, train, updateModelMetadata } from '@cxr/model';
import type { Architecture, BackendChoice, BackendRequest, ClassWeights, ModelMetadata, TrainEvent, TrainingDefaults } from '@cxr/model';
import { classWeights, deriveSeed, kfoldRecords, outputBiasInit, resplitRecords } from '@cxr/preprocess';
import type { ResplitReport } from '@cxr/preprocess';
import { chooseThreshold, describeThresholdRule, evaluatePredictions, fitTemperature, formatThresholdRule, parseThresholdRule, temperatureScale } from '@cxr/eval';
import type { EvaluationReport, ThresholdChoice, ThresholdMethod } from '@cxr/eval';
import type { ReportCalibration } from '@cxr/report';
import type { Prediction } from '@cxr/model';
import type { ParsedCommand, FlagValue } from '../args.js';
import type { CommandContext } from '../context.js';
import { checkUsable, countBySplit, loadDataset, scanRecords } from '../dataset.js';
import type { CacheReport, LoadedDataset } from '../dataset.js';
import { resolveCacheFolder, type MemoryCacheFlag } from '../cache-choice.js';
import { absolute, existingDir, resolveDataRoot, resolveExternalDirs } from '../paths.js';
import { batchesOf, predictBatches } from '../predictions.js';
import { duration, Progress } from '../progress.js';
import { latestRunDir, newRunDir, prepareRunDir, writeSplitCsv, type RunLayout } from '../run-folder.js';
import { acquireRunLock, checkRunFolderFree } from '../run-lock.js';
import { checkResumePoint, describePoint } from '../resume-point.js';
import { versions } from '../versions.js';
import { readRecipe } from '../recipe.js';
import { writeRunReport } from '../report.js';
import { basename, join } from 'node:path';
import { lastValueFrom, take, tap, toArray } from 'rxjs';
import type { LayersModel } from '@tensorflow/tfjs';
import { backendLines, modelSummary } from './shared.js';
import { evaluationLines, num, pct } from './report-lines.js';

/**
 * The threshold rule `cxr train` uses unless `--threshold-rule` says otherwise: `youden` (the
 * highest sensitivity + specificity on validation) or `sensitivity:T` (the most specific point on
 * validation that keeps sensitivity >= T). The one place this default is set.
 *
 * `sensitivity:0.98`: validation comes from the training hospital, where the classes separate far
 * better than on other hospitals' X-rays, so the rule asks more there (98%) than it promises
 * elsewhere: sensitivity >= 95% on an external set. Measured with `bench/quality` (ablate.ts +
 * summarize.ts --rules) on the external set: held in every run, where Youden's J fell below 95%
 * in some; see bench/quality/RESULTS.md.
 */
export const DEFAULT_THRESHOLD_RULE = 'sensitivity:0.98';

/** Every effective setting of a training run, as recorded in run.json. */
export interface TrainSettings extends TrainingDefaults {
  readonly data: string;
  readonly dataSource: string;
  readonly out: string;
  readonly seed: number;
  readonly backend: BackendRequest;
  readonly weights: string | null;
  readonly fit: 'fill' | 'contain';
  /** How the threshold is chosen on validation: `youden` or `sensitivity:T` (see `--threshold-rule`). */
  readonly thresholdRule: string;
  /** External test sets (absolute folders), evaluated after training; empty for none. */
  readonly external: readonly string[];
  /** Where the external sets came from: `--external`, `CXR_EXTERNAL`, `embedded default`, ... */
  readonly externalSource: string;
  readonly classMap: Readonly<Record<string, 0 | 1>>;
  /** Cross-validation fold `I/K` validated on (see `--fold`), or null for the re-split. */
  readonly fold?: string | null;
  /** The disk cache of decoded images (absolute; null for --no-cache), and where that came from. */
  readonly cache: string | null;
  readonly cacheSource: string;
  /** `--memory-cache`: auto, on or off. */
  readonly memoryCache: MemoryCacheFlag;
  /** `--steps-per-epoch`: at most this many batches per epoch (null: the whole training split). */
  readonly stepsPerEpoch: number | null;
  /** WASM: fused multiply-add in the generated kernels where available (false with `--no-relaxed-simd`). */
  readonly relaxedSimd: boolean;
  /** WASM: the forward convolutions on the `generated` SIMD kernel, or on `xnnpack` (`--xnnpack-conv`). */
  readonly forwardConvolution: 'generated' | 'xnnpack';
}

/** Settings that define a run: `--resume` refuses to change them. */
const FIXED_ON_RESUME = ['data', 'seed', 'image-size', 'batch-size', 'architecture', 'weights', 'fold', 'steps-per-epoch'] as const;

function resolveSettings(parsed: ParsedCommand, { io, now }: CommandContext): { settings: TrainSettings; resumed: boolean } {
  const v = parsed.values;
  const resume = v['resume'] === true;
  let previous: Partial<TrainSettings> = {};
  let out: string;
  if (resume) {
    out = typeof v['out'] === 'string' ? existingDir(absolute(io.cwd, v['out']), '--out') : latestRunDir(io.cwd);
    const runJson = `${out}/run.json`;
    if (!existsSync(runJson)) throw new UsageError(`--resume: ${out} holds no run.json, so it is not a cxr run folder; give the folder of the run to continue with --out.`);
    try {
      previous = (JSON.parse(readFileSync(runJson, 'utf8')) as { settings: Partial<TrainSettings> }).settings;
    } catch {
      throw new UsageError(`--resume: ${runJson} cannot be read as JSON; that run cannot be resumed, start a new one without --resume.`);
    }
    for (const flag of FIXED_ON_RESUME) {
      if (!parsed.explicit.has(flag)) continue;
      const key = flag.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()) as keyof TrainSettings;
      const before = previous[key];
      const given = flag === 'data' || flag === 'weights' ? absolute(io.cwd, String(v[flag])) : v[flag];
      if (before !== undefined && before !== given) {
        throw new UsageError(`--${flag} ${String(v[flag])} differs from the run being resumed (${String(before)}); leave --${flag} out to continue that run, or start a new run without --resume.`);
      }
    }
  } else {
    out = typeof v['out'] === 'string' ? absolute(io.cwd, v['out']) : newRunDir(io.cwd, now());
  }
  // An explicit flag wins, then (on --resume) the run's own setting, then the config file or default.
  const pick = <T extends FlagValue>(flag: string, key: keyof TrainSettings, fallback: T): T => {
    if (parsed.explicit.has(flag)) return v[flag] as T;
    const before = previous[key];
    if (resume && before !== undefined && before !== null) return before as T;
    return (v[flag] as T | undefined) ?? fallback;
  };

  // Settings without a flag: a resumed run keeps its own, a new run takes the defaults.
  // The recipe of the config file (augment, compact, schedule, ...) wins over the defaults and, on --resume, over the run's own.
  const recipe = readRecipe(parsed.settings ?? {}, parsed.configFile);
  const kept = <K extends keyof TrainSettings>(key: K, fallback: TrainSettings[K]): TrainSettings[K] =>
    (recipe[key as keyof typeof recipe] as TrainSettings[K] | undefined) ?? (resume ? (previous[key] as TrainSettings[K] | undefined) : undefined) ?? fallback;
  const learningRate = kept('learningRate', DEFAULT_TRAINING.learningRate);
  const minLearningRate = kept('minLearningRate', DEFAULT_TRAINING.minLearningRate);
  if (learningRate < minLearningRate) {
    throw new UsageError(
      `Setting "learningRate" (${learningRate}) is below "minLearningRate" (${minLearningRate})${parsed.configFile ? ` in ${parsed.configFile}` : ''}: the rate starts at learningRate and never goes below minLearningRate; raise learningRate or lower minLearningRate.`,
    );
  }

  const dataFlag = resume && previous.data !== undefined && !parsed.explicit.has('data') ? previous.data : typeof v['data'] === 'string' ? v['data'] : undefined;
  const { root, source } = resolveDataRoot(dataFlag, io.env, io.cwd);
  const architecture = pick('architecture', 'architecture', DEFAULT_TRAINING.architecture as string);
  if (!(ARCHITECTURES as readonly string[]).includes(architecture)) {
    throw new UsageError(`--architecture must be one of ${ARCHITECTURES.join(', ')} (got "${architecture}").`);
  }
  const backend = pick('backend', 'backend', 'auto');
  // The kernel choices: a resumed run keeps its own (the same arithmetic as before the stop) unless the flag is given.
  const relaxedSimd = parsed.explicit.has('no-relaxed-simd') ? false : resume && typeof previous.relaxedSimd === 'boolean' ? previous.relaxedSimd : v['no-relaxed-simd'] !== true;
  const forwardConvolution = parsed.explicit.has('xnnpack-conv') ? 'xnnpack' : resume && (previous.forwardConvolution === 'generated' || previous.forwardConvolution === 'xnnpack') ? previous.forwardConvolution : v['xnnpack-conv'] === true ? 'xnnpack' : 'generated';
  const weights = typeof v['weights'] === 'string' ? existingDir(absolute(io.cwd, v['weights']), '--weights') : (previous.weights ?? null);
  const ruleText = pick('threshold-rule', 'thresholdRule', DEFAULT_THRESHOLD_RULE);
  let rule: ThresholdMethod;
  try {
    rule = parseThresholdRule(ruleText);
  } catch {
    throw new UsageError(`--threshold-rule must be youden or sensitivity:T with T above 0 and at most 1, e.g. --threshold-rule sensitivity:0.95 (got ${JSON.stringify(ruleText)}).`);
  }
  // A resumed run keeps its external sets unless --external is given again.
  const keepExternal = resume && !parsed.explicit.has('external') && Array.isArray(previous.external);
  const externalFlag = keepExternal ? (previous.external as readonly string[]) : Array.isArray(v['external']) ? (v['external'] as readonly string[]) : undefined;
  const external = keepExternal && previous.external?.length === 0 ? { dirs: [], source: previous.externalSource ?? 'none' } : resolveExternalDirs(externalFlag, io.env, io.cwd);
  const cacheFolder = resolveCacheFolder(v, io.env, io.cwd);
  const settings: TrainSettings = {
    data: root,
    dataSource: resume ? (previous.dataSource ?? source) : source,
    out,
    seed: pick('seed', 'seed', 42),
    backend: backend as BackendRequest,
    relaxedSimd,
    forwardConvolution,
    epochs: pick('epochs', 'epochs', DEFAULT_TRAINING.epochs),
    imageSize: pick('image-size', 'imageSize', DEFAULT_TRAINING.imageSize),
    batchSize: pick('batch-size', 'batchSize', DEFAULT_TRAINING.batchSize),
    architecture: architecture as Architecture,
    weights,
    fit: 'fill',
    valFraction: kept('valFraction', DEFAULT_TRAINING.valFraction),
    learningRate,
    patience: kept('patience', DEFAULT_TRAINING.patience),
    reduceLrPatience: kept('reduceLrPatience', DEFAULT_TRAINING.reduceLrPatience),
    reduceLrFactor: kept('reduceLrFactor', DEFAULT_TRAINING.reduceLrFactor),
    minLearningRate,
    augment: kept('augment', DEFAULT_TRAINING.augment),
    compact: kept('compact', DEFAULT_TRAINING.compact),
    labelSmoothing: kept('labelSmoothing', DEFAULT_TRAINING.labelSmoothing),
    schedule: kept('schedule', DEFAULT_TRAINING.schedule),
    thresholdRule: formatThresholdRule(rule),
    external: external.dirs,
    externalSource: keepExternal ? (previous.externalSource ?? external.source) : external.source,
    classMap: DEFAULT_CLASS_MAP,
    fold: parseFold(resume && !parsed.explicit.has('fold') ? (previous.fold ?? undefined) : v['fold']),
    cache: cacheFolder.dir,
    cacheSource: cacheFolder.source,
    memoryCache: (v['memory-cache'] ?? 'auto') as MemoryCacheFlag,
    stepsPerEpoch: typeof v['steps-per-epoch'] === 'number' ? v['steps-per-epoch'] : resume ? (previous.stepsPerEpoch ?? null) : null,
  };
  return { settings, resumed: resume };
}

interface Plan {
  readonly settings: TrainSettings;
  readonly backend: BackendChoice;
  readonly split: Record<string, Record<string, number>>;
  readonly resplit: ResplitReport;
  /** Loss weight by class name. */
  readonly classWeights: Readonly<Record<string, number>>;
  readonly outputBias: number;
  readonly rejected: number;
  readonly findings: readonly string[];
  readonly model: { readonly architecture: string; readonly parameters: number; readonly summary: readonly string[] };
  readonly runFolder: string;
  readonly external: readonly ExternalSet[];
}

/** An external test set: its name in the report (`external`, or `external:<folder>` for several), folder and images. */
interface ExternalSet {
  readonly name: string;
  readonly dir: string;
  readonly scanned: Awaited<ReturnType<typeof scanRecords>>;
  loaded?: LoadedDataset;
}

/** Names the external sets: `external` for one, `external:<folder name>` for several (made unique). */
function externalNames(dirs: readonly string[]): string[] {
  if (dirs.length === 1) return ['external'];
  const used = new Set<string>();
  return dirs.map((dir) => {
    const base = `external:${basename(dir) || 'set'}`;
    let name = base;
    for (let i = 2; used.has(name); i++) name = `${base}-${i}`;
    used.add(name);
    return name;
  });
}

/** Scans an external set's test/ split, or its class folders when it has no split folders; a usage error naming --external when it holds no image. */
async function scanExternal(dir: string, source: string, classMap: ClassMap): Promise<ExternalSet['scanned']> {
  const from = source === 'CXR_EXTERNAL' ? 'CXR_EXTERNAL' : source === 'embedded default' ? 'the embedded default' : '--external';
  const empty = (): Error =>
    new UsageError(`The external set ${dir} (from ${from}) holds no images: it needs test/NORMAL/ and test/PNEUMONIA/, or NORMAL/ and PNEUMONIA/, with .jpeg, .jpg, .png or DICOM files; fix the folder, or give --external none to skip external evaluation.`);
  let scanned: ExternalSet['scanned'];
  try {
    scanned = await scanRecords(dir, { splits: ['test'], flatSplit: 'test', classMap });
  } catch (error) {
    if (isUsageError(error)) throw empty();
    throw error;
  }
  if (scanned.records.length === 0) throw empty();
  return scanned;
}

/** `cxr train`: the whole flow (see the command's help), one named step after another. */
export async function runTrain(parsed: ParsedCommand, context: CommandContext): Promise<number> {
  const started = context.now();
  const { settings, resumed } = resolveSettings(parsed, context);
  if (parsed.explicit.has('resume-from') && !resumed) throw new UsageError('--resume-from chooses the checkpoint --resume continues from; add --resume, or leave --resume-from out.');
  const run = await openRun(parsed, context, settings, resumed);
  const data = await loadImages(context, settings, run);
  const prepared = await prepareTraining(parsed, context, settings, run, data, started);
  const { model } = prepared;
  try {
    if (run.dryRun) {
      if (parsed.values['json'] === true) context.io.stdout.write(`${JSON.stringify(planJson(prepared.plan), null, 2)}\n`);
      context.logger.info(`Dry run: wrote ${run.layout.runJson} and ${run.layout.splitCsv}; no training.`);
      return 0;
    }
    if (context.io.signal?.aborted === true && !resumed) {
      return await interrupted(context, run, prepared, 'Stopped before training started: nothing to resume; run the same command again to start over.');
    }
    const trained = await trainModel(context, settings, run, data, prepared);
    if (trained.interrupted) {
      return await interrupted(context, run, prepared, `Stopped: the checkpoint is in ${run.layout.checkpoints}; continue with \`cxr train --resume --out ${run.layout.dir}\`.`);
    }
    const evaluated = await evaluateModel(context, settings, run, data, prepared);
    await saveRun(parsed, context, { settings, run, data, prepared, trained, evaluated, started });
    return 0;
  } finally {
    model.dispose();
  }
}

/** Records in run.json that the run was interrupted, says what to do next, and gives the exit code (130, as for Ctrl-C). */
async function interrupted({ logger, now }: CommandContext, run: OpenedRun, prepared: PreparedTraining, message: string): Promise<number> {
  await writeJsonAtomic(run.layout.runJson, { ...prepared.runInfo, status: 'interrupted', interruptedAt: new Date(now()).toISOString() });
  logger.info(message);
  return 130;
}

/** A run folder opened for training: its layout (locked), what was scanned, the resume point and the engine. */
interface OpenedRun {
  readonly resumed: boolean;
  readonly dryRun: boolean;
  readonly layout: RunLayout;
  readonly scanned: Awaited<ReturnType<typeof scanRecords>>;
  readonly externalSets: ExternalSet[];
  readonly resumePoint: Awaited<ReturnType<typeof checkResumePoint>> | undefined;
  readonly backend: BackendChoice;
}

/**
 * Scans the data and the external sets (cheap: names only), prepares and locks the run folder,
 * checks the resume point, starts the log, and chooses the engine: everything that can refuse the
 * run before an image is decoded.
 */
async function openRun(parsed: ParsedCommand, { logger, argv, defer }: CommandContext, settings: TrainSettings, resumed: boolean): Promise<OpenedRun> {
  const dryRun = parsed.values['dry-run'] === true;
  // One live process per run folder: refuse at once, before the data is read (the lock itself is taken below).
  if (existsSync(settings.out)) checkRunFolderFree(settings.out);
  const scanned = await scanRecords(settings.data, { classMap: settings.classMap });
  const externalSets: ExternalSet[] = [];
  for (const [i, name] of externalNames(settings.external).entries()) {
    const dir = settings.external[i] as string;
    externalSets.push({ name, dir, scanned: await scanExternal(dir, settings.externalSource, settings.classMap) });
  }
  const layout = prepareRunDir(settings.out, resumed, dryRun);
  const lock = acquireRunLock(layout.dir, `cxr train ${argv.join(' ')}`);
  defer?.(lock.release);
  const resumePoint = resumed
    ? await checkResumePoint(layout.checkpoints, parsed.values['resume-from'] === 'previous' ? 'previous' : 'last', { ...settings, dir: layout.dir, configFile: runConfigFile(layout.runJson) })
    : undefined;
  logger.attach(layout.log);
  logger.detail(`cxr train ${argv.join(' ')}`);
  logger.info(`${resumed ? 'Resuming' : dryRun ? 'Planning' : 'Training'} run ${layout.dir}${resumePoint?.status.status === 'ok' ? ` from ${resumePoint.status.dir} (${describePoint(resumePoint.status)})` : ''}`);
  logger.info(`Data: ${settings.data} (${settings.dataSource}): ${scanned.records.length} image files`);
  const backend = await initBackend({ backend: settings.backend, relaxedSimd: settings.relaxedSimd, forwardConvolution: settings.forwardConvolution === 'generated' });
  for (const line of backendLines(backend)) logger.info(line);
  return { resumed, dryRun, layout, scanned, externalSets, resumePoint, backend };
}

/** The decoded images of the run and of its external sets, audited. */
interface LoadedImages {
  readonly loaded: LoadedDataset;
  readonly decodeSeconds: number;
}

/**
 * Decodes the data (or reads the cache), writes audit.json, stops on unusable data, and decodes
 * the external sets; logs what it did.
 */
async function loadImages({ io, logger, now }: CommandContext, settings: TrainSettings, run: OpenedRun): Promise<LoadedImages> {
  const t0 = now();
  const tty = io.stderr.isTTY === true;
  const cacheUse = { dir: settings.cache, memory: settings.memoryCache };
  const loaded = await loadDataset(settings.data, run.scanned, { size: settings.imageSize, fit: settings.fit }, {
    classMap: settings.classMap,
    cache: cacheUse,
    now,
    onProgress: (done, total) => {
      if (tty && (done % 100 === 0 || done === total)) io.stderr.write(`\r\x1b[2Kdecoding ${done}/${total}`);
    },
  });
  if (tty) io.stderr.write('\r\x1b[2K');
  await writeJsonAtomic(`${run.layout.dir}/audit.json`, loaded.audit);
  checkUsable(settings.data, loaded, { trainClasses: true, file: `${run.layout.dir}/audit.json` });
  const decodeSeconds = (now() - t0) / 1000;
  logger.info(`Images at ${settings.imageSize}x${settings.imageSize}: ${cacheLine(loaded.cache)}${loaded.rejected.length ? `; ${loaded.rejected.length} files rejected (listed in audit.json)` : ''}.`);
  logger.info(`  ${loaded.cache.reason[0]?.toUpperCase() ?? ''}${loaded.cache.reason.slice(1)}.`);
  for (const finding of loaded.audit.findings) logger.info(`  audit: ${finding}`);
  const [negative, positive] = classNamesOf(settings.classMap);
  for (const set of run.externalSets) {
    set.loaded = await loadDataset(set.dir, set.scanned, { size: settings.imageSize, fit: settings.fit }, { splits: ['test'], classMap: settings.classMap, cache: cacheUse, now });
    checkUsable(set.dir, set.loaded, { trainClasses: false, file: undefined });
    const n = (label: 0 | 1): number => (set.loaded?.records ?? []).filter((r) => r.label === label).length;
    logger.info(
      `External set ${set.name}: ${set.dir} (${settings.externalSource}): ${set.loaded.records.length} images (${n(0)} ${negative}, ${n(1)} ${positive})${set.loaded.rejected.length ? `, ${set.loaded.rejected.length} rejected` : ''}; evaluated after training only.`,
    );
  }
  if (run.externalSets.length === 0) logger.info(`External sets: none (${settings.externalSource}); add --external DIR to evaluate on X-rays from elsewhere.`);
  return { loaded, decodeSeconds };
}

/** The class folder names of a class map, those of label 0 first. */
function classFolders(classMap: ClassMap): string[] {
  return Object.keys(classMap).sort((a, b) => (classMap[a] ?? 0) - (classMap[b] ?? 0));
}

/** The class names by label, [negative, positive]: the first class folder of each label. */
function classNamesOf(classMap: ClassMap): [string, string] {
  const folders = classFolders(classMap);
  return [folders.find((name) => classMap[name] === 0) ?? DEFAULT_CLASS_NAMES[0], folders.find((name) => classMap[name] === 1) ?? DEFAULT_CLASS_NAMES[1]];
}

/** Everything training starts from: the split, the model and the records of the run. */
interface PreparedTraining {
  readonly records: readonly ImageRecord[];
  readonly trainRecords: readonly ImageRecord[];
  readonly valRecords: readonly ImageRecord[];
  readonly testRecords: readonly ImageRecord[];
  readonly classNames: readonly [string, string];
  readonly weights: ClassWeights;
  readonly model: LayersModel;
  readonly plan: Plan;
  /** What run.json records of the run (its status is added at each write). */
  readonly runInfo: Record<string, unknown>;
}

/**
 * Splits the data (re-split or fold), weighs the classes, builds the model (and fine-tunes from
 * `--weights`), writes split.csv and run.json (`planned` or `training`), and prints the plan.
 */
async function prepareTraining(parsed: ParsedCommand, context: CommandContext, settings: TrainSettings, run: OpenedRun, data: LoadedImages, started: number): Promise<PreparedTraining> {
  const { logger } = context;
  const { loaded } = data;
  const fold = settings.fold ? foldOf(settings.fold) : undefined;
  const { records, report: resplit } = fold ? kfoldRecords(loaded.records, { ...fold, seed: settings.seed }) : resplitRecords(loaded.records, { seed: settings.seed, valFraction: settings.valFraction });
  const classNames = classNamesOf(settings.classMap);
  const [negative, positive] = classNames;
  const split = countBySplit(records, classFolders(settings.classMap));
  const trainRecords = records.filter((r) => r.split === 'train');
  const valRecords = records.filter((r) => r.split === 'val');
  const testRecords = records.filter((r) => r.split === 'test');
  const counts = { negatives: trainRecords.filter((r) => r.label === 0).length, positives: trainRecords.filter((r) => r.label === 1).length };
  if (counts.negatives === 0 || counts.positives === 0 || valRecords.length === 0) {
    throw new UsageError(`After the ${Math.round(settings.valFraction * 100)}% validation split, ${settings.data} leaves too few images to train on (train ${counts.negatives} ${negative} + ${counts.positives} ${positive}, val ${valRecords.length}); add images to train/.`);
  }
  const weights = classWeights(counts);
  const outputBias = outputBiasInit(counts);
  await writeSplitCsv(run.layout.splitCsv, settings.data, records);

  const model = buildModel({
    architecture: settings.architecture,
    imageSize: settings.imageSize,
    seed: deriveSeed(settings.seed, 'model'),
    augment: settings.augment,
    outputBias,
    compact: settings.compact,
  });
  if (settings.weights) {
    const transfer = await loadWeightsFrom(model, settings.weights);
    logger.info(`Fine-tuning from ${settings.weights}: ${transfer.transferred.length} weights loaded, ${transfer.kept.length} left as initialised.`);
  }
  const plan: Plan = {
    settings,
    backend: run.backend,
    split,
    resplit,
    classWeights: { [negative]: weights[0], [positive]: weights[1] },
    outputBias,
    rejected: loaded.rejected.length,
    findings: loaded.audit.findings,
    model: { architecture: settings.architecture, parameters: model.countParams(), summary: modelSummary(model) },
    runFolder: run.layout.dir,
    external: run.externalSets,
  };
  const runInfo = runInfoOf(parsed, context, settings, run, data, plan, started);
  await writeJsonAtomic(run.layout.runJson, { ...runInfo, status: run.dryRun ? 'planned' : 'training' });
  printPlan(plan, logger.info.bind(logger));
  return { records, trainRecords, valRecords, testRecords, classNames, weights, model, plan, runInfo };
}

/** What run.json records of a run before it trains. */
function runInfoOf(parsed: ParsedCommand, context: CommandContext, settings: TrainSettings, run: OpenedRun, data: LoadedImages, plan: Plan, started: number): Record<string, unknown> {
  const { backend } = run;
  const { cache } = data.loaded;
  return {
    command: 'train',
    argv: ['train', ...context.argv],
    configFile: parsed.configFile ?? null,
    createdAt: new Date(started).toISOString(),
    settings,
    seed: settings.seed,
    backend: { name: backend.name, package: backend.package, threads: backend.threads, simd: backend.simd, ...(backend.kernels ? { kernels: backend.kernels } : {}), reason: backend.reason, skipped: backend.skipped },
    versions: versions(),
    split: plan.split,
    classWeights: plan.classWeights,
    outputBias: plan.outputBias,
    model: { architecture: settings.architecture, parameters: plan.model.parameters },
    decode: decodeOf(settings),
    cache: {
      dir: settings.cache,
      source: settings.cacheSource,
      mode: cache.inMemory ? 'memory' : 'stream',
      reason: cache.reason,
      estimateBytes: cache.estimateBytes,
      budgetBytes: cache.budgetBytes,
      availableBytes: cache.availableBytes,
      hits: cache.hits,
      decoded: cache.decoded,
      seconds: cache.seconds,
    },
  };
}

/** The decode settings of a run, as run.json and the model's metadata record them. */
function decodeOf(settings: TrainSettings): { size: number; fit: 'fill' | 'contain'; key: string } {
  return { size: settings.imageSize, fit: settings.fit, key: decodeSettingsKey({ size: settings.imageSize, fit: settings.fit }) };
}

/** What training gave: its events, whether it was interrupted, and how long it took. */
interface TrainedModel {
  readonly events: readonly TrainEvent[];
  readonly interrupted: boolean;
  readonly metadata: ModelMetadata;
  readonly trainSeconds: number;
  readonly trainEnd: number;
}

/** Trains the model (resuming when asked), showing the progress and logging each epoch. */
async function trainModel({ io, logger, now }: CommandContext, settings: TrainSettings, run: OpenedRun, data: LoadedImages, prepared: PreparedTraining): Promise<TrainedModel> {
  const { trainRecords, valRecords, model, weights, classNames } = prepared;
  const { loaded } = data;
  const stepsPerEpoch = Math.min(Math.ceil(trainRecords.length / settings.batchSize), settings.stepsPerEpoch ?? Number.POSITIVE_INFINITY);
  const progress = new Progress(io.stderr, settings.epochs, now);
  const trainStart = now();
  const metadata: ModelMetadata = {
    classNames,
    classMap: settings.classMap,
    imageSize: settings.imageSize,
    decode: decodeOf(settings),
    architecture: settings.architecture,
    seed: settings.seed,
  };
  const show = (event: TrainEvent): void => {
    if (event.kind === 'step') progress.step(event);
    else {
      progress.clear();
      logger.info(eventLine(event, settings.epochs));
    }
  };
  let events: TrainEvent[];
  try {
    events = await lastValueFrom(
      train({
        model,
        trainBatches: (epoch, demand) => batchesOf(trainRecords, loaded.samples, settings.batchSize, { seed: settings.seed, epoch })(demand).pipe(take(stepsPerEpoch)),
        valBatches: batchesOf(valRecords, loaded.samples, settings.batchSize),
        epochs: settings.epochs,
        classWeights: weights,
        labelSmoothing: settings.labelSmoothing,
        schedule: settings.schedule,
        learningRate: settings.learningRate,
        patience: settings.patience,
        reduceLrPatience: settings.reduceLrPatience,
        reduceLrFactor: settings.reduceLrFactor,
        minLearningRate: settings.minLearningRate,
        checkpointDir: run.layout.checkpoints,
        resume: run.resumed,
        ...(run.resumePoint ? { resumeFrom: run.resumePoint.point } : {}),
        stepsPerEpoch,
        ...(io.signal ? { signal: io.signal } : {}),
        metadata,
      }).pipe(tap(show), toArray()),
    );
  } finally {
    progress.clear();
  }
  const trainEnd = now();
  return { events, interrupted: io.signal?.aborted === true, metadata, trainSeconds: (trainEnd - trainStart) / 1000, trainEnd };
}

/** The evaluation of a trained model: calibration and threshold on validation, then test and the external sets. */
interface EvaluatedModel {
  readonly calibration: ReportCalibration;
  readonly choice: ThresholdChoice;
  readonly valReport: EvaluationReport;
  readonly testReport: EvaluationReport | undefined;
  readonly externalReports: Record<string, EvaluationReport>;
  readonly splitNotes: Record<string, string>;
}

/**
 * Fits the temperature and chooses the threshold on validation (the rule of `--threshold-rule`),
 * then evaluates validation, test and each external set at that threshold; logs the figures.
 */
async function evaluateModel({ logger }: CommandContext, settings: TrainSettings, run: OpenedRun, data: LoadedImages, prepared: PreparedTraining): Promise<EvaluatedModel> {
  const { model, valRecords, testRecords, classNames } = prepared;
  const { loaded } = data;
  const valPredictions = await predictBatches(model, batchesOf(valRecords, loaded.samples, settings.batchSize));
  const val = logitsOf(valPredictions);
  const fit = fitTemperature(val.logits, val.labels);
  const calibration: ReportCalibration = { method: 'temperature', temperature: fit.temperature, fittedOn: 'val', valNllBefore: fit.nllBefore, valNllAfter: fit.nllAfter };
  logger.info(`Calibration: temperature ${fit.temperature.toFixed(4)} fitted on validation (negative log-likelihood ${fit.nllBefore.toFixed(4)} -> ${fit.nllAfter.toFixed(4)}); every probability from here on is sigmoid(logit / ${fit.temperature.toFixed(4)}).`);
  const rule = parseThresholdRule(settings.thresholdRule);
  const choice: ThresholdChoice = chooseThreshold(
    Float64Array.from(val.logits, (z) => temperatureScale(z, fit.temperature)),
    val.labels,
    rule,
  );
  logger.info(`Threshold ${choice.threshold.toFixed(4)}, ${describeThresholdRule(rule)} (rule ${settings.thresholdRule}): validation sensitivity ${pct(choice.sensitivity)}, specificity ${pct(choice.specificity)}.`);
  const evaluateOn = (predictions: readonly Prediction[], split: string): EvaluationReport => evaluatePredictions(predictions, { threshold: choice.threshold, split, temperature: fit.temperature });
  const valReport = evaluateOn(valPredictions, 'val');
  let testReport: EvaluationReport | undefined;
  if (testRecords.length > 0) {
    testReport = evaluateOn(await predictBatches(model, batchesOf(testRecords, loaded.samples, settings.batchSize)), 'test');
    for (const line of evaluationLines(testReport, classNames)) logger.info(line);
  } else logger.info('No test images: the test evaluation is skipped.');
  const externalReports: Record<string, EvaluationReport> = {};
  const splitNotes: Record<string, string> = {};
  for (const set of run.externalSets) {
    const records: readonly ImageRecord[] = set.loaded?.records ?? [];
    const samples = set.loaded?.samples;
    if (!samples) continue;
    const report = evaluateOn(await predictBatches(model, batchesOf(records, samples, settings.batchSize)), set.name);
    externalReports[set.name] = report;
    splitNotes[set.name] = `External set ${set.dir}: never used to train, to pick a checkpoint, or to choose the threshold or the calibration; evaluated at the threshold chosen on validation.`;
    logger.info(`External set ${set.name} (${set.dir}; never used to train, pick a checkpoint or choose the threshold):`);
    for (const line of evaluationLines(report, classNames)) logger.info(`  ${line}`);
  }
  return { calibration, choice, valReport, testReport, externalReports, splitNotes };
}

/** Everything {@link saveRun} writes from. */
interface FinishedRun {
  readonly settings: TrainSettings;
  readonly run: OpenedRun;
  readonly data: LoadedImages;
  readonly prepared: PreparedTraining;
  readonly trained: TrainedModel;
  readonly evaluated: EvaluatedModel;
  readonly started: number;
}

/**
 * Saves the model (with its threshold and calibration; the best checkpoint gets them too), writes
 * the report and the finished run.json, and prints the summary (`--json`: as JSON on stdout).
 */
async function saveRun(parsed: ParsedCommand, { io, logger, now }: CommandContext, finished: FinishedRun): Promise<void> {
  const { settings, run, data, prepared, trained, evaluated, started } = finished;
  const { layout, backend } = run;
  const { choice, calibration } = evaluated;
  const thresholdChoice = { ...choice, rule: settings.thresholdRule, chosenOn: 'val' };
  await saveModel(prepared.model, layout.model, { ...trained.metadata, threshold: choice.threshold, thresholdChoice, calibration, trainedAt: new Date(now()).toISOString() });
  // The best checkpoint holds the same weights as the final model: give it the same threshold and calibration.
  const best = join(layout.checkpoints, 'best');
  if (existsSync(join(best, 'model.json'))) await updateModelMetadata(best, { threshold: choice.threshold, thresholdChoice, calibration });
  const reportStart = now();
  const { decodeSeconds } = data;
  const { trainSeconds, events } = trained;
  await writeRunReport({
    dir: layout.dir,
    model: prepared.model,
    threshold: { ...choice, chosenOn: 'val' },
    splits: { val: evaluated.valReport, ...(evaluated.testReport ? { test: evaluated.testReport } : {}), ...evaluated.externalReports },
    splitNotes: evaluated.splitNotes,
    calibration,
    classNames: prepared.classNames,
    decode: { size: settings.imageSize, fit: settings.fit },
    training: events,
    audit: data.loaded.audit,
    records: prepared.records,
    seed: deriveSeed(settings.seed, 'report'),
    title: `cxr training run ${basename(layout.dir)}`,
    logger,
    run: {
      seed: settings.seed,
      backend: `${backend.name}: ${backend.reason}${backend.skipped.length ? ` (skipped ${backend.skipped.map((x) => `${x.name}: ${x.reason}`).join('; ')})` : ''}`,
      command: 'cxr train',
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date(now()).toISOString(),
      config: { ...settings },
      versions: versions(),
      timings: { decodeSeconds, trainSeconds, evaluateSeconds: (reportStart - trained.trainEnd) / 1000 },
    },
  });
  const totalSeconds = (now() - started) / 1000;
  const results = {
    threshold: choice.threshold,
    thresholdRule: settings.thresholdRule,
    thresholdChoice,
    calibration,
    test: evaluated.testReport ? summaryOf(evaluated.testReport) : null,
    val: summaryOf(evaluated.valReport),
    external: Object.fromEntries(
      run.externalSets.flatMap((set) => (evaluated.externalReports[set.name] ? [[set.name, { dir: set.dir, ...summaryOf(evaluated.externalReports[set.name] as EvaluationReport) }]] : [])),
    ),
    epochs: events.filter((e) => e.kind === 'epoch').length,
    stopped: events.find((e) => e.kind === 'stopped'),
    input: inputSummary(events),
    timings: { decodeSeconds, trainSeconds, totalSeconds },
  };
  await writeJsonAtomic(layout.runJson, { ...prepared.runInfo, status: 'done', finishedAt: new Date(now()).toISOString(), results });
  logger.info(`Input: training waited ${inputWaitText(results.input['waitSeconds'] ?? 0, results.input['trainSeconds'] ?? 0)} for its batches over ${results.input['steps'] ?? 0} steps (${(results.input['meanWaitMs'] ?? 0).toFixed(1)} ms a step of ${(results.input['meanStepMs'] ?? 0).toFixed(0)} ms).`);
  logger.info(`Done in ${duration(totalSeconds)} (training ${duration(trainSeconds)}): model in ${layout.model}, report in ${layout.reportHtml}.`);
  if (parsed.values['json'] === true) io.stdout.write(`${JSON.stringify({ runFolder: layout.dir, ...results }, null, 2)}\n`);
}


/** `--fold I/K` as `I/K` (checked), or null when absent. */
function parseFold(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(String(value));
  const fold = Number(match?.[1]);
  const k = Number(match?.[2]);
  if (!match || k < 2 || k > 1000 || fold < 1 || fold > k) {
    throw new UsageError(`--fold must be I/K with K from 2 to 1000 folds and I from 1 to K, e.g. --fold 1/5 (got ${JSON.stringify(String(value))}).`);
  }
  return `${fold}/${k}`;
}

function foldOf(text: string): { fold: number; k: number } {
  const [fold, k] = text.split('/').map(Number);
  return { fold: fold ?? 1, k: k ?? 2 };
}

/** "0.4 s (0.3% of the step time)": how long training waited for its batches. */
function inputWaitText(wait: number, trainSeconds: number): string {
  return `${wait.toFixed(1)} s (${trainSeconds > 0 ? ((100 * wait) / trainSeconds).toFixed(1) : '0.0'}% of step time)`;
}

/** Input wait over the epochs run (run.json `results.input`): total, per step, and as a share of the step time. */
function inputSummary(events: readonly TrainEvent[]): Record<string, number> {
  let wait = 0;
  let seconds = 0;
  let steps = 0;
  for (const e of events) {
    if (e.kind !== 'epoch') continue;
    wait += e.inputWaitSeconds;
    seconds += e.trainSeconds;
    steps += e.steps;
  }
  return {
    waitSeconds: wait,
    trainSeconds: seconds,
    steps,
    meanWaitMs: steps > 0 ? (1000 * wait) / steps : 0,
    meanStepMs: steps > 0 ? (1000 * seconds) / steps : 0,
    waitShareOfStep: seconds > 0 ? wait / seconds : 0,
  };
}

/** "5,206 decoded in 14 s (none in the cache /x)", "5,206 read from the disk cache /x in 2.1 s (0 decoded)". */
export function cacheLine(cache: CacheReport): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  const where = cache.dir === null ? 'no disk cache (--no-cache)' : `the disk cache ${cache.dir}`;
  return cache.hits === 0
    ? `${n(cache.decoded)} decoded in ${duration(cache.seconds)} (${cache.dir === null ? where : `none was in ${where}`})`
    : `${n(cache.hits)} read from ${cache.inMemory && cache.dir === null ? 'memory' : where}, ${n(cache.decoded)} decoded, in ${duration(cache.seconds)}`;
}

function eventLine(event: Exclude<TrainEvent, { kind: 'step' }>, epochs: number): string {
  if (event.kind === 'stopped') return `Training ended after epoch ${event.epoch}: ${event.reason}.`;
  return [
    `epoch ${event.epoch}/${epochs}`,
    `loss ${event.loss.toFixed(4)}`,
    `val loss ${num(event.valLoss)}`,
    `val acc ${pct(event.valAccuracy)}`,
    `val AUC ${num(event.valAuc)}${event.improved ? ' (best)' : ''}`,
    `lr ${event.learningRate.toExponential(1)}`,
    `${event.imagesPerSecond.toFixed(1)} img/s`,
    `input wait ${inputWaitText(event.inputWaitSeconds, event.trainSeconds)}`,
    duration(event.seconds),
  ].join('  ');
}

function printPlan(plan: Plan, info: (line: string) => void): void {
  const classes = Object.keys(plan.split['train'] ?? plan.classWeights);
  const fold = plan.settings.fold ? foldOf(plan.settings.fold) : undefined;
  info(`Split (seed ${plan.settings.seed}, ${fold ? `fold ${fold.fold} of ${fold.k} of train+val to val` : `${Math.round(plan.settings.valFraction * 100)}% of train+val to val`}, patient-disjoint):`);
  info(`  ${'split'.padEnd(6)}${classes.map((c) => c.padStart(11)).join('')}${'total'.padStart(8)}`);
  for (const [split, row] of Object.entries(plan.split)) {
    const total = Object.values(row).reduce((a, b) => a + b, 0);
    info(`  ${split.padEnd(6)}${classes.map((c) => String(row[c] ?? 0).padStart(11)).join('')}${String(total).padStart(8)}`);
  }
  if (plan.resplit.crossingTest.length > 0) info(`  ${plan.resplit.crossingTest.length} patient ids of train/val also appear in test (present in the data as given).`);
  const weights = Object.entries(plan.classWeights).map(([name, weight]) => `${name} ${weight.toFixed(4)}`);
  info(`Class weights: ${weights.join(', ')}; output bias ${plan.outputBias.toFixed(4)}.`);
  info(`Model: ${plan.model.architecture}, ${plan.model.parameters.toLocaleString('en-US')} parameters, ${plan.settings.imageSize}x${plan.settings.imageSize} px, batch ${plan.settings.batchSize}, up to ${plan.settings.epochs} epochs${plan.settings.stepsPerEpoch === null ? '' : ` of at most ${plan.settings.stepsPerEpoch} steps (--steps-per-epoch)`}.`);
  for (const line of plan.model.summary) info(`  ${line}`);
  info(`Threshold rule ${plan.settings.thresholdRule}: ${describeThresholdRule(parseThresholdRule(plan.settings.thresholdRule))}, after calibrating the probabilities there (temperature scaling).`);
}

function planJson(plan: Plan): Record<string, unknown> {
  return {
    runFolder: plan.runFolder,
    seed: plan.settings.seed,
    settings: plan.settings,
    backend: { name: plan.backend.name, ...(plan.backend.kernels ? { kernels: plan.backend.kernels } : {}), reason: plan.backend.reason, skipped: plan.backend.skipped },
    split: plan.split,
    splitReport: plan.resplit,
    classWeights: plan.classWeights,
    outputBias: plan.outputBias,
    rejected: plan.rejected,
    findings: plan.findings,
    model: plan.model,
    thresholdRule: plan.settings.thresholdRule,
    external: plan.external.map((set) => ({ name: set.name, dir: set.dir, images: set.loaded?.records.length ?? set.scanned.records.length })),
  };
}

/** Logits and labels of the labelled predictions. */
function logitsOf(predictions: readonly Prediction[]): { logits: Float64Array; labels: Uint8Array } {
  const labelled = predictions.filter((p) => p.label === 0 || p.label === 1);
  const logits = Float64Array.from(labelled, (p) => {
    if (typeof p.logit !== 'number') throw new Error(`the prediction for ${p.id} carries no logit`);
    return p.logit;
  });
  return { logits, labels: Uint8Array.from(labelled, (p) => p.label ?? 0) };
}

/** The config file a run was started with, as its run.json records it (null when none or unreadable). */
function runConfigFile(runJson: string): string | null {
  try {
    const value = (JSON.parse(readFileSync(runJson, 'utf8')) as { configFile?: unknown }).configFile;
    return typeof value === 'string' ? value : null;
  } catch {
    return null;
  }
}

function summaryOf(report: EvaluationReport): Record<string, unknown> {
  return {
    n: report.n,
    auc: report.auc,
    aucCi: report.aucCi ? [report.aucCi.lower, report.aucCi.upper] : null,
    averagePrecision: report.averagePrecision,
    brier: report.brier,
    ece: report.ece,
    uncalibrated: report.uncalibrated,
    threshold: report.threshold,
    accuracy: report.metrics.accuracy,
    sensitivity: report.metrics.sensitivity,
    specificity: report.metrics.specificity,
    confusion: report.confusion,
  };
}

