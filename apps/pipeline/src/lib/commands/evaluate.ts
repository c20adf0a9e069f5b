import { evaluatePredictions } from '@cxr/eval';
import type { EvaluationReport } from '@cxr/eval';
import type { ReportThreshold } from '@cxr/report';
import type { Split } from '@cxr/loader';
import type { ParsedCommand } from '../args.js';
import { writeJsonAtomic, UsageError } from '@cxr/loader';
import { writeRunReport } from '../report.js';
import { versions } from '../versions.js';
import type { CommandContext } from '../context.js';
import { checkUsable, loadDataset, scanRecords } from '../dataset.js';
import { resolveCacheFolder, type MemoryCacheFlag } from '../cache-choice.js';
import { cacheLine } from './train.js';
import { absolute, existingDir, resolveDataRoot } from '../paths.js';
import { batchesOf, predictBatches } from '../predictions.js';
import { openModelForCommand } from './shared.js';
import { evaluationLines } from './report-lines.js';

/**
 * `cxr evaluate --model DIR --data DIR [--split test] [--threshold P] [--out DIR] [--json]`: the
 * model's checked metadata gives the image size, decode settings, calibration and threshold; the
 * data is the split's folder, or the class folders of a folder without split folders.
 */
export async function runEvaluate(parsed: ParsedCommand, { io, logger, now }: CommandContext): Promise<number> {
  const started = now();
  const v = parsed.values;
  if (typeof v['model'] !== 'string') throw new UsageError('cxr evaluate needs the model to evaluate: add --model DIR (the model/ folder of a run).');
  const modelDir = existingDir(absolute(io.cwd, v['model']), '--model');
  const { root } = resolveDataRoot(typeof v['data'] === 'string' ? v['data'] : undefined, io.env, io.cwd);
  const split = (v['split'] ?? 'test') as Split;
  const scanned = await scanRecords(root, { splits: [split], flatSplit: split });
  const { backend, model, metadata, settings } = await openModelForCommand('evaluate', modelDir, v, { io, logger });
  try {
    if (!settings.calibration) logger.detail(`The model in ${modelDir} stores no calibration: probabilities are sigmoid(logit).`);
    const cache = resolveCacheFolder(v, io.env, io.cwd);
    const loaded = await loadDataset(root, scanned, { size: settings.imageSize, fit: settings.fit }, { splits: [split], cache: { dir: cache.dir, memory: (v['memory-cache'] ?? 'auto') as MemoryCacheFlag }, now });
    logger.detail(`Images at ${settings.imageSize}x${settings.imageSize}: ${cacheLine(loaded.cache)}; ${loaded.cache.reason}.`);
    checkUsable(root, loaded, { trainClasses: false, file: undefined });
    if (loaded.records.length === 0) throw new UsageError(`${root} holds no usable image in ${split}/ or in its class folders; check --data and --split (the folder needs NORMAL/ and PNEUMONIA/ inside).`);
    const batchSize = typeof v['batch-size'] === 'number' ? v['batch-size'] : 32;
    const predictions = await predictBatches(model, batchesOf(loaded.records, loaded.samples, batchSize));
    const report: EvaluationReport = evaluatePredictions(predictions, { threshold: settings.threshold, split, temperature: settings.temperature });
    if (typeof v['out'] === 'string') {
      const out = absolute(io.cwd, v['out']);
      const stored = metadata.thresholdChoice;
      let threshold: ReportThreshold = { threshold: settings.threshold, method: 'fixed', source: settings.thresholdSource === 'model' ? 'model metadata' : '--threshold' };
      if (stored !== undefined && settings.thresholdSource === 'model' && stored.threshold === settings.threshold) {
        // The stored choice describes the threshold in the report (the rule's text is in run.json).
        const { rule: _rule, ...choice } = stored;
        threshold = { ...choice, chosenOn: choice.chosenOn ?? 'val' };
      }
      await writeJsonAtomic(`${out}/audit.json`, loaded.audit);
      const files = await writeRunReport({
        dir: out,
        model,
        threshold,
        splits: { [split]: report },
        ...(settings.calibration?.valNllBefore !== undefined && settings.calibration.valNllAfter !== undefined
          ? { calibration: { method: 'temperature' as const, temperature: settings.calibration.temperature, fittedOn: settings.calibration.fittedOn, valNllBefore: settings.calibration.valNllBefore, valNllAfter: settings.calibration.valNllAfter } }
          : {}),
        classNames: settings.classNames,
        decode: { size: settings.imageSize, fit: settings.fit },
        audit: loaded.audit,
        records: loaded.records,
        seed: 42,
        title: `cxr evaluation of ${modelDir} on ${split}`,
        logger,
        run: {
          command: 'cxr evaluate',
          backend: `${backend.name}: ${backend.reason}`,
          startedAt: new Date(started).toISOString(),
          finishedAt: new Date(now()).toISOString(),
          config: { model: modelDir, data: root, split, threshold: settings.threshold, thresholdSource: settings.thresholdSource, temperature: settings.temperature },
          versions: versions(),
        },
      });
      logger.info(`Report written to ${files.html}.`);
    }
    if (v['json'] === true) io.stdout.write(`${JSON.stringify({ model: modelDir, data: root, ...report }, null, 2)}\n`);
    else for (const line of evaluationLines(report, settings.classNames)) io.stdout.write(`${line}\n`);
    return 0;
  } finally {
    model.dispose();
  }
}
