import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The installed version of a package, or `undefined` when it is not installed. */
export function packageVersion(name: string): string | undefined {
  try {
    return (require(`${name}/package.json`) as { version?: string }).version;
  } catch {
    // Some packages (sharp) do not export package.json: walk up from their entry point.
    try {
      let dir = dirname(require.resolve(name));
      for (let i = 0; i < 6; i++) {
        try {
          const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
          if (pkg.name === name) return pkg.version;
        } catch {
          // keep walking up
        }
        dir = dirname(dir);
      }
    } catch {
      return undefined;
    }
    return undefined;
  }
}

/** Versions recorded in every run: node, TensorFlow.js, sharp and cxr. */
export function versions(): Record<string, string> {
  const out: Record<string, string> = { node: process.version, cxr: packageVersion('@cxr/pipeline') ?? 'unknown' };
  for (const [key, name] of [
    ['tfjs', '@tensorflow/tfjs'],
    ['tfjs-node', '@tensorflow/tfjs-node'],
    ['tfjs-node-gpu', '@tensorflow/tfjs-node-gpu'],
    ['tfjs-backend-wasm', '@tensorflow/tfjs-backend-wasm'],
    ['sharp', 'sharp'],
    ['rxjs', 'rxjs'],
  ] as const) {
    const version = packageVersion(name);
    if (version) out[key] = version;
  }
  return out;
}
