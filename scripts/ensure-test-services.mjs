#!/usr/bin/env node
// Makes sure the real programs some tests drive are here before `npm test` runs them, the way a user
// gets them (Debian packages):
// - headless Chromium (through playwright-core): the page tests open report.html, audit.html and the
//   viewer in it;
// - redis-server: the queue tests (cxr sweep/worker/cache build) start their own on 127.0.0.1 on a
//   free port.
//
// For each: when its environment variable is set (CXR_CHROMIUM, CXR_REDIS_SERVER), that executable
// must exist and nothing is installed. Otherwise the Debian program is looked for; when one is
// missing and this runs as root on a machine with apt-get, the packages are installed (one
// `apt-get update` for all), else it stops with one sentence saying what to install.
// Exit code 0 when every program is there, 1 when one is not.
//
// Usage: node scripts/ensure-test-services.mjs [--check]   (--check: only report, never install)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const checkOnly = process.argv.includes('--check');

/** Runs a command quietly; returns its exit status and the tail of its output. */
function run(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-3).join(' ');
  return { ok: result.status === 0, output: result.error ? result.error.message : output };
}

const services = [
  {
    name: 'headless Chromium',
    tests: 'browser tests',
    variable: 'CXR_CHROMIUM',
    executable: 'a Chromium or Chrome executable',
    fallback: 'use /usr/bin/chromium',
    present: () => existsSync('/usr/bin/chromium'),
    packages: ['chromium'],
  },
  {
    name: 'redis-server',
    tests: 'queue tests',
    variable: 'CXR_REDIS_SERVER',
    executable: 'a redis-server executable (Redis 6.2 or newer)',
    fallback: 'use redis-server from the PATH',
    present: () => run('redis-server', ['--version']).ok,
    // The package's own service is not needed: the tests start their own server.
    packages: ['--no-install-recommends', 'redis-server'],
  },
];

const problems = [];
const missing = [];
for (const service of services) {
  const configured = process.env[service.variable];
  if (configured) {
    if (!existsSync(configured)) problems.push(`${service.variable} is ${configured}, which does not exist: point it at ${service.executable}, or unset it to ${service.fallback}.`);
  } else if (!service.present()) {
    missing.push(service);
  }
}
const hint = (service) =>
  `install Debian's ${service.packages.at(-1)} package (\`sudo apt-get install ${service.packages.at(-1)}\`), or set ${service.variable} to ${service.executable}`;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = run('apt-get', ['--version']).ok;
if (missing.length > 0 && (checkOnly || !isRoot || !hasApt)) {
  for (const service of missing) problems.push(`The ${service.tests} need ${service.name}, which is missing: ${hint(service)}.`);
} else if (missing.length > 0) {
  process.stderr.write(`Installing Debian's ${missing.map((s) => s.packages.at(-1)).join(' and ')} for the ${missing.map((s) => s.tests).join(' and ')} (apt-get, about a minute)...\n`);
  const update = run('apt-get', ['update', '-qq']);
  for (const service of missing) {
    if (!update.ok) {
      problems.push(`apt-get update failed (${update.output}), so ${service.name} could not be installed for the ${service.tests}: ${hint(service)}.`);
      continue;
    }
    const install = run('apt-get', ['install', '-y', '-qq', ...service.packages]);
    if (!install.ok || !service.present()) problems.push(`apt-get install ${service.packages.at(-1)} failed (${install.output}), so the ${service.tests} cannot run: ${hint(service)}.`);
    else process.stderr.write(`${service.name} installed.\n`);
  }
}
if (problems.length > 0) {
  process.stderr.write(`${problems.join('\n')}\n`);
  process.exit(1);
}
