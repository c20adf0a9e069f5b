/**
 * The filter layouts the generated convolution kernels read. A kernel keeps a block of channels
 * in SIMD registers and streams one row of filter values for those channels per step; with the
 * filter as tfjs stores it ([fh, fw, ci, co]) those rows lie a whole channel dimension apart
 * (512 bytes for 128 channels), so the rows of one block fall into a few cache sets and keep
 * evicting each other. Packed, each block's rows are contiguous.
 */

/**
 * Copies `src`, one group after another, with the channel axis in blocks: for group g and the
 * block of channels [c0, c0 + b), the `streamed` rows of b values
 * `src[g * channels * streamed + s * streamStride + (c0 + j) * channelStride]` (s < streamed, j < b),
 * contiguous. A block's rows start `c0 * streamed` floats into its group.
 */
function packBlocks(
  src: Float32Array,
  dst: Float32Array,
  layout: { readonly groups: number; readonly channels: number; readonly channelStride: number; readonly streamed: number; readonly streamStride: number },
  width: number,
): void {
  const { groups, channels, channelStride, streamed, streamStride } = layout;
  // Whole blocks of width, then the rest 4 at a time (channels is a multiple of 4).
  const whole = channels - (channels % width);
  let at = 0;
  for (let g = 0; g < groups; g++) {
    const group = g * channels * streamed;
    for (let c0 = 0, b = width; c0 < channels; c0 += b) {
      b = c0 < whole ? width : 4;
      for (let s = 0; s < streamed; s++) {
        const row = group + s * streamStride + c0 * channelStride;
        for (let j = 0; j < b; j++) dst[at++] = src[row + j * channelStride]!;
      }
    }
  }
}

/**
 * The filter [fh, fw, ci, co] as `conv2d` reads it: the output channels in blocks of `width`
 * (`CONV2D_BLOCK.channels`; the last `co % width` in blocks of 4), each block the fh x fw x ci
 * rows of its channels. `co` must be a multiple of 4.
 */
export function packForwardFilter(src: Float32Array, dst: Float32Array, shape: readonly [number, number, number, number], width: number): void {
  const [fh, fw, ci, co] = shape;
  packBlocks(src, dst, { groups: 1, channels: co, channelStride: 1, streamed: fh * fw * ci, streamStride: co }, width);
}

/**
 * The filter [fh, fw, ci, co] as `inputGrad` reads it: for each tap (kh, kw), the input channels
 * in blocks of `width` (`INPUT_BLOCK.channels`; the last `ci % width` in blocks of 4), each block
 * the co rows of its channels (the filter transposed per tap, in blocks). `ci` must be a multiple of 4.
 */
export function packInputGradFilter(src: Float32Array, dst: Float32Array, shape: readonly [number, number, number, number], width: number): void {
  const [fh, fw, ci, co] = shape;
  packBlocks(src, dst, { groups: fh * fw, channels: ci, channelStride: co, streamed: co, streamStride: 1 }, width);
}
