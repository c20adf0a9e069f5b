import { fc, test } from '@fast-check/vitest';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseMemory, MEMORY_CACHE_CAP, MEMORY_CACHE_SHARE, resolveCacheFolder } from './cache-choice.js';

describe('chooseMemory', () => {
  test.prop([fc.integer({ min: 0, max: 500_000 }), fc.integer({ min: 16, max: 1024 }), fc.integer({ min: 0, max: 2 ** 36 })])(
    'auto keeps a set in memory exactly when its estimate fits min(1 GiB, a quarter of the available memory)',
    (images, size, available) => {
      const choice = chooseMemory(images, size, 'auto', true, available);
      expect(choice.estimateBytes).toBe(images * size * size);
      expect(choice.budgetBytes).toBe(Math.min(MEMORY_CACHE_CAP, Math.floor(available * MEMORY_CACHE_SHARE)));
      expect(choice.inMemory).toBe(choice.estimateBytes <= choice.budgetBytes);
      expect(choice.reason).toMatch(choice.inMemory ? /^kept in memory and in the disk cache \(.*fits/ : /^streamed from the disk cache \(.*above the memory budget/);
    },
  );

  it('on and off force the choice; without a disk cache the set stays in memory, with a note when it is large', () => {
    expect(chooseMemory(100_000, 128, 'on', true, 2 ** 34).inMemory).toBe(true);
    expect(chooseMemory(10, 128, 'off', true, 2 ** 34).inMemory).toBe(false);
    const none = chooseMemory(100_000, 224, 'auto', false, 2 ** 34);
    expect(none.inMemory).toBe(true);
    expect(none.reason).toMatch(/--no-cache, above the memory budget .*--cache DIR/);
  });
});

describe('resolveCacheFolder', () => {
  it('--cache, then CXR_CACHE_DIR, then XDG_CACHE_HOME/cxr, then ~/.cache/cxr; --no-cache is none', () => {
    expect(resolveCacheFolder({ cache: 'c' }, { CXR_CACHE_DIR: '/e' }, '/w')).toEqual({ dir: join('/w', 'c'), source: '--cache' });
    expect(resolveCacheFolder({}, { CXR_CACHE_DIR: '/e', XDG_CACHE_HOME: '/x' }, '/w')).toEqual({ dir: '/e', source: 'CXR_CACHE_DIR' });
    expect(resolveCacheFolder({}, { XDG_CACHE_HOME: '/x' }, '/w')).toEqual({ dir: join('/x', 'cxr'), source: 'XDG_CACHE_HOME' });
    if (process.platform === 'linux') expect(resolveCacheFolder({}, { HOME: '/h' }, '/w')).toEqual({ dir: '/h/.cache/cxr', source: 'default' });
    expect(resolveCacheFolder({ 'no-cache': true }, { XDG_CACHE_HOME: '/x' }, '/w')).toEqual({ dir: null, source: '--no-cache' });
    expect(() => resolveCacheFolder({ cache: 'c', 'no-cache': true }, {}, '/w')).toThrow(/--cache and --no-cache/);
  });
});
