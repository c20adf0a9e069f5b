import * as tf from '@tensorflow/tfjs';
import type { Sample } from '@cxr/loader';
import { StandardizeLayer } from '@cxr/preprocess';

import { histogramChartSpec, renderDataChart } from './internal/charts.js';
import { escapeHtml } from '../internal/html.js';
import { htmlTable, sectionHtml, svgImg } from './internal/html.js';
import { describeLayers, findLayersByClass, layerClassName, tapLayer } from './internal/model-layers.js';
import { histogram, moments, type Moments } from './internal/pixel-stats.js';
import { deriveSeed, pickSeeded } from './internal/seeded-random.js';
import { dataUri, thumbnailFromGrey } from './internal/thumbnail.js';
import { UsageError } from '@cxr/loader/browser';
import { checkInteger, checkSeed } from './internal/validate.js';
import type { ReportSection } from '../report-types.js';

/** Options of {@link pixelHistogramSection}. */
export interface PixelHistogramOptions {
  /** Seed that chooses which of the given images are shown (the app derives it from the root seed). */
  readonly seed: number;
  /** How many images to show, chosen at random among those given. Default 4 (1-16). */
  readonly count?: number;
  /** Histogram bins. Default 64 (2-512). */
  readonly bins?: number;
  /** Longest side of the embedded thumbnails, in pixels. Default 128 (16-512). */
  readonly thumbnailSize?: number;
  /**
   * How many training images the given ones were drawn from, for the note under the title (when the
   * caller decoded a random few of a larger set). Default: the number of images given.
   */
  readonly population?: number;
  /**
   * Class names that identify the standardization layer in the model.
   * Default: the class name of `@cxr/preprocess`'s standardization layer.
   */
  readonly layerClassNames?: readonly string[];
}

const STAGE = 'pixelHistogramSection';

/** The class name `@cxr/preprocess` registers its standardization layer under (`CxrStandardize`). */
const STANDARDIZE_CLASS_NAMES: readonly string[] = [StandardizeLayer.className];

/** What {@link pixelHistogramSection} measured, for tests and for the report's JSON. */
export interface PixelHistogramStats {
  readonly image: string;
  readonly before: Moments;
  readonly after: Moments;
}

function imageName(sample: Sample): string {
  return sample.record.path.split(/[\\/]/).pop() ?? sample.record.path;
}

/** Builds the NHWC input batch the model expects from grey samples (resized, channels repeated). */
function inputBatch(model: tf.LayersModel, samples: readonly Sample[]): tf.Tensor4D {
  const shape = model.inputs[0]?.shape ?? [];
  const [, height, width, channels] = shape;
  if (shape.length !== 4) {
    throw new UsageError(`${STAGE}: the model takes input of shape [${shape.join(', ')}], not images (expected [batch, height, width, channels]).`);
  }
  return tf.tidy(() => {
    const images = samples.map((s) => {
      let t: tf.Tensor3D = tf.tensor3d(s.pixels, [s.height, s.width, 1], 'float32');
      if ((height != null && height !== s.height) || (width != null && width !== s.width)) {
        t = tf.image.resizeBilinear(t, [height ?? s.height, width ?? s.width]);
      }
      return channels != null && channels > 1 ? tf.tile(t, [1, 1, channels]) : t;
    });
    const batch = tf.stack(images) as tf.Tensor4D;
    return model.inputs[0]?.dtype === 'int32' ? batch.round().toInt() : batch;
  });
}

function statsRow(s: PixelHistogramStats): (string | number)[] {
  const f = (v: number): string => (Number.isFinite(v) ? (Math.abs(v) < 5e-4 ? 0 : v).toFixed(3) : 'n/a');
  return [s.image, f(s.before.mean), f(s.before.std), f(s.before.min), f(s.before.max), f(s.after.mean), f(s.after.std), f(s.after.min), f(s.after.max)];
}

/**
 * The pixel-value histograms of a few training images before and after the model's own
 * standardization layer, as a report section.
 *
 * Chooses `count` of the given images at random (seeded), runs them through the model up to its
 * standardization layer (the `@cxr/preprocess` custom layer found by class name in
 * `model.layers`, nested models included) and reads what the layer receives and what it returns:
 * nothing is re-implemented, so what the page shows is what training feeds the network. Images are
 * resized to the model's input size (bilinear) and grey is repeated over its channels, as the
 * pipeline does. The section holds the thumbnails, the two histogram charts (one line per image)
 * and a table of mean, std, min and max per image before and after; the chart is also returned as
 * `pixel-histograms.png`. Runs in inference mode, so augmentation layers are inactive; every
 * tensor it creates is disposed.
 *
 * @example
 * ```ts
 * const section = await pixelHistogramSection(model, trainSamples.slice(0, 64), { seed: deriveSeed(root, 'report') });
 * // section.html goes into report.html; section.files into plots/
 * ```
 * @param model a built model containing the standardization layer.
 * @param images decoded training images (any size; one grey channel).
 * @param options `seed` (required), `count` (4), `bins` (64), `thumbnailSize` (128), `population`
 *   (the number of images given), `layerClassNames`.
 * @returns the section (`id: 'pixel-histograms'`), its measured statistics (`stats`) and the images
 *   shown (`shown`; e.g. pass `shown[0]` to `augmentationGridSection`).
 * @throws TypeError/RangeError for invalid options or no images; a `CXR_USAGE` error when the model
 *   has no standardization layer.
 */
export async function pixelHistogramSection(
  model: tf.LayersModel,
  images: readonly Sample[],
  options: PixelHistogramOptions,
): Promise<ReportSection & { readonly stats: readonly PixelHistogramStats[]; readonly shown: readonly Sample[] }> {
  const seed = checkSeed(STAGE, 'seed', options.seed);
  const count = checkInteger(STAGE, 'count', options.count ?? 4, 1, 16);
  const bins = checkInteger(STAGE, 'bins', options.bins ?? 64, 2, 512);
  const thumbnailSize = checkInteger(STAGE, 'thumbnailSize', options.thumbnailSize ?? 128, 16, 512);
  const classNames = options.layerClassNames ?? STANDARDIZE_CLASS_NAMES;
  if (!Array.isArray(images) || images.length === 0) throw new RangeError(`${STAGE}: images must be a non-empty array of samples.`);
  const population = checkInteger(STAGE, 'population', options.population ?? images.length, images.length, Number.MAX_SAFE_INTEGER);
  images.forEach((s, i) => {
    if (s === null || typeof s !== 'object' || !(s.pixels instanceof Uint8Array) || !(s.height > 0 && s.width > 0) || s.pixels.length !== s.height * s.width) {
      throw new TypeError(`${STAGE}: images[${i}] must be a decoded grey sample (pixels of height * width bytes).`);
    }
  });

  const layers = findLayersByClass(model, classNames);
  const layer = layers[0];
  if (layer === undefined) {
    throw new UsageError(
      `${STAGE}: the model has no standardization layer (class ${classNames.join(' or ')}); its layers are ${describeLayers(model)}. Build the model with @cxr/preprocess's layers.`,
    );
  }

  const chosen = pickSeeded(images, count, deriveSeed(seed, STAGE));
  const x = inputBatch(model, chosen);
  let beforeValues: Float32Array[];
  let afterValues: Float32Array[];
  try {
    const [before, after] = tapLayer(model, x, layer);
    try {
      const perImage = (t: tf.Tensor): Float32Array[] => {
        const data = t.dataSync() as Float32Array;
        const n = t.shape[0] ?? 1;
        const size = data.length / n;
        return Array.from({ length: n }, (_, i) => Float32Array.from(data.subarray(i * size, (i + 1) * size)));
      };
      beforeValues = perImage(before);
      afterValues = perImage(after);
    } finally {
      before.dispose();
      after.dispose();
    }
  } finally {
    x.dispose();
  }

  const names = chosen.map(imageName);
  const stats: PixelHistogramStats[] = chosen.map((_, i) => ({
    image: names[i] as string,
    before: moments(beforeValues[i] as Float32Array),
    after: moments(afterValues[i] as Float32Array),
  }));
  const range = (which: 'before' | 'after'): [number, number] => [
    Math.min(...stats.map((s) => s[which].min)),
    Math.max(...stats.map((s) => s[which].max)),
  ];
  const [bLo, bHi] = range('before');
  const [aLo, aHi] = range('after');
  const series = (values: Float32Array[], lo: number, hi: number) =>
    values.map((v, i) => ({ name: names[i] as string, histogram: histogram(v, bins, lo, hi) }));

  const where = `layer “${layer.name}” (${layerClassName(layer)})`;
  const chart = await renderDataChart({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    hconcat: [
      histogramChartSpec('Before standardization', `pixel value into ${layer.name}`, series(beforeValues, bLo, bHi)),
      histogramChartSpec('After standardization', `pixel value out of ${layer.name}`, series(afterValues, aLo, aHi)),
    ],
    resolve: { scale: { color: 'shared' } },
  });

  const thumbs = await Promise.all(
    chosen.map(async (s, i) => {
      const t = await thumbnailFromGrey(s.pixels, s.width, s.height, { size: thumbnailSize, format: 'jpeg' });
      return `<figure style="--tile:${thumbnailSize}px"><img alt="${escapeHtml(names[i] as string)}" width="${t.width}" height="${t.height}" src="${dataUri(t)}"><figcaption>${escapeHtml(names[i] as string)}</figcaption></figure>`;
    }),
  );

  const title = 'Pixel values before and after standardization';
  const body = `<p class="note">${chosen.length} of ${population.toLocaleString('en-US')} training images, chosen at random (seed ${seed}). “Before” is what the model's ${escapeHtml(where)} receives, “after” is what it returns, computed by running this model's own layer.</p>
<div class="grid">${thumbs.join('')}</div>
${svgImg(chart.svg, 'Histograms of pixel values before and after standardization')}
${htmlTable(['image', 'mean before', 'std before', 'min before', 'max before', 'mean after', 'std after', 'min after', 'max after'], stats.map(statsRow))}`;
  return {
    id: 'pixel-histograms',
    title,
    html: sectionHtml('pixel-histograms', title, body),
    files: [{ name: 'pixel-histograms.png', data: chart.png }],
    stats,
    shown: chosen,
  };
}
