import { statSync } from 'node:fs';
import { basename, extname, relative } from 'node:path';
import { temperatureScale } from '@cxr/eval';
import { decodeImages, decodeSettingsKey, findImageFiles, UsageError } from '@cxr/loader';
import { cacheSamples, openSampleCache, type Batch, type Demand } from '@cxr/preprocess';
import { resolveCacheFolder } from '../cache-choice.js';
import type { ImageRecord, Rejection, Sample } from '@cxr/loader';
import { map, type Observable } from 'rxjs';
import type { ParsedCommand } from '../args.js';
import type { CommandContext } from '../context.js';
import { absolute, existingDir } from '../paths.js';
import { batchesOf, predictBatches } from '../predictions.js';
import { openModelForCommand } from './shared.js';
import { camPaths, writeCams } from './cams.js';

/** The image files named on the command line: files as given, folders searched recursively (sorted; symlinks followed, each folder once). */
export async function collectImages(cwd: string, args: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const arg of args) {
    const path = absolute(cwd, arg);
    let stat;
    try {
      stat = statSync(path);
    } catch {
      throw new UsageError(`${path} does not exist; give image files (.jpeg, .jpg, .png, DICOM) or folders of them.`);
    }
    if (stat.isDirectory()) {
      const found = await findImageFiles(path);
      if (found.length === 0) throw new UsageError(`The folder ${path} holds no .jpeg, .jpg, .png or DICOM file; give images or folders of images.`);
      files.push(...found);
    } else files.push(path);
  }
  return [...new Set(files)];
}

/** `cxr predict --model DIR <files or folders> [--json] [--cam DIR]`. */
export async function runPredict(parsed: ParsedCommand, { io, logger }: CommandContext): Promise<number> {
  const v = parsed.values;
  if (typeof v['model'] !== 'string') throw new UsageError('cxr predict needs a model: add --model DIR (the model/ folder of a run).');
  const modelDir = existingDir(absolute(io.cwd, v['model']), '--model');
  const files = await collectImages(io.cwd, parsed.positionals);
  const { model, settings } = await openModelForCommand('predict', modelDir, v, { io, logger });
  try {
    const rejected: Rejection[] = [];
    const records: ImageRecord[] = files.map((path) => ({ path, split: 'test', label: 0, className: '', groupId: basename(path, extname(path)) }));
    // Folders of images go through the disk cache (a second run decodes nothing); one pass, so nothing is kept in memory.
    const cache = resolveCacheFolder(v, io.env, io.cwd);
    const decodeSettings = { size: settings.imageSize, fit: settings.fit };
    const decoder = decodeImages({ ...decodeSettings, onReject: (r) => rejected.push(r) });
    const decode = cache.dir === null ? decoder : cacheSamples({ mode: 'disk', dir: cache.dir, settingsKey: decodeSettingsKey(decodeSettings) }, decoder);
    const decoded: Sample[] = [];
    const keep = map((s: Sample) => {
      if (typeof v['cam'] === 'string') decoded.push(s);
      return s;
    });
    const batchSize = typeof v['batch-size'] === 'number' ? v['batch-size'] : 32;
    // Unknown labels: y is NaN, so predictions carry no label.
    const batches = batchesOf(records, (s) => s.pipe(decode, keep), batchSize);
    const unlabelled = (demand: Demand): Observable<Batch> => batches(demand).pipe(map((b) => ({ ...b, y: new Float32Array(b.y.length).fill(Number.NaN) })));
    const predictions = await predictBatches(model, unlabelled);
    if (cache.dir !== null) openSampleCache(cache.dir).flush();
    // --cam: the overlays are written first, so every row can name its file.
    const camDir = typeof v['cam'] === 'string' ? absolute(io.cwd, v['cam']) : undefined;
    const cams = camDir === undefined ? undefined : camPaths(files, camDir);
    if (camDir !== undefined && cams !== undefined) {
      const written = await writeCams(model, decoded, cams, { size: settings.imageSize, fit: settings.fit });
      logger.detail(`${written} Grad-CAM images written to ${camDir}`);
    }
    // The model's calibration: probability = sigmoid(logit / temperature) (temperature 1 without one).
    const rows = predictions.map((p) => {
      const probability = typeof p.logit === 'number' ? temperatureScale(p.logit, settings.temperature) : p.probability;
      const cam = cams?.get(p.id);
      return { file: p.id, probability, label: settings.classNames[probability >= settings.threshold ? 1 : 0], threshold: settings.threshold, ...(cam === undefined ? {} : { cam }) };
    });
    // In the order the files were given (decoding runs several at once, so rejections come in any order).
    const order = new Map(files.map((file, i) => [file, i]));
    const unusable = rejected.map((r: Rejection) => ({ path: r.path, reason: r.reason })).sort((a, b) => (order.get(a.path) ?? 0) - (order.get(b.path) ?? 0));
    if (v['json'] === true) {
      io.stdout.write(`${JSON.stringify({ model: modelDir, threshold: settings.threshold, thresholdSource: settings.thresholdSource, temperature: settings.temperature, predictions: rows, rejected: unusable }, null, 2)}\n`);
    } else if (rows.length > 0) {
      const shown = rows.map((r) => ({ ...r, file: displayPath(io.cwd, r.file), cam: r.cam === undefined ? undefined : displayPath(io.cwd, r.cam) }));
      const width = Math.max(4, ...shown.map((r) => r.file.length));
      io.stdout.write(`${'file'.padEnd(width)}  probability  label      threshold${cams ? '  cam' : ''}\n`);
      for (const r of shown) io.stdout.write(`${r.file.padEnd(width)}  ${r.probability.toFixed(4).padStart(11)}  ${r.label.padEnd(9)}  ${r.threshold.toFixed(4)}${r.cam === undefined ? '' : `     ${r.cam}`}\n`);
    }
    if (camDir !== undefined && rows.length > 0) {
      (v['json'] === true ? io.stderr : io.stdout).write(`Grad-CAM overlays: ${rows.length} PNG file${rows.length === 1 ? '' : 's'} under ${camDir}, each named after its image (the cam column${v['json'] === true ? ', "cam" in the JSON' : ''}), with a colour scale below the X-ray.\n`);
    }
    if (unusable.length > 0) {
      const reason = (r: { reason: string }): string => r.reason.replace(/[.;]+$/, '');
      const first = unusable[0] as { path: string; reason: string };
      io.stderr.write(
        unusable.length === 1
          ? `cxr predict: ${first.path} cannot be used (${reason(first)}); give valid .jpeg, .png or DICOM X-rays.\n`
          : `cxr predict: ${unusable.length} files cannot be used (listed below); give valid .jpeg, .png or DICOM X-rays.\n${unusable.map((r) => `  ${r.path}: ${reason(r)}\n`).join('')}`,
      );
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
