import { availableParallelism } from 'node:os';
import { DEFAULT_TRAINING } from '@cxr/model';
import { openSampleCache } from '@cxr/preprocess';
import type { ParsedCommand } from '../args.js';
import type { CommandContext } from '../context.js';
import { scanRecords } from '../dataset.js';
import { resolveDataRoot } from '../paths.js';
import { duration } from '../progress.js';
import { buildCache } from '../queue/cache-build.js';
import { formatBytes, resolveCacheFolder } from '../cache-choice.js';
import { UsageError } from '@cxr/loader';
import { checkQueueReachable, parseQueueUrl } from '../queue/connection.js';

/**
 * `cxr cache build --data DIR [--queue URL]`: decodes every image of the dataset that is not yet in
 * the disk cache, at the size and fit `cxr train` uses with the same --image-size, so a training run
 * afterwards decodes nothing.
 */
export async function runCacheBuild(parsed: ParsedCommand, { io, logger }: CommandContext): Promise<number> {
  const v = parsed.values;
  const folder = resolveCacheFolder(v, io.env, io.cwd);
  if (folder.dir === null) throw new UsageError('cxr cache build fills the disk cache; leave out --no-cache.');
  const dir = folder.dir;
  const { root, source } = resolveDataRoot(typeof v['data'] === 'string' ? v['data'] : undefined, io.env, io.cwd);
  const address = typeof v['queue'] === 'string' ? parseQueueUrl(v['queue']) : undefined;
  if (address) await checkQueueReachable(address);
  const scanned = await scanRecords(root);
  const size = (v['image-size'] as number | undefined) ?? DEFAULT_TRAINING.imageSize;
  logger.info(`Cache build of ${root} (${source}) into ${dir} (${folder.source === 'default' ? 'the default cache folder' : `from ${folder.source}`}) at ${size}x${size} px: ${scanned.records.length} image files${scanned.problems.length ? `, ${scanned.problems.length} unusable at scan` : ''}.`);
  const report = await buildCache(
    {
      dir: dir,
      decode: { size, fit: 'fill' },
      records: scanned.records,
      shardSize: v['shard-size'] as number,
      ...(address ? { queue: address } : {}),
      attempts: 3,
      concurrency: availableParallelism(),
      log: (line) => logger.info(line),
    },
    io,
  );
  for (const w of report.workers) {
    logger.info(`  ${w.worker}: ${w.shards} shard${w.shards === 1 ? '' : 's'}, ${w.decoded} images decoded in ${duration(w.seconds)} (${w.imagesPerSecond.toFixed(1)} img/s)`);
  }
  for (const r of report.rejected.slice(0, 10)) logger.info(`  rejected: ${r.path} (${r.reason})`);
  if (report.rejected.length > 10) logger.info(`  ... and ${report.rejected.length - 10} more rejected files (all in --json)`);
  const held = openSampleCache(dir).info();
  const info = ` The cache holds ${held.entries.toLocaleString('en-US')} images, ${formatBytes(held.bytes)}.`;
  logger.info(
    `${report.complete ? 'Built' : 'Stopped following'}: ${report.decoded} images decoded in ${duration(report.seconds)} (${report.imagesPerSecond.toFixed(1)} img/s in total${report.workers.length > 1 ? ` from ${report.workers.length} workers` : ''}), ${report.alreadyCached + report.cachedByShards} already cached, ${report.rejected.length} rejected${report.failedShards.length ? `, ${report.failedShards.length} shards FAILED` : ''}.${info}`,
  );
  if (v['json'] === true) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  if (!report.complete) {
    logger.info(address ? 'The queued shards stay on the queue and the workers go on with them; run the same command again to follow what is left (cached images are skipped).' : 'Run the same command again to decode the rest (cached images are skipped).');
    return 130;
  }
  if (report.failedShards.length > 0) {
    io.stderr.write(`cxr cache build: ${report.failedShards.length} of ${report.shards} shards failed: ${report.failedShards.map((f) => `shard ${f.shard} (${f.error})`).join('; ')}.\n`);
    return 1;
  }
  return 0;
}

