import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EMBEDDED_EXTERNAL, resolveExternalDirs } from './paths.js';
import { existsSync } from 'node:fs';

const cwd = mkdtempSync(join(tmpdir(), 'cxr-paths-'));
const a = join(cwd, 'a');
const b = join(cwd, 'b');
mkdirSync(a);
mkdirSync(b);
writeFileSync(join(cwd, 'file'), 'x');

describe('resolveExternalDirs', () => {
  it('takes --external (relative to the working folder), then CXR_EXTERNAL, then the embedded default', () => {
    expect(resolveExternalDirs(['a', b, 'a'], { CXR_EXTERNAL: b }, cwd)).toEqual({ dirs: [a, b], source: '--external' });
    expect(resolveExternalDirs(undefined, { CXR_EXTERNAL: `${a}${delimiter}${b}${delimiter}` }, cwd)).toEqual({ dirs: [a, b], source: 'CXR_EXTERNAL' });
    const fallback = resolveExternalDirs(undefined, {}, cwd);
    expect(fallback).toEqual(existsSync(EMBEDDED_EXTERNAL) ? { dirs: [EMBEDDED_EXTERNAL], source: 'embedded default' } : { dirs: [], source: 'none found' });
  });
  it('"none" turns it off, but not mixed with folders', () => {
    expect(resolveExternalDirs(['none'], { CXR_EXTERNAL: a }, cwd)).toEqual({ dirs: [], source: '--external none' });
    expect(resolveExternalDirs(undefined, { CXR_EXTERNAL: 'NONE' }, cwd).dirs).toEqual([]);
    expect(() => resolveExternalDirs(['none', 'a'], {}, cwd)).toThrow(/--external cannot mix "none" with folders/);
  });
  it('names the flag or variable and the folder when it is missing or a file', () => {
    expect(() => resolveExternalDirs(['missing'], {}, cwd)).toThrow(`The external set ${join(cwd, 'missing')} (from --external) does not exist`);
    expect(() => resolveExternalDirs(undefined, { CXR_EXTERNAL: 'file' }, cwd)).toThrow(`The external set ${join(cwd, 'file')} (from CXR_EXTERNAL) is a file, not a folder`);
  });
});
