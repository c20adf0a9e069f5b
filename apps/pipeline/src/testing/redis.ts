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
  /** Kills the server with SIGKILL, as a crash or a lost machine would (its append-only file stays). */
  readonly crash: () => Promise<void>;
  /** Starts the server again on the same port and folder (it reloads the append-only file). */
  readonly start: () => Promise<void>;
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

/** A running redis-server process: waits until it accepts connections. */
async function launch(binary: string, port: number, dir: string): Promise<{ kill: (signal: NodeJS.Signals) => Promise<void> }> {
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<void>((resolvePromise) => child.on('exit', () => resolvePromise()));
  await new Promise<void>((resolvePromise, reject) => {
    child.on('error', (error) => reject(new Error(`redis-server cannot be started (install it with scripts/ensure-test-services.mjs): ${error.message}`)));
    child.stdout.on('data', () => {
      if (/Ready to accept connections/.test(output)) resolvePromise();
    });
    void exited.then(() => reject(new Error(`redis-server ended at start (install it with scripts/ensure-test-services.mjs):\n${output}`)));
    setTimeout(() => reject(new Error(`redis-server did not start within 10 s:\n${output}`)), 10_000).unref();
  });
  return {
    kill: async (signal) => {
      child.kill(signal);
      await exited;
    },
  };
}

/**
 * Starts a real redis-server (Debian's package, or `CXR_REDIS_SERVER`) on 127.0.0.1 on a free port,
 * with its append-only file on (fsync at every write) in a temporary folder, and waits until it answers.
 */
export async function startRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'cxr-redis-'));
  const port = await freePort();
  const binary = process.env['CXR_REDIS_SERVER'] ?? 'redis-server';
  let server = await launch(binary, port, dir);
  const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined); // refused connections while the server is down: ioredis reconnects
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    client,
    crash: async () => {
      await server.kill('SIGKILL');
    },
    start: async () => {
      server = await launch(binary, port, dir);
    },
    stop: async () => {
      client.disconnect();
      await server.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
