import { buildModel, initBackend } from '@cxr/model';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { sampleXray } from '../testing/report-data.js';
import { gradCam } from './grad-cam.js';

describe('gradCam on the wasm backend', () => {
  it("gives the cpu backend's heatmap on the model package's network", async () => {
    await tf.setBackend('cpu');
    const model = buildModel({ imageSize: 32, seed: 3, compact: { filters: [4, 8, 8], convsPerStage: 1 } });
    const image = { pixels: sampleXray(32, 5), height: 32, width: 32 };
    const onCpu = await gradCam(model, image);
    const choice = await initBackend({ backend: 'wasm', threads: 1 });
    expect(choice.name).toBe('wasm');
    const before = tf.memory().numTensors;
    const onWasm = await gradCam(model, image);
    expect(tf.memory().numTensors).toBe(before);
    expect(onWasm.layerName).toBe(onCpu.layerName);
    expect(onWasm.logit).toBeCloseTo(onCpu.logit, 3);
    onWasm.heatmap.values.forEach((v, i) => expect(v).toBeCloseTo(onCpu.heatmap.values[i] as number, 3));
    model.dispose();
  });
});
