import type { Split } from '@cxr/loader';

/**
 * A batch of images as plain typed arrays, ready to cross into the model package.
 * `x` holds `shape[0] * shape[1] * shape[2] * shape[3]` values in NHWC order
 * (uint8 0..255 as decoded, or float32 after an operator-level standardization).
 */
export interface Batch {
  readonly x: Uint8Array | Float32Array;
  /** Labels, 0 or 1, one per image. */
  readonly y: Float32Array;
  /** The source file path of each image, in batch order. */
  readonly ids: readonly string[];
  /** [batchSize, height, width, channels]. */
  readonly shape: readonly [number, number, number, number];
  readonly split?: Split;
}
