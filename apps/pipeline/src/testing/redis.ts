import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** A redis-server of a test: its URL, a client, and how to stop it. */
export interface TestRedis {
  readonly url: string;
  readonly port: number;
  readonly client: Redis;
  /** Stops the server (SIGTERM) and removes its folder. */
  readonly stop: () => Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePromise(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts a real redis-server (Debian's package, or `CXR_REDIS_SERVER`) on 127.0.0.1 on a free port,
 * with its append-only file on (fsync at every write) in a temporary folder, and waits until it answers.
 */
export async function startRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'cxr-redis-'));
  const port = await freePort();
  const binary = process.env['CXR_REDIS_SERVER'] ?? 'redis-server';
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<void>((resolvePromise) => child.on('exit', () => resolvePromise()));
  await new Promise<void>((resolvePromise, reject) => {
    const started = Date.now();
    const check = (): void => {
      if (/Ready to accept connections/.test(output)) resolvePromise();
      else if (child.exitCode !== null) reject(new Error(`redis-server ended at start (install it with scripts/ensure-redis.mjs):\n${output}`));
      else if (Date.now() - started > 10_000) reject(new Error(`redis-server did not start within 10 s:\n${output}`));
      else setTimeout(check, 50);
    };
    check();
  });
  const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    client,
    stop: async () => {
      client.disconnect();
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
