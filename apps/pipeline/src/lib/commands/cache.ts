import { openSampleCache } from '@cxr/preprocess';
import type { ParsedCommand } from '../args.js';
import { formatBytes, resolveCacheFolder } from '../cache-choice.js';
import type { CommandContext } from '../context.js';
import { UsageError } from '@cxr/loader';
import { CACHE_BUILD_FLAGS } from '../queue-specs.js';
import { runCacheBuild } from './cache-build.js';

/** `cxr cache build|info|clear [--cache DIR] [--json]` (build: see {@link runCacheBuild}). */
export async function runCache(parsed: ParsedCommand, context: CommandContext): Promise<number> {
  const { io } = context;
  const action = parsed.positionals[0];
  if (action === 'build') return runCacheBuild(parsed, context);
  if (action !== 'info' && action !== 'clear') {
    throw new UsageError(`cxr cache takes build, info or clear (got "${String(action)}"), e.g. \`cxr cache info\`.`);
  }
  const buildOnly = Object.keys(CACHE_BUILD_FLAGS).find((flag) => parsed.explicit.has(flag));
  if (buildOnly) throw new UsageError(`--${buildOnly} is a flag of \`cxr cache build\`, not of \`cxr cache ${action}\`; leave it out.`);
  const folder = resolveCacheFolder(parsed.values, io.env, io.cwd);
  const dir = folder.dir as string;
  const cache = openSampleCache(dir);
  const json = parsed.values['json'] === true;
  if (action === 'info') {
    const info = cache.info();
    if (json) {
      io.stdout.write(`${JSON.stringify({ ...info, source: folder.source }, null, 2)}\n`);
      return 0;
    }
    const lines = [
      `Cache folder: ${dir} (${folder.source === 'default' ? 'the default' : `from ${folder.source}`})`,
      `  ${info.entries.toLocaleString('en-US')} decoded images in ${info.packs} pack${info.packs === 1 ? '' : 's'}, ${formatBytes(info.bytes)} on disk`,
      ...Object.entries(info.bySettings).map(([key, n]) => `  ${n.toLocaleString('en-US')} images decoded with ${key}`),
      ...(info.unfinished.files > 0
        ? [`  ${info.unfinished.files} unfinished pack${info.unfinished.files === 1 ? '' : 's'} (${formatBytes(info.unfinished.bytes)}): ${info.unfinished.live} being written by a live process, the rest left by processes that are gone (\`cxr cache clear\` deletes those)`]
        : []),
    ];
    io.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  }
  const cleared = await Promise.resolve(cache.clear());
  if (json) io.stdout.write(`${JSON.stringify({ dir, source: folder.source, ...cleared }, null, 2)}\n`);
  else {
    io.stdout.write(
      `Cleared ${dir}: ${cleared.files} file${cleared.files === 1 ? '' : 's'}, ${formatBytes(cleared.bytes)} freed${cleared.kept > 0 ? `; ${cleared.kept} pack${cleared.kept === 1 ? '' : 's'} kept that a live process is still writing` : ''}.\n`,
    );
  }
  return 0;
}
