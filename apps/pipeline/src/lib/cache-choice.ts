import { freemem, homedir } from 'node:os';
import { join } from 'node:path';
import type { FlagValue } from './args.js';
import { UsageError } from '@cxr/loader';
import { absolute } from './paths.js';

/** Where decoded images are cached on disk, and where that choice came from. */
export interface CacheFolder {
  /** Absolute folder, or null for `--no-cache`. */
  readonly dir: string | null;
  /** `--cache`, `CXR_CACHE_DIR`, `XDG_CACHE_HOME`, `default`, or `--no-cache`. */
  readonly source: string;
}

/** `--memory-cache`: keep the decoded set in memory (`on`), stream it from the disk cache (`off`), or choose by its size (`auto`). */
export type MemoryCacheFlag = 'auto' | 'on' | 'off';

/** Above this, `auto` streams from disk even when memory would hold the set (the page cache keeps the packs warm anyway). */
export const MEMORY_CACHE_CAP = 2 ** 30;
/** `auto` keeps the set in memory only when it takes at most this share of the memory available at start. */
export const MEMORY_CACHE_SHARE = 0.25;

/**
 * The disk cache folder: `--cache DIR`, else `$CXR_CACHE_DIR`, else `$XDG_CACHE_HOME/cxr`, else the
 * platform's user cache folder (`~/Library/Caches/cxr` on macOS, `%LOCALAPPDATA%\cxr\cache` on
 * Windows, `~/.cache/cxr` elsewhere); none with `--no-cache`.
 */
export function resolveCacheFolder(values: Readonly<Record<string, FlagValue | undefined>>, env: Readonly<Record<string, string | undefined>>, cwd: string): CacheFolder {
  const flag = values['cache'];
  if (values['no-cache'] === true) {
    if (typeof flag === 'string') throw new UsageError('--cache and --no-cache contradict each other; give one of them.');
    return { dir: null, source: '--no-cache' };
  }
  if (typeof flag === 'string') return { dir: absolute(cwd, flag), source: '--cache' };
  const fromEnv = env['CXR_CACHE_DIR'];
  if (fromEnv) return { dir: absolute(cwd, fromEnv), source: 'CXR_CACHE_DIR' };
  const xdg = env['XDG_CACHE_HOME'];
  if (xdg) return { dir: join(absolute(cwd, xdg), 'cxr'), source: 'XDG_CACHE_HOME' };
  const home = env['HOME'] ?? env['USERPROFILE'] ?? homedir();
  if (process.platform === 'darwin') return { dir: join(home, 'Library', 'Caches', 'cxr'), source: 'default' };
  if (process.platform === 'win32') return { dir: join(env['LOCALAPPDATA'] ?? join(home, 'AppData', 'Local'), 'cxr', 'cache'), source: 'default' };
  return { dir: join(home, '.cache', 'cxr'), source: 'default' };
}

/** Memory or disk streaming for one decoded set, with the figures behind the choice. */
export interface MemoryChoice {
  readonly inMemory: boolean;
  /** Estimated bytes of the decoded set (images x size x size, one uint8 channel). */
  readonly estimateBytes: number;
  /** What `auto` allows: min(1 GiB, a quarter of the memory available at start). */
  readonly budgetBytes: number;
  readonly availableBytes: number;
  /** One sentence: which and why. */
  readonly reason: string;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  return `${(bytes / 2 ** 10).toFixed(0)} KiB`;
}

/**
 * Chooses where a set's decoded images live while a command runs. `auto`: in memory when the
 * estimate fits min(1 GiB, 1/4 of the available memory), else streamed from the disk cache, so
 * the process's memory does not grow with the dataset. Without a disk cache the set stays in memory.
 */
export function chooseMemory(images: number, size: number, flag: MemoryCacheFlag, diskCache: boolean, available = freemem()): MemoryChoice {
  const estimateBytes = images * size * size;
  const budgetBytes = Math.min(MEMORY_CACHE_CAP, Math.floor(available * MEMORY_CACHE_SHARE));
  const figures = `${formatBytes(estimateBytes)} for ${images.toLocaleString('en-US')} images at ${size}x${size}`;
  const base = { estimateBytes, budgetBytes, availableBytes: available };
  if (!diskCache) {
    const note = flag === 'auto' && estimateBytes > budgetBytes ? `, above the memory budget of ${formatBytes(budgetBytes)}: give a disk cache (--cache DIR) to stream it instead` : '';
    return { ...base, inMemory: true, reason: `kept in memory (${figures}; --no-cache${note})` };
  }
  if (flag === 'on') return { ...base, inMemory: true, reason: `kept in memory and in the disk cache (${figures}; --memory-cache on)` };
  if (flag === 'off') return { ...base, inMemory: false, reason: `streamed from the disk cache (${figures}; --memory-cache off)` };
  const budget = `min(${formatBytes(MEMORY_CACHE_CAP)}, 1/4 of the ${formatBytes(available)} available)`;
  return estimateBytes <= budgetBytes
    ? { ...base, inMemory: true, reason: `kept in memory and in the disk cache (${figures} fits the memory budget ${formatBytes(budgetBytes)} = ${budget})` }
    : { ...base, inMemory: false, reason: `streamed from the disk cache (${figures} is above the memory budget ${formatBytes(budgetBytes)} = ${budget}; memory stays flat whatever the dataset size)` };
}
