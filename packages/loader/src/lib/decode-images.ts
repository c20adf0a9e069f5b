import { filter, map, tap, type OperatorFunction } from 'rxjs';
import type { ImageRecord, Rejection, Sample } from './types.js';
import { decodeError, decodeFile, defaultConcurrency, resolveDecodeSettings, type DecodeSettings } from './decode-image.js';
import { mapOrdered, type Outcome } from './internal/map-ordered.js';
import { checkBoolean, checkFunction, checkInteger } from './internal/validate.js';

/** Options of {@link decodeImages}; every field is optional. */
export interface DecodeImagesOptions extends Partial<DecodeSettings> {
  /** Decodes in flight at once. Default: the number of cores. */
  readonly concurrency?: number;
  /** Make the first bad file fatal: the stream errors with a message naming it. Default false. */
  readonly strict?: boolean;
  /** Called once for each bad file that is skipped (not called in strict mode). */
  readonly onReject?: (rejection: Rejection) => void;
  /** Also read each file's header into `sample.source` (format, size, channel mode), for the audit. Default false. */
  readonly metadata?: boolean;
}

const STAGE = 'decodeImages';

/**
 * Decodes image records into square grey samples with sharp.
 *
 * Each file becomes `size x size` uint8 pixels in one grey channel, with the recipe of
 * {@link decodeImage}: EXIF orientation applied, ICC profiles ignored, transparency flattened onto black, colour
 * reduced to Rec. 601 luma, resized by `fit` (`fill` stretches, `contain` pads with black).
 * At most `concurrency` files are decoded at once and samples come out in input order.
 * A bad file (empty, truncated, corrupt, not an image, unreadable, too many pixels) is reported
 * to `onReject` and skipped; with `strict: true` the stream errors instead, naming the file
 * (the error has `code: 'CXR_USAGE'`, `path` and `reason`).
 *
 * Options and defaults: `size` 224, `fit` 'fill', `maxPixels` 100,000,000, `concurrency` = cores,
 * `strict` false, `metadata` false, `onReject` none.
 *
 * @example
 * ```ts
 * const rejected: Rejection[] = [];
 * scanDataset('/data/chest_xray').pipe(decodeImages({ size: 224, onReject: (r) => rejected.push(r) }))
 *   .subscribe((sample) => console.log(sample.record.path, sample.pixels.length)); // 50176
 * ```
 * @throws TypeError/RangeError at creation for an invalid option.
 */
export function decodeImages(options: DecodeImagesOptions = {}): OperatorFunction<ImageRecord, Sample> {
  const settings = resolveDecodeSettings(options, STAGE);
  const concurrency = checkInteger(STAGE, 'concurrency', options.concurrency ?? defaultConcurrency(), 1, 1024);
  const strict = checkBoolean(STAGE, 'strict', options.strict ?? false);
  const metadata = checkBoolean(STAGE, 'metadata', options.metadata ?? false);
  const onReject = checkFunction<(r: Rejection) => void>(STAGE, 'onReject', options.onReject);

  const decodeOne = async (record: ImageRecord): Promise<Outcome<Decoded>> => {
    const result = await decodeFile(record.path, settings, metadata);
    if (!('reason' in result)) return { kind: 'value', value: { ok: true, sample: { record, ...result } } };
    if (strict) return { kind: 'error', error: decodeError(record.path, result.reason) };
    return { kind: 'value', value: { ok: false, rejection: { path: record.path, reason: result.reason, record } } };
  };

  // Rejections travel through the ordered map too, so onReject is called in input order.
  return (source) =>
    source.pipe(
      mapOrdered(decodeOne, concurrency),
      tap((decoded) => {
        if (!decoded.ok) onReject?.(decoded.rejection);
      }),
      filter((decoded): decoded is Extract<Decoded, { ok: true }> => decoded.ok),
      map((decoded) => decoded.sample),
    );
}

type Decoded = { readonly ok: true; readonly sample: Sample } | { readonly ok: false; readonly rejection: Rejection };
