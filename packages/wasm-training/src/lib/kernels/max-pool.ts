import * as tf from '@tensorflow/tfjs-core';
import { SimdKernels } from './simd/simd-runner.js';
import { heapOf, overShipped, type Info } from './wasm-calls.js';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap };

/**
 * `MaxPool` for the WASM backend: the usual pool of conv nets (2x2 windows at stride 2 with no
 * padding, float32, channels a multiple of 4) as the generated SIMD `maxPool2x2` on all threads;
 * any other pool goes to the shipped XNNPACK kernel. The first strict maximum of each window wins,
 * from -Infinity, as on the `cpu` backend and as `MaxPoolGrad` here sends the gradient: NaN never
 * wins (a window of NaN gives -Infinity).
 */
export function maxPoolKernel(shipped: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): Info | Info[] => {
    const x = args.inputs['x'] as Info;
    const attrs = (args.attrs ?? {}) as unknown as tf.MaxPoolAttrs;
    const run = (): Info | Info[] => shipped.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as Info | Info[];
    if (x.dtype !== 'float32' || x.shape.length !== 4) return run();
    const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, padInfo } = info;
    const usual =
      info.filterHeight === 2 &&
      info.filterWidth === 2 &&
      info.strideHeight === 2 &&
      info.strideWidth === 2 &&
      info.dilationHeight === 1 &&
      info.dilationWidth === 1 &&
      padInfo.top === 0 &&
      padInfo.left === 0 &&
      outHeight === Math.floor(inHeight / 2) &&
      outWidth === Math.floor(inWidth / 2) &&
      inChannels % 4 === 0 &&
      batchSize * outHeight * outWidth * inChannels > 0;
    const simd = usual ? SimdKernels.of(args.backend) : undefined;
    if (simd === undefined) return run();
    const out = heapOf(args.backend).makeOutput([...info.outShape], 'float32');
    simd.run('maxPool2x2', simd.balancedParts(batchSize * outHeight), { x: simd.address(x), y: simd.address(out), n: batchSize, h: inHeight, w: inWidth, c: inChannels });
    return out;
  };
  return overShipped(kernelFunc as tf.KernelFunc, shipped);
}
