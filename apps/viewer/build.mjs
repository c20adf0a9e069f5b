#!/usr/bin/env node
// Builds the viewer page into apps/viewer/dist: one bundled script (esbuild, for browsers), the
// page, its styles and the TensorFlow.js WebAssembly binaries, so the folder runs offline from any
// static host. The workspace packages are bundled from their browser entry points
// (`@cxr/<name>/browser`); a Node-only import anywhere in the graph fails the build.
//
// Usage: node apps/viewer/build.mjs [--out DIR]
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const out = resolve(outIndex >= 0 && args[outIndex + 1] ? args[outIndex + 1] : join(here, 'dist'));
const require = createRequire(import.meta.url);

// Built beside the target and swapped in whole: a failed build never leaves half a folder.
const staging = `${out}.building-${process.pid}`;
rmSync(staging, { recursive: true, force: true });
mkdirSync(staging, { recursive: true });
try {
  const tfjsVersion = JSON.parse(readFileSync(require.resolve('@tensorflow/tfjs/package.json'), 'utf8')).version;
  const viewerVersion = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8')).version;
  await build({
    entryPoints: [join(here, 'src', 'main.ts')],
    outfile: join(staging, 'viewer.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox115', 'safari16'],
    conditions: ['@cxr/source'],
    minify: true,
    sourcemap: true,
    legalComments: 'linked',
    define: { __TFJS_VERSION__: JSON.stringify(tfjsVersion), __VIEWER_VERSION__: JSON.stringify(viewerVersion) },
    logLevel: 'warning',
  });
  for (const file of ['index.html', 'viewer.css', 'sw.js']) copyFileSync(join(here, 'src', file), join(staging, file));
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  for (const file of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) copyFileSync(join(wasmDir, file), join(staging, file));
  // The DICOM codecs (JPEG-LS, JPEG 2000): Emscripten builds loaded by the page on the first such file.
  mkdirSync(join(staging, 'codecs'));
  for (const [pkg, base] of [['@cornerstonejs/codec-charls', 'charlswasm_decode'], ['@cornerstonejs/codec-openjpeg', 'openjpegwasm_decode']]) {
    const dist = dirname(require.resolve(`${pkg}/decodewasmjs`));
    for (const ext of ['.js', '.wasm']) copyFileSync(join(dist, base + ext), join(staging, 'codecs', base + ext));
  }
  mkdirSync(join(staging, 'model'));
  writeFileSync(join(staging, 'model', 'README.txt'), 'Put a model folder written by cxr train here (its model.json and weights.bin), and the run\'s report.json and run.json one folder up, beside index.html.\n');
  rmSync(out, { recursive: true, force: true });
  renameSync(staging, out);
  process.stdout.write(`viewer: built ${out}\n`);
} catch (error) {
  rmSync(staging, { recursive: true, force: true });
  process.stderr.write(`viewer: the build failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`);
  process.exit(1);
}
