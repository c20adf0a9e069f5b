import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { findPackage, firstLine } from './native-packages.js';
import { probeNative } from './native-probe.js';

let dir = '';

function fakePackage(name: string, main: string): void {
  const root = join(dir, 'node_modules', name);
  mkdirSync(join(root, 'lib', 'napi-v8'), { recursive: true });
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name, version: '9.9.9', main: 'index.js' }));
  writeFileSync(join(root, 'index.js'), main);
  writeFileSync(join(root, 'lib', 'napi-v8', 'tfjs_binding.node'), '');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cxr-native-probe-'));
  fakePackage('cxr-fake-broken-binding', "throw new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory\\n    at Module._load');\n");
  fakePackage(
    'cxr-fake-gpu-binding',
    [
      "process.stderr.write(\"W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcudnn.so.8'; dlerror: libcudnn.so.8: cannot open shared object file\\n\");",
      'process.stderr.write("I tensorflow/core/common_runtime/gpu/gpu_device.cc:1532] Created device /job:localhost/replica:0/task:0/device:GPU:0 with 14646 MB memory:  -> device: 0, name: Tesla T4, pci bus id: 0000:00:04.0\\n");',
      'module.exports = { scalar: (v) => v, add: (a, b) => ({ dataSync: () => [a + b] }), getBackend: () => "tensorflow" };',
    ].join('\n'),
  );
  vi.spyOn(process, 'cwd').mockReturnValue(dir);
});

afterAll(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

describe('findPackage', () => {
  it('finds an installed package with its version, and not a missing one', () => {
    expect(findPackage('@tensorflow/tfjs-core')?.version).toBe('4.22.0');
    expect(findPackage('cxr-no-such-package-anywhere')).toBeUndefined();
  });

  it('also looks in the working directory (a user project installing the native package)', () => {
    expect(findPackage('cxr-fake-gpu-binding')?.version).toBe('9.9.9');
  });
});

describe('probeNative', () => {
  it('reports a package that is not installed', () => {
    const report = probeNative('cxr-no-such-package-anywhere');
    expect(report).toMatchObject({ installed: false, loads: undefined, gpuDevices: [], missingLibraries: [] });
  });

  it('reports a binding that fails to load with the first line of its error, loaded in a child process', () => {
    const report = probeNative('cxr-fake-broken-binding');
    expect(report.installed).toBe(true);
    expect(report.binding).toMatch(/tfjs_binding\.node$/);
    expect(report.loads).toBe(false);
    expect(report.error).toBe('libtensorflow.so.2: cannot open shared object file: No such file or directory');
  });

  it('reads the GPU devices TensorFlow created and the libraries it could not open from its log', () => {
    const report = probeNative('cxr-fake-gpu-binding');
    expect(report.loads).toBe(true);
    expect(report.gpuDevices).toEqual(['/job:localhost/replica:0/task:0/device:GPU:0 (Tesla T4)']);
    expect(report.missingLibraries).toEqual(['libcudnn.so.8']);
  });
});

describe('firstLine', () => {
  it('keeps the first non-empty line of an error message', () => {
    expect(firstLine(new Error('\n  first\nsecond'))).toBe('first');
    expect(firstLine('plain')).toBe('plain');
  });
});
