import * as tf from '@tensorflow/tfjs';
import type { Sample } from '@cxr/loader';
import { drawAugmentParams, previewAugmentation, RandomAugmentLayer, type AugmentOptions, type AugmentParams } from '@cxr/preprocess';

import { contactSheet } from './internal/contact-sheet.js';
import { escapeHtml } from '../internal/html.js';
import { htmlTable, sectionHtml } from './internal/html.js';
import { allLayers, describeLayers } from './internal/model-layers.js';
import { deriveSeed } from './internal/seeded-random.js';
import { dataUri, thumbnailFromGrey, type Thumbnail } from './internal/thumbnail.js';
import { UsageError } from '@cxr/loader/browser';
import { checkInteger, checkSeed } from './internal/validate.js';
import type { ReportSection } from '../report-types.js';

/** Options of {@link augmentationGridSection}. */
export interface AugmentationGridOptions {
  /** Root of the draws: draw `i` uses `deriveSeed(seed, 'augmentation-grid', i)`. Ignored when `seeds` is given. */
  readonly seed?: number;
  /** Number of draws shown. Default 8 (1-32). Ignored when `seeds` is given. */
  readonly count?: number;
  /** The exact seeds of the draws, one tile each (1-32 safe integers). */
  readonly seeds?: readonly number[];
  /** Longest side of each tile, in pixels. Default 160 (16-512). */
  readonly thumbnailSize?: number;
  /** Tiles per row in the PNG. Default 5 (1-16). */
  readonly columns?: number;
}

/** One draw shown in the grid. */
export interface AugmentationDraw {
  readonly seed: number;
  readonly params: AugmentParams;
}

const STAGE = 'augmentationGridSection';

function isModel(x: tf.LayersModel | readonly tf.layers.Layer[]): x is tf.LayersModel {
  return !Array.isArray(x);
}

function resolveSeeds(options: AugmentationGridOptions): number[] {
  if (options.seeds !== undefined) {
    if (!Array.isArray(options.seeds) || options.seeds.length < 1 || options.seeds.length > 32) {
      throw new RangeError(`${STAGE}: seeds must hold 1 to 32 seeds, got ${Array.isArray(options.seeds) ? options.seeds.length : String(options.seeds)}.`);
    }
    return options.seeds.map((s, i) => checkSeed(STAGE, `seeds[${i}]`, s));
  }
  const seed = checkSeed(STAGE, 'seed', options.seed);
  const count = checkInteger(STAGE, 'count', options.count ?? 8, 1, 32);
  return Array.from({ length: count }, (_, i) => deriveSeed(seed, 'augmentation-grid', i));
}

/** `12.3°`, `−4.0°`: signed, one decimal, a real minus sign. */
function formatAngle(degrees: number): string {
  const text = Math.abs(degrees).toFixed(1);
  return `${degrees < 0 && text !== '0.0' ? '−' : degrees > 0 && text !== '0.0' ? '+' : ''}${text}°`;
}

/** `+0.032`, `−0.100`: signed, three decimals, a real minus sign. */
function formatSigned(value: number): string {
  const text = Math.abs(value).toFixed(3);
  return `${value < 0 && Number(text) !== 0 ? '−' : value > 0 && Number(text) !== 0 ? '+' : ''}${text}`;
}

/** A drawn value in a table cell or caption, for any parameter: yes/no, or a number. */
function formatValue(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(3);
  return String(value);
}

/**
 * How the parameters a layer draws are shown: caption text under a tile, and the table column.
 * Parameters not listed here (a new kind of augmentation layer) are shown by their name and value.
 */
const PARAM_VIEWS: Readonly<Record<string, { readonly caption: (v: number | boolean) => string; readonly column: string; readonly cell?: (v: number | boolean) => string }>> = {
  flip: { caption: (v) => `flip ${v === true ? 'yes' : 'no'}`, column: 'flipped' },
  rotationDegrees: { caption: (v) => `angle ${formatAngle(Number(v))}`, column: 'angle (degrees)', cell: (v) => Number(v).toFixed(2) },
  zoom: { caption: (v) => `zoom ${Number(v).toFixed(3)}×`, column: 'zoom factor' },
  shiftX: { caption: (v) => `shift x ${formatSigned(Number(v))}`, column: 'shift x (of width)' },
  shiftY: { caption: (v) => `shift y ${formatSigned(Number(v))}`, column: 'shift y (of height)' },
  gamma: { caption: (v) => `gamma ${Number(v).toFixed(3)}`, column: 'gamma' },
  contrast: { caption: (v) => `contrast ${Number(v).toFixed(3)}×`, column: 'contrast factor' },
  brightness: { caption: (v) => `brightness ${formatSigned(Number(v))}`, column: 'brightness (image std)' },
  noise: { caption: (v) => `noise ${Number(v).toFixed(3)}`, column: 'noise (image std)' },
};

/** How a layer's range is described in words; options not listed are shown by name and value. */
const RANGE_WORDS: Readonly<Record<string, (v: number) => string>> = {
  flip: () => 'flip left-right (half of the images)',
  rotationDegrees: (v) => `rotation uniform in ±${v}°`,
  zoom: (v) => `zoom factor uniform in [${(1 - v).toFixed(2)}, ${(1 + v).toFixed(2)}]`,
  shift: (v) => `shift uniform in ±${v} of the width and of the height`,
  gamma: (v) => `gamma exponent in [${(1 / (1 + v)).toFixed(2)}, ${(1 + v).toFixed(2)}]`,
  contrast: (v) => `contrast factor uniform in [${(1 - v).toFixed(2)}, ${(1 + v).toFixed(2)}]`,
  brightness: (v) => `brightness offset uniform in ±${v} image standard deviations`,
  noise: (v) => `Gaussian noise of up to ${v} image standard deviations`,
};

/** True when an augmentation option is switched on (a true flag or a positive range). */
function isOn(value: unknown): boolean {
  return value === true || (typeof value === 'number' && value > 0);
}

/** The ranges the layers draw from, in words, e.g. `flip left-right; rotation uniform in ±10° (layer “rot”, CxrRandomRotation)`. */
function describeRanges(layers: readonly RandomAugmentLayer[]): string {
  return layers
    .map((l) => {
      const what = Object.entries(l.augmentOptions() as Readonly<Record<string, unknown>>)
        .filter(([, v]) => isOn(v))
        .map(([k, v]) => (RANGE_WORDS[k] ?? ((x: number) => `${k} ${formatValue(x)}`))(Number(v)));
      return `${what.join(', ') || 'no change'} (layer “${l.name}”, ${l.getClassName()})`;
    })
    .join('; ');
}

/**
 * The options of all the layers together (a flag on when any layer has it, the widest range), and
 * the same options all switched off: drawing with the latter from a draw's seed gives the
 * parameters that change nothing, to tell which drawn parameters the layers actually use.
 */
function combinedOptions(layers: readonly RandomAugmentLayer[]): { on: AugmentOptions; off: AugmentOptions } {
  const on: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer.augmentOptions() as Readonly<Record<string, unknown>>)) {
      const before = on[k];
      on[k] = typeof v === 'boolean' ? before === true || v : typeof v === 'number' ? Math.max(typeof before === 'number' ? before : 0, v) : v;
    }
  }
  const off = Object.fromEntries(Object.entries(on).map(([k, v]) => [k, typeof v === 'boolean' ? false : typeof v === 'number' ? 0 : v]));
  return { on: on as AugmentOptions, off: off as AugmentOptions };
}

/**
 * The drawn parameters worth showing, in the order the parameters come: those whose option of the
 * same name is on, and those that differ, in some draw, from what the switched-off options draw
 * from the same seed (so a new kind of layer shows its parameters without a change here).
 */
function shownParams(draws: readonly AugmentationDraw[], options: { on: AugmentOptions; off: AugmentOptions }): string[] {
  const first = draws[0];
  if (first === undefined) return [];
  const on = options.on as Readonly<Record<string, unknown>>;
  const keys = Object.keys(first.params);
  const identities = draws.map((d) => drawAugmentParams(d.seed, options.off) as unknown as Readonly<Record<string, unknown>>);
  return keys.filter((k) => isOn(on[k]) || draws.some((d, i) => (d.params as unknown as Readonly<Record<string, unknown>>)[k] !== identities[i]?.[k]));
}

function paramLines(p: AugmentParams, keys: readonly string[]): string[] {
  const params = p as unknown as Readonly<Record<string, number | boolean>>;
  return keys.map((k) => {
    const view = PARAM_VIEWS[k];
    const value = params[k] as number | boolean;
    return view ? view.caption(value) : `${k} ${formatValue(value)}`;
  });
}

function paramCells(p: AugmentParams, keys: readonly string[]): string[] {
  const params = p as unknown as Readonly<Record<string, number | boolean>>;
  return keys.map((k) => {
    const cell = PARAM_VIEWS[k]?.cell;
    const value = params[k] as number | boolean;
    return cell ? cell(value) : formatValue(value);
  });
}

/** Grey uint8 pixels of an `[h, w, c]` tensor (first channel), clamped and rounded. */
function toGreyBytes(image: tf.Tensor): { pixels: Uint8Array; height: number; width: number } {
  const [height = 1, width = 1] = image.shape;
  const data = tf.tidy(() => {
    const first = image.rank === 3 ? image.slice([0, 0, 0], [height, width, 1]) : image;
    return first.clipByValue(0, 255).round().dataSync();
  });
  return { pixels: Uint8Array.from(data), height, width };
}

/**
 * One training image under several draws of the model's own augmentation layers, with the drawn
 * parameters (e.g. angle in degrees, zoom factor, flip) printed under each tile, as a report section.
 *
 * Uses `@cxr/preprocess`'s `previewAugmentation`: it collects the model's random layers (every
 * `RandomAugmentLayer`, whatever its kind, nested models included), draws one set of parameters
 * per seed from their ranges and applies each layer's own `applyParams`, so the tiles show exactly
 * what training does for those draws. The layers are read generically: the ranges come from each
 * layer's `augmentOptions()`, and the parameters shown are those the layers use (their option is
 * on, or the draw differs from a draw with every option off), so a new kind of layer appears
 * without a change here. A wrong unit or range (a "10" meaning ten full turns) is visible at a glance. Given a model, the image is first resized to the model's input
 * size (bilinear), as the pipeline feeds it. The first tile is the image unchanged. The grid is also
 * returned as `augmentation-grid.png`. Every tensor it creates is disposed.
 *
 * @example
 * ```ts
 * const section = await augmentationGridSection(model, trainSamples[0], { seed: deriveSeed(root, 'report'), count: 8 });
 * ```
 * @param modelOrLayers a model, or its layers, containing the augmentation layers.
 * @param image one decoded grey image.
 * @param options `seed` (required unless `seeds`), `count` (8), `seeds`, `thumbnailSize` (160), `columns` (5).
 * @returns the section (`id: 'augmentation-grid'`) and the draws shown.
 * @throws TypeError/RangeError for invalid options; a `CXR_USAGE` error when there is no augmentation layer.
 */
export async function augmentationGridSection(
  modelOrLayers: tf.LayersModel | readonly tf.layers.Layer[],
  image: Sample,
  options: AugmentationGridOptions,
): Promise<ReportSection & { readonly draws: readonly AugmentationDraw[] }> {
  const seeds = resolveSeeds(options);
  const thumbnailSize = checkInteger(STAGE, 'thumbnailSize', options.thumbnailSize ?? 160, 16, 512);
  const columns = checkInteger(STAGE, 'columns', options.columns ?? 5, 1, 16);
  if (image === null || typeof image !== 'object' || !(image.pixels instanceof Uint8Array) || image.pixels.length !== image.height * image.width) {
    throw new TypeError(`${STAGE}: image must be a decoded grey sample (pixels of height * width bytes).`);
  }

  const layers = isModel(modelOrLayers)
    ? allLayers(modelOrLayers)
    : modelOrLayers.flatMap((l) => (Array.isArray((l as { layers?: unknown }).layers) ? [l, ...allLayers(l as unknown as tf.LayersModel)] : [l]));
  const random = layers.filter((l): l is RandomAugmentLayer => l instanceof RandomAugmentLayer);
  if (random.length === 0) {
    const where = isModel(modelOrLayers) ? `the model's layers are ${describeLayers(modelOrLayers)}` : `${layers.length} layers given`;
    throw new UsageError(`${STAGE}: there is no augmentation layer (a RandomAugmentLayer of @cxr/preprocess, such as flip, rotation or zoom); ${where}.`);
  }

  const inputShape = isModel(modelOrLayers) ? modelOrLayers.inputs[0]?.shape : undefined;
  const height = inputShape?.[1] ?? image.height;
  const width = inputShape?.[2] ?? image.width;
  const source = tf.tidy(() => {
    const t = tf.tensor3d(image.pixels, [image.height, image.width, 1], 'float32');
    return height === image.height && width === image.width ? t : tf.image.resizeBilinear(t, [height, width]);
  });

  const thumbs: Thumbnail[] = [];
  const draws: AugmentationDraw[] = [];
  try {
    const original = toGreyBytes(source);
    thumbs.push(await thumbnailFromGrey(original.pixels, original.width, original.height, { size: thumbnailSize, format: 'jpeg', enlarge: true }));
    for (const seed of seeds) {
      const preview = previewAugmentation(random, source, seed);
      let bytes: { pixels: Uint8Array; height: number; width: number };
      try {
        bytes = toGreyBytes(preview.image);
      } finally {
        preview.image.dispose();
      }
      draws.push({ seed, params: preview.params });
      thumbs.push(await thumbnailFromGrey(bytes.pixels, bytes.width, bytes.height, { size: thumbnailSize, format: 'jpeg', enlarge: true }));
    }
  } finally {
    source.dispose();
  }
  const keys = shownParams(draws, combinedOptions(random));
  const tiles: { image: Thumbnail; caption: string[] }[] = thumbs.map((t, i) => {
    const draw = draws[i - 1];
    return { image: t, caption: draw === undefined ? ['original', `${width}×${height}`] : paramLines(draw.params, keys) };
  });

  const name = image.record.path.split(/[\\/]/).pop() ?? image.record.path;
  const png = await contactSheet(tiles, { title: `Augmentation draws of ${name}`, tileSize: thumbnailSize, columns, maxCaptionLines: Math.max(2, keys.length) });
  const figures = tiles
    .map(
      (t, i) =>
        `<figure style="--tile:${thumbnailSize}px"><img alt="${i === 0 ? 'original' : `draw ${i}`}" width="${t.image.width}" height="${t.image.height}" src="${dataUri(t.image)}"><figcaption>${t.caption
          .filter((l) => l.length > 0)
          .map(escapeHtml)
          .join('<br>')}</figcaption></figure>`,
    )
    .join('');
  const title = 'Augmentation: one image, several draws';
  const body = `<p class="note">${escapeHtml(name)} (${escapeHtml(image.record.className)}, ${escapeHtml(image.record.split)}) at the model's input size ${width}×${height}, under ${draws.length} draws of the model's own augmentation layers: ${escapeHtml(describeRanges(random))}.${keys.includes('rotationDegrees') ? ' Angles are in degrees (positive turns the image counter-clockwise).' : ''}${keys.includes('zoom') ? ' Zoom above 1 enlarges the content.' : ''}</p>
<div class="grid">${figures}</div>
${htmlTable(
  ['draw', 'seed', ...keys.map((k) => PARAM_VIEWS[k]?.column ?? k)],
  draws.map((d, i) => [String(i + 1), String(d.seed), ...paramCells(d.params, keys)]),
)}`;
  return {
    id: 'augmentation-grid',
    title,
    html: sectionHtml('augmentation-grid', title, body),
    files: [{ name: 'augmentation-grid.png', data: png }],
    draws,
  };
}
