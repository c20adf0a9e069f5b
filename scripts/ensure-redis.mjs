#!/usr/bin/env node
// Makes sure redis-server is here before `npm test` runs the queue tests (cxr sweep/worker/cache
// build on a real Redis): they start their own redis-server on 127.0.0.1 on a free port.
//
// - CXR_REDIS_SERVER set: that executable must exist (nothing is installed).
// - Otherwise `redis-server` on the PATH (Debian's `redis-server` package). When it is missing and
//   this runs as root on a machine with apt-get, it installs the package, as a user would; else it
//   stops with one sentence saying what to install. Exit code 0 when it is there, 1 when it is not.
//
// Usage: node scripts/ensure-redis.mjs [--check]   (--check: only report, never install)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const checkOnly = process.argv.includes('--check');

/** Prints one sentence on stderr and exits with code 1. */
function stop(sentence) {
  process.stderr.write(`${sentence}\n`);
  process.exit(1);
}

/** Runs a command quietly; returns its exit status and the tail of its output. */
function run(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-3).join(' ');
  return { ok: result.status === 0, output: result.error ? result.error.message : output };
}

const configured = process.env['CXR_REDIS_SERVER'];
if (configured) {
  if (!existsSync(configured)) stop(`CXR_REDIS_SERVER is ${configured}, which does not exist: point it at a redis-server executable, or unset it to use redis-server from the PATH.`);
  process.exit(0);
}
if (run('redis-server', ['--version']).ok) process.exit(0);

const hint = "install Debian's redis-server package (`sudo apt-get install redis-server`), or set CXR_REDIS_SERVER to a redis-server executable (Redis 6.2 or newer)";
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = run('apt-get', ['--version']).ok;
if (checkOnly || !isRoot || !hasApt) stop(`The queue tests need redis-server, which is missing: ${hint}.`);

process.stderr.write("redis-server is missing: installing Debian's redis-server package for the queue tests (apt-get, under a minute)...\n");
const update = run('apt-get', ['update', '-qq']);
if (!update.ok) stop(`apt-get update failed (${update.output}), so redis-server could not be installed for the queue tests: ${hint}.`);
const install = run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'redis-server']);
if (!install.ok || !run('redis-server', ['--version']).ok) stop(`apt-get install redis-server failed (${install.output}), so the queue tests cannot run: ${hint}.`);
// The package's own service is not needed: the tests start their own server on a free port.
process.stderr.write('redis-server installed.\n');
