import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { isUsageError, UsageError } from '@cxr/loader';

/** The Redis a queue lives on, from `--queue redis://[user:password@]HOST:PORT[/DB]` (or `rediss://` for TLS). */
export interface QueueAddress {
  /** The URL as given, with any password hidden (for messages and run records). */
  readonly display: string;
  readonly options: RedisOptions;
}

/** Key prefix of every cxr queue in Redis. */
export const QUEUE_PREFIX = 'cxr';

/** The queue of training runs (one job per `cxr train` of a sweep). */
export const TRAIN_QUEUE = 'train';

/** The queue of decode shards (one job per shard of `cxr cache build`). */
export const DECODE_QUEUE = 'decode';

/**
 * Reads a `--queue` URL.
 *
 * @throws a usage error naming the flag and an example when it is not a redis:// or rediss:// URL with a host.
 */
export function parseQueueUrl(text: string, flag = '--queue'): QueueAddress {
  const example = `e.g. ${flag} redis://127.0.0.1:6379`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${flag} must be a Redis URL such as redis://HOST:PORT (got ${JSON.stringify(text)}), ${example}.`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new UsageError(`${flag} must start with redis:// or rediss:// (got ${JSON.stringify(text)}), ${example}.`);
  }
  if (!url.hostname) throw new UsageError(`${flag} names no host (got ${JSON.stringify(text)}), ${example}.`);
  const port = url.port === '' ? 6379 : Number(url.port);
  const dbText = url.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) throw new UsageError(`${flag}: the database number after the port must be a whole number (got ${JSON.stringify(dbText)}), ${example}/0.`);
  const options: RedisOptions = {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port,
    db,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    // What BullMQ's workers need: commands wait for a reconnect (a Redis restart) instead of failing.
    maxRetriesPerRequest: null,
  };
  const display = `${url.protocol}//${url.username ? `${url.username}:***@` : url.password ? ':***@' : ''}${url.host}${dbText ? `/${dbText}` : ''}`;
  return { display, options };
}

/**
 * Checks that the Redis of `address` answers (one PING, a few seconds at most), so a wrong address
 * stops a command at once with one sentence instead of retrying forever.
 *
 * @throws a usage error naming the address, the cause and the fix.
 */
export async function checkQueueReachable(address: QueueAddress, flag = '--queue', timeoutMs = 5000): Promise<void> {
  const client = new Redis({ ...address.options, lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  let firstError: string | undefined;
  client.on('error', (error: Error) => {
    firstError ??= error.message.split('\n')[0]; // the cause (ECONNREFUSED, ...), reported below once
  });
  try {
    await client.connect();
    const pong = await client.ping();
    if (pong !== 'PONG') throw new Error(`PING answered ${pong}`);
    const info = await client.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1];
    if (version && Number(version.split('.')[0]) < 5) {
      throw new UsageError(`The Redis at ${address.display} is version ${version}; the queue needs Redis 5 or newer (Debian: apt-get install redis-server).`);
    }
  } catch (error) {
    if (isUsageError(error)) throw error;
    const cause = firstError ?? (error instanceof Error ? error.message.split('\n')[0] : String(error));
    throw new UsageError(
      `Cannot reach the queue's Redis at ${address.display} (${cause}); start redis-server there (with appendonly yes, so queued jobs survive a restart) or fix ${flag}, or leave ${flag} out to run everything in this process.`);
  } finally {
    client.disconnect();
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (a command following the queue stops polling on Ctrl-C). */
export function waitOrAbort(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolvePromise) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolvePromise();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
