import { decodeImage, isUsageError } from '@cxr/loader';
import type { ImageRecord, Sample } from '@cxr/loader';
import { augmentationGridSection, pixelHistogramSection } from '@cxr/eval';
import type { ReportSection } from '@cxr/eval';
import { deriveSeed, seededPermutation } from '@cxr/preprocess';
import type { LayersModel } from '@tensorflow/tfjs';
import type { Logger } from './logger.js';

/** What {@link trainingDataSections} reads; a training run's report input has all of it. */
export interface TrainingDataSectionsInput {
  /** The trained model: its own standardization and augmentation layers are what the sections show. */
  readonly model: LayersModel;
  /** The run's records after the re-split; the training images are those with `split: 'train'`. */
  readonly records?: readonly ImageRecord[];
  /** Decode settings of the run (the images are decoded as training decoded them). */
  readonly decode: { readonly size: number; readonly fit: 'fill' | 'contain' };
  /** The report's seed (derived from the root seed): the same seed shows the same images and draws. */
  readonly seed: number;
  /** Training events: present for a training run only. Without them there is no section. */
  readonly training?: readonly unknown[];
  readonly logger: Logger;
}

/** Training images shown in the pixel histograms. */
const HISTOGRAM_IMAGES = 4;
/** Augmentation draws shown for one image. */
const AUGMENTATION_DRAWS = 9;

/** A short section saying why a view is missing, so the report never drops it silently. */
function noteSection(id: string, title: string, text: string): ReportSection {
  const esc = (t: string): string => t.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return { id, title, html: `<section id="${id}"><h2>${esc(title)}</h2><p class="note">${esc(text)}</p></section>`, files: [] };
}

/**
 * The training report's data sections: pixel-value histograms of a few training images before and
 * after the model's own standardization layer (`pixel-histograms`), and one of them under several
 * draws of the model's own augmentation layers, with the drawn parameters (`augmentation-grid`).
 *
 * Takes `HISTOGRAM_IMAGES` training records chosen at random from a seed derived from `seed`,
 * decodes them with the run's decode settings, and hands them to `@cxr/eval`'s
 * `pixelHistogramSection` and `augmentationGridSection` (which read the layers from the model, so
 * whatever augmentation layers the model has are shown). A model without a standardization or
 * augmentation layer gets a one-line section saying so instead. Returns no section outside a
 * training run (no `training` events, or no training record).
 *
 * @example
 * ```ts
 * const sections = [auditSection, ...(await trainingDataSections({ model, records, decode, seed, training, logger }))];
 * ```
 * @throws what decoding or the sections throw for other reasons than a missing layer (a file that
 *   vanished since the run decoded it: a `CXR_USAGE` error naming it).
 */
export async function trainingDataSections(input: TrainingDataSectionsInput): Promise<ReportSection[]> {
  const train = (input.records ?? []).filter((r) => r.split === 'train');
  if (input.training === undefined || train.length === 0) return [];
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
    input.logger.detail(`pixel histograms skipped: ${error.message}`);
    sections.push(noteSection('pixel-histograms', 'Pixel values before and after standardization', `Not shown: this model has no standardization layer of @cxr/preprocess, so training fed it the pixel values as decoded (0-255).`));
  }
  try {
    sections.push(await augmentationGridSection(input.model, shown, { seed: input.seed, count: AUGMENTATION_DRAWS }));
  } catch (error) {
    if (!isUsageError(error)) throw error;
    input.logger.detail(`augmentation grid skipped: ${error.message}`);
    sections.push(noteSection('augmentation-grid', 'Augmentation: one image, several draws', 'Not shown: this model has no augmentation layer, so training saw every image as it is.'));
  }
  return sections;
}
