import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

async function boundaryErrors(file: string, code: string): Promise<string[]> {
  // A probe file belongs to no tsconfig: the import rules run on it without the type-aware ones.
  const eslint = new ESLint({ cwd: root, overrideConfig: { ...tseslint.configs.disableTypeChecked, files: ['**/probe.ts'] } });
  const [result] = await eslint.lintText(code, { filePath: `${root}${file}` });
  // A probe lint cannot parse has no boundary messages either: fail instead of passing for "allowed".
  const fatal = (result?.messages ?? []).filter((m) => m.fatal === true);
  if (fatal.length > 0) throw new Error(`lint could not parse ${file}: ${fatal.map((m) => m.message).join('; ')}`);
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === '@nx/enforce-module-boundaries' || m.ruleId === 'no-restricted-imports')
    .map((m) => m.message);
}

describe('module boundaries (ARCHITECTURE.md) are enforced by lint', () => {
  it('forbids TensorFlow in the loader', async () => {
    const errors = await boundaryErrors('packages/loader/src/probe.ts', "import * as tf from '@tensorflow/tfjs';\nexport const t = tf;\n");
    expect(errors.join('\n')).toMatch(/scope:loader.*not allowed to import "@tensorflow\/tfjs"/);
  });

  it('forbids sharp in preprocess and model', async () => {
    for (const pkg of ['preprocess', 'model']) {
      const errors = await boundaryErrors(`packages/${pkg}/src/probe.ts`, "import sharp from 'sharp';\nexport const s = sharp;\n");
      expect(errors.join('\n')).toMatch(/not allowed to import "sharp"/);
    }
  });

  it('keeps wasm-training to TensorFlow.js alone: no other package, no other library', async () => {
    const pkg = await boundaryErrors('packages/wasm-training/src/probe.ts', "import { createRng } from '@cxr/preprocess';\nexport const r = createRng;\n");
    expect(pkg.join('\n')).toMatch(/"scope:wasm-training" cannot depend on any libs/);
    const lib = await boundaryErrors('packages/wasm-training/src/probe.ts', "import { from } from 'rxjs';\nexport const f = from;\n");
    expect(lib.join('\n')).toMatch(/not allowed to import "rxjs"/);
    const tf = await boundaryErrors('packages/wasm-training/src/probe.ts', "import * as tf from '@tensorflow/tfjs-core';\nimport { Worker } from 'node:worker_threads';\nexport const t = [tf, Worker];\n");
    expect(tf).toEqual([]);
    const model = await boundaryErrors('packages/model/src/probe.ts', "import { registerWasmTrainingKernels } from '@cxr/wasm-training';\nexport const r = registerWasmTrainingKernels;\n");
    expect(model).toEqual([]);
  });

  it('keeps eval to pure numbers: no TensorFlow, sharp, plots or Node built-ins, and no report', async () => {
    for (const [lib, code] of [
      ['@tensorflow/tfjs', "import * as tf from '@tensorflow/tfjs';\nexport const t = tf;\n"],
      ['sharp', "import sharp from 'sharp';\nexport const s = sharp;\n"],
      ['vega-lite', "import { compile } from 'vega-lite';\nexport const c = compile;\n"],
    ] as const) {
      const errors = await boundaryErrors('packages/eval/src/probe.ts', code);
      expect(errors.join('\n'), lib).toMatch(new RegExp(`not allowed to import "${lib}"`));
    }
    const node = await boundaryErrors('packages/eval/src/probe.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n");
    expect(node.join('\n')).toMatch(/no Node built-ins/);
    const report = await boundaryErrors('packages/eval/src/probe.ts', "import { writeReport } from '@cxr/report';\nexport const w = writeReport;\n");
    expect(report.join('\n')).toMatch(/Circular dependency between "eval" and "report"|"scope:eval" can only depend/);
    const rocAuc = await boundaryErrors('packages/eval/src/probe.ts', "import { rocAuc } from '@cxr/model';\nexport const r = rocAuc;\n");
    expect(rocAuc).toEqual([]);
  });

  it('lets the report take eval, model, preprocess and loader, with sharp and vega, but not the app', async () => {
    const ok = await boundaryErrors(
      'packages/report/src/probe.ts',
      "import { evaluatePredictions } from '@cxr/eval';\nimport { decodeImageAtSourceSize } from '@cxr/loader';\nimport sharp from 'sharp';\nimport { compile } from 'vega-lite';\nexport const x = [evaluatePredictions, decodeImageAtSourceSize, sharp, compile];\n",
    );
    expect(ok).toEqual([]);
    const app = await boundaryErrors('packages/report/src/probe.ts', "import { main } from '@cxr/pipeline';\nexport const m = main;\n");
    expect(app.length).toBeGreaterThan(0);
  });

  it('forbids a library importing the app or a later stage', async () => {
    const app = await boundaryErrors('packages/eval/src/probe.ts', "import { main } from '@cxr/pipeline';\nexport const m = main;\n");
    expect(app.length).toBeGreaterThan(0);
    const later = await boundaryErrors('packages/preprocess/src/probe.ts', "import type { TrainEvent } from '@cxr/model';\nexport type T = TrainEvent;\n");
    expect(later.length).toBeGreaterThan(0);
  });

  it('forbids deep imports into a package', async () => {
    const errors = await boundaryErrors('apps/pipeline/src/probe.ts', "import { SPLITS } from '@cxr/loader/src/lib/types.js';\nexport const s = SPLITS;\n");
    expect(errors.join('\n')).toMatch(/public entry point/);
  });

  it('keeps the viewer page on the browser entry points: no Node built-in, no sharp, no package root', async () => {
    const node = await boundaryErrors('apps/viewer/src/probe.ts', "import { readFile } from 'node:fs/promises';\nexport const r = readFile;\n");
    expect(node.join('\n')).toMatch(/no Node built-ins/);
    const sharp = await boundaryErrors('apps/viewer/src/probe.ts', "import sharp from 'sharp';\nexport const s = sharp;\n");
    expect(sharp.join('\n')).toMatch(/not allowed to import "sharp"/);
    const root = await boundaryErrors('apps/viewer/src/probe.ts', "import { decodeImage } from '@cxr/loader';\nexport const d = decodeImage;\n");
    expect(root.join('\n')).toMatch(/import @cxr\/loader\/browser/);
    const browser = await boundaryErrors('apps/viewer/src/probe.ts', "import { resizeGrey } from '@cxr/loader/browser';\nexport const r = resizeGrey;\n");
    expect(browser).toEqual([]);
    const reportRoot = await boundaryErrors('apps/viewer/src/probe.ts', "import { gradCam } from '@cxr/report';\nexport const g = gradCam;\n");
    expect(reportRoot.join('\n')).toMatch(/import @cxr\/report\/browser/);
    const reportBrowser = await boundaryErrors('apps/viewer/src/probe.ts', "import { gradCam } from '@cxr/report/browser';\nexport const g = gradCam;\n");
    expect(reportBrowser).toEqual([]);
  });

  it('keeps the testing and benchmark entry points out of the packages and the page; bench/ may use them', async () => {
    const testing = await boundaryErrors('packages/model/src/probe.ts', "import { seededValues } from '@cxr/wasm-training/testing';\nexport const s = seededValues;\n");
    expect(testing.join('\n')).toMatch(/for specs only/);
    const bench = await boundaryErrors('packages/model/src/probe.ts', "import { simdKernelModule } from '@cxr/wasm-training/bench';\nexport const s = simdKernelModule;\n");
    expect(bench.join('\n')).toMatch(/for bench\/ only/);
    const page = await boundaryErrors('apps/viewer/src/probe.ts', "import { simdKernelModule } from '@cxr/wasm-training/bench';\nexport const s = simdKernelModule;\n");
    expect(page.join('\n')).toMatch(/for bench\/ only/);
    const benchmark = await boundaryErrors('bench/train/probe.ts', "import { simdKernelModule } from '@cxr/wasm-training/bench';\nimport { buildBenchCnn } from '@cxr/model/testing';\nexport const s = [simdKernelModule, buildBenchCnn];\n");
    expect(benchmark).toEqual([]);
  });

  it('allows the edges the architecture permits', async () => {
    const errors = await boundaryErrors('packages/preprocess/src/probe.ts', "import type { Sample } from '@cxr/loader';\nexport type S = Sample;\n");
    expect(errors).toEqual([]);
  });
});
