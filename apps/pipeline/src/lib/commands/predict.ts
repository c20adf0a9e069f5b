import { statSync } from 'node:fs';
import { basename, extname, relative } from 'node:path';
import { temperatureScale } from '@cxr/eval';
import { decodeImages, findImageFiles } from '@cxr/loader';
import type { ImageRecord, Rejection, Sample } from '@cxr/loader';
import { initBackend, loadModel } from '@cxr/model';
import type { BackendRequest } from '@cxr/model';
import { map } from 'rxjs';
import type { ParsedCommand } from '../args.js';
import type { CommandContext } from '../context.js';
import { usageError } from '../errors.js';
import { modelSettings, thresholdNote } from '../model-metadata.js';
import { absolute, existingDir } from '../paths.js';
import { batchesOf, predictBatches } from '../predictions.js';
import { backendLines } from './shared.js';
import { writeCams } from './cams.js';

/** The image files named on the command line: files as given, folders searched recursively (sorted; symlinks followed, each folder once). */
export async function collectImages(cwd: string, args: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const arg of args) {
    const path = absolute(cwd, arg);
    let stat;
    try {
      stat = statSync(path);
    } catch {
      throw usageError(`${path} does not exist; give image files (.jpeg, .jpg, .png) or folders of them.`);
    }
    if (stat.isDirectory()) {
      const found = await findImageFiles(path);
      if (found.length === 0) throw usageError(`The folder ${path} holds no .jpeg, .jpg or .png file; give images or folders of images.`);
      files.push(...found);
    } else files.push(path);
  }
  return [...new Set(files)];
}

/** `cxr predict --model DIR <files or folders> [--json] [--cam DIR]`. */
export async function runPredict(parsed: ParsedCommand, { io, logger }: CommandContext): Promise<number> {
  const v = parsed.values;
  if (typeof v['model'] !== 'string') throw usageError('cxr predict needs a model: add --model DIR (the model/ folder of a run).');
  const modelDir = existingDir(absolute(io.cwd, v['model']), '--model');
  const files = await collectImages(io.cwd, parsed.positionals);
  const backend = await initBackend({ backend: (v['backend'] ?? 'auto') as BackendRequest });
  for (const line of backendLines(backend)) logger.detail(line);
  const { model, metadata } = await loadModel(modelDir);
  try {
    const settings = modelSettings(model, metadata, { dir: modelDir, ...(typeof v['threshold'] === 'number' ? { threshold: v['threshold'] } : {}) });
    const note = thresholdNote(settings, modelDir);
    if (note) io.stderr.write(`cxr predict: ${note}\n`);
    const rejected: Rejection[] = [];
    const records: ImageRecord[] = files.map((path) => ({ path, split: 'test', label: 0, className: '', groupId: basename(path, extname(path)) }));
    const decode = decodeImages({ size: settings.imageSize, fit: settings.fit, onReject: (r) => rejected.push(r) });
    const decoded: Sample[] = [];
    const keep = map((s: Sample) => {
      if (typeof v['cam'] === 'string') decoded.push(s);
      return s;
    });
    const batchSize = typeof v['batch-size'] === 'number' ? v['batch-size'] : 32;
    // Unknown labels: y is NaN, so predictions carry no label.
    const unlabelled = batchesOf(records, (s) => s.pipe(decode, keep), batchSize).pipe(map((b) => ({ ...b, y: new Float32Array(b.y.length).fill(Number.NaN) })));
    const predictions = await predictBatches(model, unlabelled);
    // The model's calibration: probability = sigmoid(logit / temperature) (temperature 1 without one).
    const rows = predictions.map((p) => {
      const probability = typeof p.logit === 'number' ? temperatureScale(p.logit, settings.temperature) : p.probability;
      return { file: p.id, probability, label: settings.classNames[probability >= settings.threshold ? 1 : 0], threshold: settings.threshold };
    });
    if (v['json'] === true) {
      io.stdout.write(`${JSON.stringify({ model: modelDir, threshold: settings.threshold, thresholdSource: settings.thresholdSource, temperature: settings.temperature, predictions: rows, rejected }, null, 2)}\n`);
    } else {
      const shown = rows.map((r) => ({ ...r, file: displayPath(io.cwd, r.file) }));
      const width = Math.max(4, ...shown.map((r) => r.file.length));
      io.stdout.write(`${'file'.padEnd(width)}  probability  label      threshold\n`);
      for (const r of shown) io.stdout.write(`${r.file.padEnd(width)}  ${r.probability.toFixed(4).padStart(11)}  ${r.label.padEnd(9)}  ${r.threshold.toFixed(4)}\n`);
    }
    if (typeof v['cam'] === 'string') {
      const camDir = absolute(io.cwd, v['cam']);
      const written = await writeCams(model, decoded, camDir);
      logger.detail(`${written} Grad-CAM images written to ${camDir}`);
      (v['json'] === true ? io.stderr : io.stdout).write(`Grad-CAM overlays: ${written} PNG file${written === 1 ? '' : 's'} in ${camDir}\n`);
    }
    if (rejected.length > 0) {
      const first = rejected[0] as Rejection;
      io.stderr.write(`cxr predict: ${rejected.length === 1 ? `${first.path} cannot be used (${first.reason.replace(/[.;]+$/, '')})` : `${rejected.length} files cannot be used, e.g. ${first.path} (${first.reason.replace(/[.;]+$/, '')})`}; give valid .jpeg or .png X-rays.\n`);
      return 2;
    }
    return 0;
  } finally {
    model.dispose();
  }
}

function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel.startsWith('..') ? path : rel;
}
