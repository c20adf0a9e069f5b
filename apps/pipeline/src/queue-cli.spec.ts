import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, isOneSentence } from './testing/cli.js';
import { freePort } from './testing/redis.js';

// The queue commands' mistakes, through cxr: one sentence naming the flag or file and the fix, exit 2.

const work = mkdtempSync(join(tmpdir(), 'cxr-queue-cli-'));
mkdirSync(join(work, 'data'));
const sweep = join(work, 'sweep.json');
writeFileSync(sweep, JSON.stringify({ train: { data: 'data', external: 'none' }, seeds: [1] }));

const usage = async (argv: string[], pattern: RegExp): Promise<void> => {
  const result = await cli(argv, { cwd: work });
  expect(result.code, result.stderr).toBe(2);
  expect(isOneSentence(result.stderr), result.stderr).toBe(true);
  expect(result.stderr).toMatch(pattern);
};

describe('queue commands: usage errors', () => {
  it('cxr sweep without a file, with a bad --queue, with retry flags but no queue, or --resume of nothing', async () => {
    await usage(['sweep'], /^cxr sweep: cxr sweep needs file; run `cxr sweep --help` for an example\.\n$/);
    await usage(['sweep', sweep, '--queue', 'localhost:6379'], /--queue must start with redis:\/\/ or rediss:\/\//);
    await usage(['sweep', sweep, '--attempts', '2'], /--attempts applies to runs on a queue; add --queue redis:\/\/HOST:PORT, or leave it out/);
    await usage(['sweep', sweep, '--resume', '--out', join(work, 'none')], /--resume: .*none holds no sweep/);
    await usage(['sweep', join(work, 'missing.json')], /The sweep file .*missing\.json does not exist/);
  });

  it('a Redis that does not answer stops sweep and worker at once, naming the address', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    await usage(['sweep', sweep, '--queue', url, '--out', join(work, 'unreached')], /Cannot reach the queue's Redis at redis:\/\/127\.0\.0\.1:\d+ \(.*\); start redis-server there/);
    await usage(['worker', '--queue', url], /Cannot reach the queue's Redis/);
    await usage(['worker'], /cxr worker needs the queue to take jobs from: --queue redis:\/\/HOST:PORT/);
  });

  it('lists sweep and worker in the overview, each with its help', async () => {
    const overview = await cli(['--help']);
    expect(overview.stdout).toMatch(/\n {2}sweep +Run many trainings/);
    expect(overview.stdout).toMatch(/\n {2}worker +Take training runs and decode shards/);
    const help = await cli(['sweep', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--queue URL');
    expect(help.stdout).toContain('"folds"');
  });
});
