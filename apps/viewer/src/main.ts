import * as tf from '@tensorflow/tfjs';
import { classify, explain, type Classification } from './lib/classify.js';
import { decodeXray, UnusableFile, type DecodedXray } from './lib/decode-file.js';
import { ENGINE_LABELS, startEngine, type EngineName, type EngineState } from './lib/engine.js';
import { readModelSettings, type ViewerModelSettings } from './lib/model-settings.js';
import { displaySize, heatmapOverImage, overlayRgba } from './lib/overlay.js';
import { runSettings, splitFigures } from './lib/run-figures.js';
import { nextSort, sortRows, type SortKey, type SortState } from './lib/sort-rows.js';

/** Side of the thumbnails and Grad-CAM canvases in the table, in CSS pixels. */
const THUMB = 160;

/** One dropped file and what became of it. */
interface ResultRow {
  readonly order: number;
  readonly file: string;
  readonly row: HTMLTableRowElement;
  probability: number | undefined;
  result?: Classification;
  decoded?: DecodedXray;
  cam?: { values: Float32Array; height: number; width: number; peak: number };
  error?: string;
}

/** What the page exposes for scripts and tests (`window.cxrViewer`). */
interface ViewerApi {
  /** Resolves when the engine and the model are ready (rejects when the model cannot be loaded). */
  readonly ready: Promise<void>;
  readonly engine: () => EngineState | undefined;
  readonly settings: () => ViewerModelSettings | undefined;
  /** Classifies files as a drop does; resolves when every row is done. */
  readonly classifyFiles: (files: readonly File[]) => Promise<void>;
  /** Every row so far, in drop order: file, probability, logit, label, or the reason it was not used; with `pixels`, the model's input and the Grad-CAM heatmap too. */
  readonly results: (options?: { pixels?: boolean }) => unknown[];
}

const $ = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
};

const rows: ResultRow[] = [];
let sort: SortState = { key: 'order', descending: false };
let model: tf.LayersModel | undefined;
let settings: ViewerModelSettings | undefined;
let engine: EngineState | undefined;
let queue: Promise<void> = Promise.resolve();

const percent = (v: number | undefined): string => (v === undefined ? '–' : `${(100 * v).toFixed(1)}%`);
const fixed = (v: number | undefined, digits = 3): string => (v === undefined ? '–' : v.toFixed(digits));

function cell(row: HTMLTableRowElement, text: string, className?: string): HTMLTableCellElement {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function message(text: string, kind: 'error' | 'info' = 'error'): void {
  const li = document.createElement('li');
  li.textContent = text;
  li.className = kind;
  $('messages').append(li);
}

function setModelStatus(text: string, error = false): void {
  const status = $('model-status');
  status.textContent = text;
  status.classList.toggle('error', error);
}

/** Where the model comes from: `?model=URL-of-folder/` or the page's own `model/` folder. */
function modelBase(): URL {
  const param = new URLSearchParams(location.search).get('model');
  const base = new URL(param ?? 'model/', document.baseURI);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return base;
}

async function fetchJson(url: URL): Promise<unknown> {
  try {
    const response = await fetch(url);
    if (!response.ok) return undefined;
    return (await response.json()) as unknown;
  } catch {
    return undefined;
  }
}

function showSettings(s: ViewerModelSettings): void {
  const dl = $('model-settings');
  dl.replaceChildren();
  const add = (label: string, value: string): void => {
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = value;
    dd.dataset['field'] = label;
    dl.append(dt, dd);
  };
  add('classes', `${s.classNames[0]} (negative), ${s.classNames[1]} (positive)`);
  add('threshold', `${s.threshold.toFixed(4)} on the probability of ${s.classNames[1]}${s.thresholdRule ? `, chosen on validation by the rule ${s.thresholdRule}` : ''}`);
  if (s.thresholdValidation) add('at the threshold on validation', `sensitivity ${percent(s.thresholdValidation.sensitivity)}, specificity ${percent(s.thresholdValidation.specificity)}${s.thresholdValidation.n ? ` (${s.thresholdValidation.n} images)` : ''}`);
  add('calibration', s.calibrated ? `temperature ${s.temperature.toFixed(4)}: probability = sigmoid(logit / ${s.temperature.toFixed(4)})` : 'none (probability = sigmoid(logit))');
  add('input', `${s.imageSize} x ${s.imageSize} grey pixels, ${s.fit === 'fill' ? 'the X-ray stretched to the square' : 'the X-ray fitted into the square, padded with black'}`);
  if (s.architecture) add('architecture', s.architecture);
  if (s.seed !== undefined) add('seed', String(s.seed));
  if (s.trainedAt) add('trained', s.trainedAt);
  $('probability-heading').textContent = `probability of ${s.classNames[1]}`;
}

function showRun(report: unknown, run: unknown): void {
  const body = $<HTMLTableElement>('figures').tBodies[0] as HTMLTableSectionElement;
  body.replaceChildren();
  const figures = splitFigures(report);
  for (const f of figures) {
    const row = body.insertRow();
    row.dataset['split'] = f.split;
    cell(row, f.split === 'val' ? 'validation' : f.split);
    cell(row, String(f.n), 'number');
    cell(row, f.auc === undefined ? '–' : `${f.auc.toFixed(3)}${f.aucLower !== undefined && f.aucUpper !== undefined ? ` (${f.aucLower.toFixed(3)}-${f.aucUpper.toFixed(3)})` : ''}`, 'number');
    for (const v of [f.accuracy, f.sensitivity, f.specificity]) cell(row, percent(v), 'number');
    cell(row, fixed(f.brier), 'number');
    cell(row, fixed(f.ece), 'number');
  }
  $('figures-note').textContent = figures.length === 0 ? 'No report.json beside the model folder: the run\'s figures are not shown (cxr view serves them from the run folder).' : '';
  const settingsBody = $<HTMLTableElement>('run-settings').tBodies[0] as HTMLTableSectionElement;
  settingsBody.replaceChildren();
  const { rows: runRows } = runSettings(run);
  for (const [label, value] of runRows) {
    const row = settingsBody.insertRow();
    cell(row, label);
    cell(row, value);
  }
  $('run-details').hidden = runRows.length === 0;
}

async function useModel(loaded: tf.LayersModel, report: unknown, run: unknown, source: string): Promise<void> {
  const inputShape = loaded.inputs[0]?.shape ?? [];
  const s = readModelSettings(loaded.getUserDefinedMetadata(), typeof inputShape[1] === 'number' ? inputShape[1] : undefined, source === 'the chosen files' ? 'the chosen model.json' : source);
  // A first pass compiles the engine's kernels, so the first dropped image is not slow.
  tf.tidy(() => loaded.predict(tf.zeros([1, s.imageSize, s.imageSize, 1])));
  model?.dispose();
  model = loaded;
  settings = s;
  showSettings(s);
  showRun(report, run);
  setModelStatus(`Model loaded from ${source}: ${loaded.countParams().toLocaleString('en')} parameters.`);
}

async function loadFromUrl(): Promise<void> {
  const base = modelBase();
  const url = new URL('model.json', base);
  const found = await fetch(url).then(
    (r) => r.ok,
    () => false,
  );
  if (!found) {
    throw new Error(`No model at ${url.pathname}: start the page with \`npx cxr view --model RUN/model\`, or put a run's model/ folder next to this page as model/, or open one below.`);
  }
  let loaded: tf.LayersModel;
  try {
    loaded = await tf.loadLayersModel(url.href);
  } catch (error) {
    throw new Error(`The model at ${url.pathname} cannot be loaded: ${(error as Error).message}`);
  }
  const [report, run] = await Promise.all([fetchJson(new URL('../report.json', base)), fetchJson(new URL('../run.json', base))]);
  await useModel(loaded, report, run, url.pathname);
}

async function loadFromFiles(files: readonly File[]): Promise<void> {
  const json = files.find((f) => f.name === 'model.json');
  if (!json) throw new Error('Choose the model.json of a run\'s model/ folder together with its weights.bin.');
  const weights = files.filter((f) => f.name.endsWith('.bin'));
  if (weights.length === 0) throw new Error(`Choose the weights (weights.bin) together with ${json.name}.`);
  const readJson = async (name: string): Promise<unknown> => {
    const file = files.find((f) => f.name === name);
    if (!file) return undefined;
    try {
      return JSON.parse(await file.text()) as unknown;
    } catch {
      message(`${name} is not valid JSON; the run's figures are not shown.`);
      return undefined;
    }
  };
  let loaded: tf.LayersModel;
  try {
    loaded = await tf.loadLayersModel(tf.io.browserFiles([json, ...weights]));
  } catch (error) {
    throw new Error(`The chosen files do not load as a model: ${(error as Error).message}`);
  }
  await useModel(loaded, await readJson('report.json'), await readJson('run.json'), 'the chosen files');
}

/** Draws grey pixels, and the heatmap over them when given, on a new canvas at most {@link THUMB} pixels wide or high. */
function drawCanvas(decoded: DecodedXray, s: ViewerModelSettings, label: string, heat?: Parameters<typeof heatmapOverImage>[0]): HTMLCanvasElement {
  const size = displaySize(decoded.width, decoded.height, THUMB);
  const canvas = document.createElement('canvas');
  canvas.width = size.width;
  canvas.height = size.height;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', label);
  const over = heat ? heatmapOverImage(heat, decoded.width, decoded.height, s.imageSize, s.fit, decoded.kind === 'jpeg') : undefined;
  const context = canvas.getContext('2d');
  context?.putImageData(new ImageData(overlayRgba(decoded.grey, decoded.width, decoded.height, size.width, size.height, over), size.width, size.height), 0, 0);
  if (heat) canvas.className = 'cam';
  return canvas;
}

async function processFile(entry: ResultRow): Promise<void> {
  const s = settings;
  const m = model;
  if (!s || !m) return;
  const [, thumbCell, , probCell, labelCell, camCell] = Array.from(entry.row.cells) as HTMLTableCellElement[];
  try {
    const decoded = await decodeXray((entry as ResultRow & { source: File }).source, s.imageSize, s.fit);
    entry.decoded = decoded;
    thumbCell?.replaceChildren(drawCanvas(decoded, s, `${entry.file} as decoded`));
    const result = await classify(m, decoded.square, s);
    entry.result = result;
    entry.probability = result.probability;
    if (probCell) probCell.textContent = result.probability.toFixed(4);
    if (labelCell) {
      labelCell.textContent = result.label;
      labelCell.className = result.positive ? 'label-positive' : 'label-negative';
    }
    entry.row.dataset['probability'] = String(result.probability);
    entry.row.dataset['label'] = result.label;
    const cam = await explain(m, decoded.square, s.imageSize);
    const canvas = drawCanvas(decoded, s, `Grad-CAM of ${entry.file}`, cam.heatmap);
    if (cam.peak > 0) camCell?.replaceChildren(canvas);
    else {
      // Nowhere does the feature map raise the positive score: the map is empty, said in words.
      const note = document.createElement('p');
      note.className = 'hint';
      note.textContent = `No region raises the ${s.classNames[1]} score (empty map).`;
      camCell?.replaceChildren(canvas, note);
    }
    entry.row.dataset['camPeak'] = String(cam.peak);
    entry.cam = { ...cam.heatmap, peak: cam.peak };
    entry.row.dataset['state'] = 'done';
  } catch (error) {
    const reason = error instanceof UnusableFile ? error.message : `${entry.file} could not be classified: ${(error as Error).message}`;
    entry.error = reason;
    message(reason);
    entry.row.dataset['state'] = 'rejected';
    if (probCell) probCell.textContent = '–';
    if (labelCell) {
      labelCell.textContent = 'not used';
      labelCell.className = 'rejected';
    }
    camCell?.replaceChildren();
    thumbCell?.replaceChildren();
    const reasonCell = camCell ?? labelCell;
    if (reasonCell) {
      reasonCell.textContent = error instanceof UnusableFile ? error.reason : (error as Error).message;
      reasonCell.className = 'rejected';
    }
  }
  renderOrder();
}

function renderOrder(): void {
  const body = $<HTMLTableElement>('results-table').tBodies[0] as HTMLTableSectionElement;
  const ordered = sortRows(rows, sort);
  body.append(...ordered.map((r) => r.row));
  for (const button of document.querySelectorAll<HTMLButtonElement>('#results-table th button')) {
    const key = button.dataset['sort'];
    if (key === sort.key) button.setAttribute('aria-sort', sort.descending ? 'descending' : 'ascending');
    else button.removeAttribute('aria-sort');
  }
}

function classifyFiles(files: readonly File[]): Promise<void> {
  if (!model || !settings) {
    message('The model is not loaded yet; the files were not classified.');
    return Promise.resolve();
  }
  const body = $<HTMLTableElement>('results-table').tBodies[0] as HTMLTableSectionElement;
  for (const file of files) {
    const row = body.insertRow();
    const entry = Object.assign({ order: rows.length + 1, file: file.name, row, probability: undefined }, { source: file }) as ResultRow;
    row.dataset['file'] = file.name;
    row.dataset['state'] = 'running';
    cell(row, String(entry.order), 'number');
    cell(row, '');
    cell(row, file.name);
    cell(row, '…', 'number');
    cell(row, 'running');
    cell(row, '');
    rows.push(entry);
    queue = queue.then(() => processFile(entry));
  }
  renderOrder();
  return queue;
}

function results(options: { pixels?: boolean } = {}): unknown[] {
  return rows.map((r) => ({
    file: r.file,
    order: r.order,
    ...(r.result ? { probability: r.result.probability, logit: r.result.logit, label: r.result.label } : {}),
    ...(r.error ? { error: r.error } : {}),
    ...(r.decoded ? { width: r.decoded.width, height: r.decoded.height, kind: r.decoded.kind } : {}),
    ...(options.pixels && r.decoded ? { square: Array.from(r.decoded.square) } : {}),
    ...(options.pixels && r.cam ? { cam: { values: Array.from(r.cam.values), height: r.cam.height, width: r.cam.width, peak: r.cam.peak } } : {}),
  }));
}

function wireInputs(): void {
  const zone = $('drop-zone');
  const files = $<HTMLInputElement>('files');
  files.addEventListener('change', () => {
    void classifyFiles(Array.from(files.files ?? []));
    files.value = '';
  });
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    void classifyFiles(Array.from(event.dataTransfer?.files ?? []));
  });
  // A drop anywhere else must not navigate away from the page.
  window.addEventListener('dragover', (event) => event.preventDefault());
  window.addEventListener('drop', (event) => event.preventDefault());
  for (const button of document.querySelectorAll<HTMLButtonElement>('#results-table th button')) {
    button.addEventListener('click', () => {
      sort = nextSort(sort, button.dataset['sort'] as SortKey);
      renderOrder();
    });
  }
  const modelFiles = $<HTMLInputElement>('model-files');
  modelFiles.addEventListener('change', () => {
    const chosen = Array.from(modelFiles.files ?? []);
    modelFiles.value = '';
    loadFromFiles(chosen).catch((error: Error) => setModelStatus(error.message, true));
  });
}

async function start(): Promise<void> {
  $('versions').textContent = `cxr viewer ${__VIEWER_VERSION__}, TensorFlow.js ${__TFJS_VERSION__}.`;
  wireInputs();
  const requested = (new URLSearchParams(location.search).get('engine') ?? 'wasm') as EngineName;
  engine = await startEngine(requested in ENGINE_LABELS ? requested : 'wasm');
  $('engine').textContent = `Engine: ${engine.detail}${engine.available.length > 1 ? ` (also here: ${engine.available.filter((n) => n !== engine?.name).map((n) => ENGINE_LABELS[n]).join(', ')})` : ''}.`;
  const select = $<HTMLSelectElement>('engine-select');
  for (const name of engine.available) select.add(new Option(ENGINE_LABELS[name], name, false, name === engine.name));
  select.disabled = engine.available.length < 2;
  select.addEventListener('change', () => {
    const params = new URLSearchParams(location.search);
    params.set('engine', select.value);
    location.search = params.toString();
  });
  try {
    await loadFromUrl();
  } catch (error) {
    setModelStatus((error as Error).message, true);
    throw error;
  }
}

if ('serviceWorker' in navigator && location.protocol.startsWith('http')) {
  navigator.serviceWorker.register('sw.js').catch(() => undefined);
}

const ready = start();
ready.catch(() => undefined);
const api: ViewerApi = { ready, engine: () => engine, settings: () => settings, classifyFiles, results };
(window as unknown as { cxrViewer: ViewerApi }).cxrViewer = api;
