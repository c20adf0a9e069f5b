import * as tf from '@tensorflow/tfjs';
import type { Sample } from '@cxr/loader';
import { previewAugmentation, RandomAugmentLayer, type AugmentParams } from '@cxr/preprocess';

import { contactSheet } from './internal/contact-sheet.js';
import { escapeHtml, htmlTable } from './internal/html.js';
import { allLayers, describeLayers } from './internal/model-layers.js';
import { sectionHtml } from './internal/section.js';
import { deriveSeed } from './internal/seeded-random.js';
import { dataUri, thumbnailFromGrey, type Thumbnail } from './internal/thumbnail.js';
import { usageError } from '../internal/usage-error.js';
import { checkInteger, checkSeed } from './internal/validate.js';
import type { DataViewSection } from './types.js';

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

function paramLines(p: AugmentParams): string[] {
  return [`angle ${formatAngle(p.rotationDegrees)}`, `zoom ${p.zoom.toFixed(3)}×`, `flip ${p.flip ? 'yes' : 'no'}`];
}

/** The ranges the layers draw from, in words, e.g. `flip left-right; rotation ±10° (CxrRandomRotation "rot")`. */
function describeRanges(layers: readonly RandomAugmentLayer[]): string {
  return layers
    .map((l) => {
      const o = l.augmentOptions();
      const what: string[] = [];
      if (o.flip) what.push('flip left-right (half of the images)');
      if (o.rotationDegrees > 0) what.push(`rotation uniform in ±${o.rotationDegrees}°`);
      if (o.zoom > 0) what.push(`zoom factor uniform in [${(1 - o.zoom).toFixed(2)}, ${(1 + o.zoom).toFixed(2)}]`);
      return `${what.join(', ') || 'no change'} (layer “${l.name}”, ${l.getClassName()})`;
    })
    .join('; ');
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
 * parameters (angle in degrees, zoom factor, flip) printed under each tile, as a report section.
 *
 * Uses `@cxr/preprocess`'s `previewAugmentation`: it collects the model's random layers
 * (`RandomAugmentLayer`s: flip, rotation, zoom, nested models included), draws one set of
 * parameters per seed from their ranges and applies each layer's own `applyParams`, so the tiles
 * show exactly what training does for those draws. A wrong unit or range (a "10" meaning ten full
 * turns) is visible at a glance. Given a model, the image is first resized to the model's input
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
): Promise<DataViewSection & { readonly draws: readonly AugmentationDraw[] }> {
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
    throw usageError(`${STAGE}: there is no augmentation layer (flip, rotation or zoom from @cxr/preprocess); ${where}.`);
  }

  const inputShape = isModel(modelOrLayers) ? modelOrLayers.inputs[0]?.shape : undefined;
  const height = inputShape?.[1] ?? image.height;
  const width = inputShape?.[2] ?? image.width;
  const source = tf.tidy(() => {
    const t = tf.tensor3d(image.pixels, [image.height, image.width, 1], 'float32');
    return height === image.height && width === image.width ? t : tf.image.resizeBilinear(t, [height, width]);
  });

  const tiles: { image: Thumbnail; caption: string[] }[] = [];
  const draws: AugmentationDraw[] = [];
  try {
    const original = toGreyBytes(source);
    tiles.push({
      image: await thumbnailFromGrey(original.pixels, original.width, original.height, { size: thumbnailSize, format: 'jpeg', enlarge: true }),
      caption: ['original', `${width}×${height}`, ''],
    });
    for (const seed of seeds) {
      const preview = previewAugmentation(random, source, seed);
      let bytes: { pixels: Uint8Array; height: number; width: number };
      try {
        bytes = toGreyBytes(preview.image);
      } finally {
        preview.image.dispose();
      }
      draws.push({ seed, params: preview.params });
      tiles.push({
        image: await thumbnailFromGrey(bytes.pixels, bytes.width, bytes.height, { size: thumbnailSize, format: 'jpeg', enlarge: true }),
        caption: paramLines(preview.params),
      });
    }
  } finally {
    source.dispose();
  }

  const name = image.record.path.split(/[\\/]/).pop() ?? image.record.path;
  const png = await contactSheet(tiles, { title: `Augmentation draws of ${name}`, tileSize: thumbnailSize, columns, maxCaptionLines: 3 });
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
  const body = `<p class="note">${escapeHtml(name)} (${escapeHtml(image.record.className)}, ${escapeHtml(image.record.split)}) at the model's input size ${width}×${height}, under ${draws.length} draws of the model's own augmentation layers: ${escapeHtml(describeRanges(random))}. Angles are in degrees (positive turns the image counter-clockwise); zoom above 1 enlarges the content.</p>
<div class="grid">${figures}</div>
${htmlTable(
  ['draw', 'seed', 'angle (degrees)', 'zoom factor', 'flipped'],
  draws.map((d, i) => [String(i + 1), String(d.seed), d.params.rotationDegrees.toFixed(2), d.params.zoom.toFixed(3), d.params.flip ? 'yes' : 'no']),
)}`;
  return {
    id: 'augmentation-grid',
    title,
    html: sectionHtml('augmentation-grid', title, body),
    files: [{ name: 'augmentation-grid.png', data: png }],
    draws,
  };
}
