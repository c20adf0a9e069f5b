import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = dirname(fileURLToPath(import.meta.url));

/** The relative modules `file` imports (static `import`/`export ... from`), and its bare ones. */
function importsOf(file: string): { local: string[]; bare: string[] } {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gm), ...text.matchAll(/^import\s+'([^']+)'/gm)].map((m) => m[1] ?? '');
  return {
    local: specifiers.filter((s) => s.startsWith('.')).map((s) => join(dirname(file), s.replace(/\.js$/, '.ts'))),
    bare: specifiers.filter((s) => !s.startsWith('.')),
  };
}

describe('the main entry point', () => {
  it('reaches no Node module, so browser bundles can take it', () => {
    const seen = new Set<string>();
    const bare = new Set<string>();
    const queue = [join(src, 'index.ts')];
    for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
      if (seen.has(file)) continue;
      seen.add(file);
      const found = importsOf(file);
      queue.push(...found.local);
      for (const name of found.bare) bare.add(name);
    }
    expect(seen.size).toBeGreaterThan(10);
    expect([...bare].sort()).toEqual(['@tensorflow/tfjs-core']);
  });

  it('while the node entry point is where the Node modules are', () => {
    expect(importsOf(join(src, 'lib', 'wasm-threads.ts')).bare).toContain('node:fs');
  });
});
