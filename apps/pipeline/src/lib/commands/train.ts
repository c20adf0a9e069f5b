import { existsSync, readFileSync } from 'node:fs';
import { DEFAULT_CLASS_MAP, decodeSettingsKey } from '@cxr/loader';
import { ARCHITECTURES, buildModel, DEFAULT_TRAINING, initBackend, loadWeightsFrom, saveModel, train } from '@cxr/model';
import type { Architecture, BackendChoice, BackendRequest, TrainEvent, TrainingDefaults } from '@cxr/model';
import { classWeights, deriveSeed, outputBiasInit, resplitRecords } from '@cxr/preprocess';
import type { ResplitReport } from '@cxr/preprocess';
import { chooseThreshold, evaluatePredictions } from '@cxr/eval';
import type { EvaluationReport, ThresholdChoice } from '@cxr/eval';
import type { ParsedCommand, FlagValue } from '../args.js';
import { writeJsonAtomic } from '../atomic.js';
import type { CommandContext } from '../context.js';
import { checkUsable, countBySplit, loadDataset, scanRecords } from '../dataset.js';
import { usageError } from '../errors.js';
import { absolute, existingDir, resolveDataRoot } from '../paths.js';
import { batchesOf, predictBatches, scores } from '../predictions.js';
import { duration, Progress } from '../progress.js';
import { latestRunDir, newRunDir, prepareRunDir, writeSplitCsv } from '../run-folder.js';
import { versions } from '../versions.js';
import { writeRunReport } from '../report.js';
import { basename } from 'node:path';
import { backendLines, modelSummary } from './shared.js';
import { evaluationLines, num, pct } from './report-lines.js';

/** Every effective setting of a training run, as recorded in run.json. */
export interface TrainSettings extends TrainingDefaults {
  readonly data: string;
  readonly dataSource: string;
  readonly out: string;
  readonly seed: number;
  readonly backend: BackendRequest;
  readonly weights: string | null;
  readonly fit: 'fill' | 'contain';
  readonly thresholdMethod: 'youden';
  readonly classMap: Readonly<Record<string, 0 | 1>>;
}

/** Settings that define a run: `--resume` refuses to change them. */
const FIXED_ON_RESUME = ['data', 'seed', 'image-size', 'batch-size', 'architecture', 'weights'] as const;

function resolveSettings(parsed: ParsedCommand, { io, now }: CommandContext): { settings: TrainSettings; resumed: boolean } {
  const v = parsed.values;
  const resume = v['resume'] === true;
  let previous: Partial<TrainSettings> = {};
  let out: string;
  if (resume) {
    out = typeof v['out'] === 'string' ? existingDir(absolute(io.cwd, v['out']), '--out') : latestRunDir(io.cwd);
    const runJson = `${out}/run.json`;
    if (!existsSync(runJson)) throw usageError(`--resume: ${out} holds no run.json, so it is not a cxr run folder; give the folder of the run to continue with --out.`);
    try {
      previous = (JSON.parse(readFileSync(runJson, 'utf8')) as { settings: Partial<TrainSettings> }).settings;
    } catch {
      throw usageError(`--resume: ${runJson} cannot be read as JSON; that run cannot be resumed, start a new one without --resume.`);
    }
    for (const flag of FIXED_ON_RESUME) {
      if (!parsed.explicit.has(flag)) continue;
      const key = flag.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()) as keyof TrainSettings;
      const before = previous[key];
      const given = flag === 'data' || flag === 'weights' ? absolute(io.cwd, String(v[flag])) : v[flag];
      if (before !== undefined && before !== given) {
        throw usageError(`--${flag} ${String(v[flag])} differs from the run being resumed (${String(before)}); leave --${flag} out to continue that run, or start a new run without --resume.`);
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
  const kept = <K extends keyof TrainSettings>(key: K, fallback: TrainSettings[K]): TrainSettings[K] => (resume ? (previous[key] as TrainSettings[K] | undefined) : undefined) ?? fallback;

  const dataFlag = resume && previous.data !== undefined && !parsed.explicit.has('data') ? previous.data : typeof v['data'] === 'string' ? v['data'] : undefined;
  const { root, source } = resolveDataRoot(dataFlag, io.env, io.cwd);
  const architecture = pick('architecture', 'architecture', DEFAULT_TRAINING.architecture as string);
  if (!(ARCHITECTURES as readonly string[]).includes(architecture)) {
    throw usageError(`--architecture must be one of ${ARCHITECTURES.join(', ')} (got "${architecture}").`);
  }
  const backend = pick('backend', 'backend', 'auto');
  const weights = typeof v['weights'] === 'string' ? existingDir(absolute(io.cwd, v['weights']), '--weights') : (previous.weights ?? null);
  const settings: TrainSettings = {
    data: root,
    dataSource: resume ? (previous.dataSource ?? source) : source,
    out,
    seed: pick('seed', 'seed', 42),
    backend: backend as BackendRequest,
    epochs: pick('epochs', 'epochs', DEFAULT_TRAINING.epochs),
    imageSize: pick('image-size', 'imageSize', DEFAULT_TRAINING.imageSize),
    batchSize: pick('batch-size', 'batchSize', DEFAULT_TRAINING.batchSize),
    architecture: architecture as Architecture,
    weights,
    fit: 'fill',
    valFraction: kept('valFraction', DEFAULT_TRAINING.valFraction),
    learningRate: kept('learningRate', DEFAULT_TRAINING.learningRate),
    patience: kept('patience', DEFAULT_TRAINING.patience),
    reduceLrPatience: kept('reduceLrPatience', DEFAULT_TRAINING.reduceLrPatience),
    reduceLrFactor: kept('reduceLrFactor', DEFAULT_TRAINING.reduceLrFactor),
    minLearningRate: kept('minLearningRate', DEFAULT_TRAINING.minLearningRate),
    augment: kept('augment', DEFAULT_TRAINING.augment),
    compact: kept('compact', DEFAULT_TRAINING.compact),
    thresholdMethod: 'youden',
    classMap: DEFAULT_CLASS_MAP,
  };
  return { settings, resumed: resume };
}

interface Plan {
  readonly settings: TrainSettings;
  readonly backend: BackendChoice;
  readonly split: Record<string, Record<string, number>>;
  readonly resplit: ResplitReport;
  readonly classWeights: { readonly NORMAL: number; readonly PNEUMONIA: number };
  readonly outputBias: number;
  readonly rejected: number;
  readonly findings: readonly string[];
  readonly model: { readonly architecture: string; readonly parameters: number; readonly summary: readonly string[] };
  readonly runFolder: string;
}

/** `cxr train`: the whole flow (see the command's help). */
export async function runTrain(parsed: ParsedCommand, context: CommandContext): Promise<number> {
  const { io, logger, now } = context;
  const started = now();
  const json = parsed.values['json'] === true;
  const dryRun = parsed.values['dry-run'] === true;
  const { settings, resumed } = resolveSettings(parsed, context);
  const scanned = await scanRecords(settings.data);
  const layout = prepareRunDir(settings.out, resumed, dryRun);
  logger.attach(layout.log);
  logger.detail(`cxr train ${context.argv.join(' ')}`);
  logger.info(`${resumed ? 'Resuming' : dryRun ? 'Planning' : 'Training'} run ${layout.dir}`);
  logger.info(`Data: ${settings.data} (${settings.dataSource}): ${scanned.records.length} image files`);

  const backend = await initBackend({ backend: settings.backend });
  for (const line of backendLines(backend)) logger.info(line);

  const t0 = now();
  const tty = io.stderr.isTTY === true;
  const loaded = await loadDataset(settings.data, scanned, { size: settings.imageSize, fit: settings.fit }, {
    onProgress: (done, total) => {
      if (tty && (done % 100 === 0 || done === total)) io.stderr.write(`\r\x1b[2Kdecoding ${done}/${total}`);
    },
  });
  if (tty) io.stderr.write('\r\x1b[2K');
  await writeJsonAtomic(`${layout.dir}/audit.json`, loaded.audit);
  checkUsable(settings.data, loaded, { trainClasses: true, file: `${layout.dir}/audit.json` });
  const decodeSeconds = (now() - t0) / 1000;
  logger.info(`Decoded ${loaded.records.length} images at ${settings.imageSize}x${settings.imageSize} in ${duration((now() - t0) / 1000)}${loaded.rejected.length ? `; ${loaded.rejected.length} files rejected (listed in audit.json)` : ''}.`);
  for (const finding of loaded.audit.findings) logger.info(`  audit: ${finding}`);

  const { records, report: resplit } = resplitRecords(loaded.records, { seed: settings.seed, valFraction: settings.valFraction });
  const classNames = Object.keys(settings.classMap).sort((a, b) => (settings.classMap[a] ?? 0) - (settings.classMap[b] ?? 0));
  const split = countBySplit(records, classNames);
  const trainRecords = records.filter((r) => r.split === 'train');
  const valRecords = records.filter((r) => r.split === 'val');
  const testRecords = records.filter((r) => r.split === 'test');
  const counts = { negatives: trainRecords.filter((r) => r.label === 0).length, positives: trainRecords.filter((r) => r.label === 1).length };
  if (counts.negatives === 0 || counts.positives === 0 || valRecords.length === 0) {
    throw usageError(`After the ${Math.round(settings.valFraction * 100)}% validation split, ${settings.data} leaves too few images to train on (train ${counts.negatives} NORMAL + ${counts.positives} PNEUMONIA, val ${valRecords.length}); add images to train/.`);
  }
  const weights = classWeights(counts);
  const outputBias = outputBiasInit(counts);
  await writeSplitCsv(layout.splitCsv, settings.data, records);

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
  const summary = modelSummary(model);
  const plan: Plan = {
    settings,
    backend,
    split,
    resplit,
    classWeights: { NORMAL: weights[0], PNEUMONIA: weights[1] },
    outputBias,
    rejected: loaded.rejected.length,
    findings: loaded.audit.findings,
    model: { architecture: settings.architecture, parameters: model.countParams(), summary },
    runFolder: layout.dir,
  };
  const runInfo = {
    command: 'train',
    argv: ['train', ...context.argv],
    configFile: parsed.configFile ?? null,
    createdAt: new Date(started).toISOString(),
    settings,
    seed: settings.seed,
    backend: { name: backend.name, package: backend.package, threads: backend.threads, simd: backend.simd, reason: backend.reason, skipped: backend.skipped },
    versions: versions(),
    split,
    classWeights: plan.classWeights,
    outputBias,
    model: { architecture: settings.architecture, parameters: plan.model.parameters },
    decode: { size: settings.imageSize, fit: settings.fit, key: decodeSettingsKey({ size: settings.imageSize, fit: settings.fit }) },
  };
  await writeJsonAtomic(layout.runJson, { ...runInfo, status: dryRun ? 'planned' : 'training' });
  printPlan(plan, logger.info.bind(logger));

  if (dryRun) {
    if (json) io.stdout.write(`${JSON.stringify(planJson(plan), null, 2)}\n`);
    logger.info(`Dry run: wrote ${layout.runJson} and ${layout.splitCsv}; no training.`);
    model.dispose();
    return 0;
  }

  // Training.
  if (io.signal?.aborted === true && !resumed) {
    await writeJsonAtomic(layout.runJson, { ...runInfo, status: 'interrupted', interruptedAt: new Date(now()).toISOString() });
    logger.info('Stopped before training started: nothing to resume; run the same command again to start over.');
    model.dispose();
    return 130;
  }
  const stepsPerEpoch = Math.ceil(trainRecords.length / settings.batchSize);
  const events: TrainEvent[] = [];
  const progress = new Progress(io.stderr, settings.epochs, now);
  const trainStart = now();
  const modelMetadata = {
    classNames,
    classMap: settings.classMap,
    imageSize: settings.imageSize,
    decode: runInfo.decode,
    architecture: settings.architecture,
    seed: settings.seed,
  };
  let interrupted = false;
  await new Promise<void>((resolvePromise, reject) => {
    train({
      model,
      trainBatches: (epoch) => batchesOf(trainRecords, loaded.samples, settings.batchSize, { seed: settings.seed, epoch }),
      valBatches: () => batchesOf(valRecords, loaded.samples, settings.batchSize),
      epochs: settings.epochs,
      classWeights: weights,
      learningRate: settings.learningRate,
      patience: settings.patience,
      reduceLrPatience: settings.reduceLrPatience,
      reduceLrFactor: settings.reduceLrFactor,
      minLearningRate: settings.minLearningRate,
      checkpointDir: layout.checkpoints,
      resume: resumed,
      stepsPerEpoch,
      ...(io.signal ? { signal: io.signal } : {}),
      metadata: modelMetadata,
    }).subscribe({
      next: (event) => {
        events.push(event);
        if (event.kind === 'step') progress.step(event);
        else {
          progress.clear();
          logger.info(eventLine(event, settings.epochs));
        }
      },
      error: (error: unknown) => {
        progress.clear();
        reject(error);
      },
      complete: () => {
        progress.clear();
        interrupted = io.signal?.aborted === true;
        resolvePromise();
      },
    });
  });
  if (interrupted) {
    await writeJsonAtomic(layout.runJson, { ...runInfo, status: 'interrupted', interruptedAt: new Date(now()).toISOString() });
    logger.info(`Stopped: the checkpoint is in ${layout.checkpoints}; continue with \`cxr train --resume --out ${layout.dir}\`.`);
    model.dispose();
    return 130;
  }
  const trainEnd = now();
  const trainSeconds = (trainEnd - trainStart) / 1000;

  // Threshold on validation, then test.
  const valPredictions = await predictBatches(model, batchesOf(valRecords, loaded.samples, settings.batchSize));
  const val = scores(valPredictions);
  const choice: ThresholdChoice = chooseThreshold(val.probs, val.labels, { method: 'youden' });
  logger.info(`Threshold ${choice.threshold.toFixed(4)} chosen on validation (Youden's J; sensitivity ${pct(choice.sensitivity)}, specificity ${pct(choice.specificity)}).`);
  const valReport = evaluatePredictions(valPredictions, { threshold: choice.threshold, split: 'val' });
  let testReport: EvaluationReport | undefined;
  if (testRecords.length > 0) {
    const testPredictions = await predictBatches(model, batchesOf(testRecords, loaded.samples, settings.batchSize));
    testReport = evaluatePredictions(testPredictions, { threshold: choice.threshold, split: 'test' });
    for (const line of evaluationLines(testReport)) logger.info(line);
  } else logger.info('No test images: the test evaluation is skipped.');

  await saveModel(model, layout.model, { ...modelMetadata, threshold: choice.threshold, thresholdChoice: choice, trainedAt: new Date(now()).toISOString() });
  const reportStart = now();
  await writeRunReport({
    dir: layout.dir,
    model,
    threshold: { ...choice, chosenOn: 'val' },
    splits: testReport ? { val: valReport, test: testReport } : { val: valReport },
    classNames: [classNames[0] ?? 'NORMAL', classNames[1] ?? 'PNEUMONIA'],
    decode: { size: settings.imageSize, fit: settings.fit },
    training: events,
    audit: loaded.audit,
    records,
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
      timings: { decodeSeconds, trainSeconds, evaluateSeconds: (reportStart - trainEnd) / 1000 },
    },
  });
  const totalSeconds = (now() - started) / 1000;
  const results = {
    threshold: choice.threshold,
    thresholdChoice: choice,
    test: testReport ? summaryOf(testReport) : null,
    val: summaryOf(valReport),
    epochs: events.filter((e) => e.kind === 'epoch').length,
    stopped: events.find((e) => e.kind === 'stopped'),
    timings: { decodeSeconds, trainSeconds, totalSeconds },
  };
  await writeJsonAtomic(layout.runJson, { ...runInfo, status: 'done', finishedAt: new Date(now()).toISOString(), results });
  logger.info(`Done in ${duration(totalSeconds)} (training ${duration(trainSeconds)}): model in ${layout.model}, report in ${layout.reportHtml}.`);
  if (json) io.stdout.write(`${JSON.stringify({ runFolder: layout.dir, ...results }, null, 2)}\n`);
  model.dispose();
  return 0;
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
    duration(event.seconds),
  ].join('  ');
}

function printPlan(plan: Plan, info: (line: string) => void): void {
  const classes = Object.keys(plan.classWeights);
  info(`Split (seed ${plan.settings.seed}, ${Math.round(plan.settings.valFraction * 100)}% of train+val to val, patient-disjoint):`);
  info(`  ${'split'.padEnd(6)}${classes.map((c) => c.padStart(11)).join('')}${'total'.padStart(8)}`);
  for (const [split, row] of Object.entries(plan.split)) {
    const total = Object.values(row).reduce((a, b) => a + b, 0);
    info(`  ${split.padEnd(6)}${classes.map((c) => String(row[c] ?? 0).padStart(11)).join('')}${String(total).padStart(8)}`);
  }
  if (plan.resplit.crossingTest.length > 0) info(`  ${plan.resplit.crossingTest.length} patient ids of train/val also appear in test (present in the data as given).`);
  info(`Class weights: NORMAL ${plan.classWeights.NORMAL.toFixed(4)}, PNEUMONIA ${plan.classWeights.PNEUMONIA.toFixed(4)}; output bias ${plan.outputBias.toFixed(4)}.`);
  info(`Model: ${plan.model.architecture}, ${plan.model.parameters.toLocaleString('en-US')} parameters, ${plan.settings.imageSize}x${plan.settings.imageSize} px, batch ${plan.settings.batchSize}, up to ${plan.settings.epochs} epochs.`);
  for (const line of plan.model.summary) info(`  ${line}`);
}

function planJson(plan: Plan): Record<string, unknown> {
  return {
    runFolder: plan.runFolder,
    seed: plan.settings.seed,
    settings: plan.settings,
    backend: { name: plan.backend.name, reason: plan.backend.reason, skipped: plan.backend.skipped },
    split: plan.split,
    splitReport: plan.resplit,
    classWeights: plan.classWeights,
    outputBias: plan.outputBias,
    rejected: plan.rejected,
    findings: plan.findings,
    model: plan.model,
  };
}

function summaryOf(report: EvaluationReport): Record<string, unknown> {
  return {
    n: report.n,
    auc: report.auc,
    aucCi: report.aucCi ? [report.aucCi.lower, report.aucCi.upper] : null,
    averagePrecision: report.averagePrecision,
    brier: report.brier,
    threshold: report.threshold,
    accuracy: report.metrics.accuracy,
    sensitivity: report.metrics.sensitivity,
    specificity: report.metrics.specificity,
    confusion: report.confusion,
  };
}

