#!/usr/bin/env node
// Makes sure the headless Chromium that the browser tests drive (through playwright-core) is here,
// before `npm test` runs them: the page tests open report.html and audit.html in it.
//
// - CXR_CHROMIUM set: that executable must exist (nothing is installed).
// - Otherwise /usr/bin/chromium (Debian's `chromium` package). When it is missing and this runs as
//   root on a machine with apt-get, it installs the package, as a user would; else it stops with one
//   sentence saying what to install. Exit code 0 when Chromium is there, 1 when it is not.
//
// Usage: node scripts/ensure-chromium.mjs [--check]   (--check: only report, never install)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const DEFAULT_PATH = '/usr/bin/chromium';
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

const configured = process.env['CXR_CHROMIUM'];
if (configured) {
  if (!existsSync(configured)) stop(`CXR_CHROMIUM is ${configured}, which does not exist: point it at a Chromium or Chrome executable, or unset it to use ${DEFAULT_PATH}.`);
  process.exit(0);
}
if (existsSync(DEFAULT_PATH)) process.exit(0);

const hint = `install Debian's chromium package (\`sudo apt-get install chromium\`), or set CXR_CHROMIUM to a Chromium or Chrome executable`;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = run('apt-get', ['--version']).ok;
if (checkOnly || !isRoot || !hasApt) {
  stop(`The browser tests need headless Chromium at ${DEFAULT_PATH}, which is missing: ${hint}.`);
}

process.stderr.write(`Chromium is missing at ${DEFAULT_PATH}: installing Debian's chromium package for the browser tests (apt-get, about a minute)...\n`);
const update = run('apt-get', ['update', '-qq']);
if (!update.ok) stop(`apt-get update failed (${update.output}), so Chromium could not be installed for the browser tests: ${hint}.`);
const install = run('apt-get', ['install', '-y', '-qq', 'chromium']);
if (!install.ok || !existsSync(DEFAULT_PATH)) stop(`apt-get install chromium failed (${install.output}), so the browser tests cannot run: ${hint}.`);
process.stderr.write(`Chromium installed at ${DEFAULT_PATH}.\n`);
