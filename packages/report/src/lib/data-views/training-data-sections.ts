import { decodeImage, isUsageError } from '@cxr/loader';
import type { ImageRecord, Sample } from '@cxr/loader';
import { deriveSeed, seededPermutation } from '@cxr/preprocess';
import type { LayersModel } from '@tensorflow/tfjs';

import type { ReportSection } from '../report-types.js';
import { augmentationGridSection } from './augmentation-grid-section.js';
import { noteSection } from './note-section.js';
import { pixelHistogramSection } from './pixel-histogram-section.js';

/** What {@link trainingDataSections} reads; a training run's report input has all of it. */
export interface TrainingDataSectionsOptions {
  /** The trained model: its own standardization and augmentation layers are what the sections show. */
  readonly model: LayersModel;
  /** The run's records after the re-split; the training images are those with `split: 'train'`. */
  readonly records?: readonly ImageRecord[];
  /** Decode settings of the run (the images are decoded as training decoded them). */
  readonly decode: { readonly size: number; readonly fit: 'fill' | 'contain' };
  /** The report's seed (derived from the root seed): the same seed shows the same images and draws. */
  readonly seed: number;
  /** Told why a view was replaced by a note (the model lacks the layer), for a log. Default: nothing. */
  readonly onNote?: (message: string) => void;
}

/** Training images shown in the pixel histograms. */
const HISTOGRAM_IMAGES = 4;
/** Augmentation draws shown for one image. */
const AUGMENTATION_DRAWS = 9;

/**
 * The training report's data sections: pixel-value histograms of a few training images before and
 * after the model's own standardization layer (`pixel-histograms`), and one of them under several
 * draws of the model's own augmentation layers, with the drawn parameters (`augmentation-grid`).
 *
 * Takes `HISTOGRAM_IMAGES` training records chosen at random from a seed derived from `seed`,
 * decodes them with `@cxr/loader`'s `decodeImage` and the run's decode settings, and hands them to
 * {@link pixelHistogramSection} and {@link augmentationGridSection} (which read the layers from the
 * model, so whatever augmentation layers the model has are shown). A model without a standardization
 * or augmentation layer gets a one-line section saying so instead ({@link noteSection}). Returns no
 * section when no record is a training record.
 *
 * @example
 * ```ts
 * const sections = [audit, ...(await trainingDataSections({ model, records, decode, seed }))];
 * ```
 * @throws what decoding or the sections throw for other reasons than a missing layer (a file that
 *   vanished since the run decoded it: a `CXR_USAGE` error naming it).
 */
export async function trainingDataSections(input: TrainingDataSectionsOptions): Promise<ReportSection[]> {
  const train = (input.records ?? []).filter((r) => r.split === 'train');
  if (train.length === 0) return [];
  const order = seededPermutation(train.length, deriveSeed(input.seed, 'data-sections'));
  const chosen = order.slice(0, HISTOGRAM_IMAGES).map((i) => train[i] as ImageRecord);
  const samples: Sample[] = [];
  for (const record of chosen) samples.push({ record, ...(await decodeImage(record.path, input.decode)) });

  const sections: ReportSection[] = [];
  let shown: Sample = samples[0] as Sample;
  try {
    const histograms = await pixelHistogramSection(input.model, samples, { seed: input.seed, count: samples.length, population: train.length });
    shown = histograms.shown[0] ?? shown;
    sections.push(histograms);
  } catch (error) {
    if (!isUsageError(error)) throw error;
    input.onNote?.(`pixel histograms skipped: ${error.message}`);
    sections.push(noteSection('pixel-histograms', 'Pixel values before and after standardization', `Not shown: this model has no standardization layer of @cxr/preprocess, so training fed it the pixel values as decoded (0-255).`));
  }
  try {
    sections.push(await augmentationGridSection(input.model, shown, { seed: input.seed, count: AUGMENTATION_DRAWS }));
  } catch (error) {
    if (!isUsageError(error)) throw error;
    input.onNote?.(`augmentation grid skipped: ${error.message}`);
    sections.push(noteSection('augmentation-grid', 'Augmentation: one image, several draws', 'Not shown: this model has no augmentation layer, so training saw every image as it is.'));
  }
  return sections;
}
