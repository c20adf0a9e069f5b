import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closest, commandHelp, parseCommand } from './args.js';
import { usageMessage } from '../testing/usage-message.js';
import { COMMANDS, DOCTOR, PREDICT, SCAN, TRAIN } from './specs.js';

const cwd = mkdtempSync(join(tmpdir(), 'cxr-args-'));

describe('parseCommand', () => {
  it('reads typed flags and fills documented defaults', () => {
    const parsed = parseCommand(TRAIN, ['--epochs', '3', '--image-size=64', '--dry-run', '--data', 'x'], cwd);
    expect(parsed.values).toMatchObject({ epochs: 3, 'image-size': 64, 'dry-run': true, data: 'x', seed: 42 });
    expect([...parsed.explicit].sort()).toEqual(['data', 'dry-run', 'epochs', 'image-size']);
  });

  it('names an unknown flag and suggests the close one', () => {
    const message = usageMessage(() => parseCommand(TRAIN, ['--epoch', '3'], cwd));
    expect(message).toContain('--epoch');
    expect(message).toContain('did you mean --epochs?');
  });

  it('rejects malformed and out-of-range numbers, naming the flag and an example', () => {
    expect(usageMessage(() => parseCommand(TRAIN, ['--epochs', 'ten'], cwd))).toMatch(/^--epochs must be a whole number \(got "ten"\), e\.g\. --epochs \d+\.$/);
    expect(usageMessage(() => parseCommand(TRAIN, ['--batch-size', '3.5'], cwd))).toContain('--batch-size must be a whole number');
    expect(usageMessage(() => parseCommand(TRAIN, ['--epochs', '0'], cwd))).toContain('--epochs must be a positive whole number, at most 1000 (got "0")');
    expect(usageMessage(() => parseCommand(TRAIN, ['--epochs', '2000'], cwd))).toContain('--epochs must be between 1 and 1000 (got "2000")');
    expect(usageMessage(() => parseCommand(TRAIN, ['--seed', '-1'], cwd))).toMatch(/^--seed must be between 0 and \d+ \(got "-1"\)/);
  });

  it('reads a negative number given to a number flag as its value (not as a missing value)', () => {
    expect(usageMessage(() => parseCommand(TRAIN, ['--batch-size', '-1'], cwd))).toBe('--batch-size must be a positive whole number, at most 4096 (got "-1"), e.g. --batch-size 32.');
    expect(usageMessage(() => parseCommand(PREDICT, ['--model', 'm', 'x.png', '--threshold', '-0.5'], cwd))).toMatch(/^--threshold must be between 0 and 1 \(got "-0\.5"\)/);
    expect(usageMessage(() => parseCommand(TRAIN, ['--epochs', '-3', '--dry-run'], cwd))).toMatch(/^--epochs must be a positive whole number/);
    // A text flag still takes nothing that looks like a flag.
    expect(usageMessage(() => parseCommand(TRAIN, ['--data', '-1'], cwd))).toContain('The flag --data needs a value');
  });

  it("shows each command's own config example in its help", () => {
    for (const spec of COMMANDS) {
      const help = commandHelp(spec);
      const example = /JSON file of settings \(keys as the flags, e\.g\.\s+(\{[^}]*\})/.exec(help.replace(/\n\s+/g, ' '))?.[1];
      expect(example, spec.name).toBeDefined();
      const keys = Object.keys(JSON.parse(example as string) as object).map((k) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`));
      for (const key of keys) expect(Object.keys(spec.flags), `${spec.name}: ${key}`).toContain(key);
    }
    expect(commandHelp(SCAN)).not.toContain('"epochs"');
    expect(commandHelp(DOCTOR)).toContain('{"json": true}');
  });

  it('asks for a missing value and refuses a value for a switch', () => {
    expect(usageMessage(() => parseCommand(TRAIN, ['--epochs'], cwd))).toContain('The flag --epochs needs a value');
    expect(usageMessage(() => parseCommand(TRAIN, ['--dry-run=yes'], cwd))).toContain('--dry-run is a switch');
  });

  it('refuses stray arguments and checks required positionals', () => {
    expect(usageMessage(() => parseCommand(TRAIN, ['data'], cwd))).toContain('takes no argument "data"');
    expect(usageMessage(() => parseCommand(SCAN, ['a', 'b'], cwd))).toContain('takes one dir but got 2');
    expect(usageMessage(() => parseCommand(PREDICT, ['--model', 'm'], cwd))).toContain('needs at least one file-or-folder');
    expect(parseCommand(PREDICT, ['--model', 'm', 'a.png', 'b'], cwd).positionals).toEqual(['a.png', 'b']);
  });

  it('merges a JSON config under the flags (camelCase or kebab-case keys)', () => {
    const file = join(cwd, 'config.json');
    writeFileSync(file, JSON.stringify({ epochs: 5, imageSize: 96, 'batch-size': 16 }));
    const parsed = parseCommand(TRAIN, ['--config', file, '--epochs', '2'], cwd);
    expect(parsed.values).toMatchObject({ epochs: 2, 'image-size': 96, 'batch-size': 16 });
    expect(parsed.configFile).toBe(file);
  });

  it('names the config file and the bad setting', () => {
    const bad = join(cwd, 'bad.json');
    writeFileSync(bad, '{"epochs": "many"}');
    expect(usageMessage(() => parseCommand(TRAIN, ['--config', bad], cwd))).toMatch(/Setting "epochs" in .*bad\.json must be a whole number/);
    writeFileSync(bad, '{"epohcs": 3}');
    expect(usageMessage(() => parseCommand(TRAIN, ['--config', bad], cwd))).toMatch(/unknown setting "epohcs".*did you mean "epochs"/);
    writeFileSync(bad, '{epochs: 3}');
    expect(usageMessage(() => parseCommand(TRAIN, ['--config', bad], cwd))).toContain('is not valid JSON');
    writeFileSync(bad, '[1]');
    expect(usageMessage(() => parseCommand(TRAIN, ['--config', bad], cwd))).toContain('must hold one JSON object');
    expect(usageMessage(() => parseCommand(TRAIN, ['--config', join(cwd, 'missing.json')], cwd))).toContain('does not exist');
  });

  it('reads a repeatable flag as a list, from the command line or a config array', () => {
    expect(parseCommand(TRAIN, ['--external', 'a', '--external=b'], cwd).values['external']).toEqual(['a', 'b']);
    expect(parseCommand(TRAIN, [], cwd).values['external']).toBeUndefined();
    const file = join(cwd, 'external.json');
    writeFileSync(file, JSON.stringify({ external: ['x', 'y'] }));
    expect(parseCommand(TRAIN, ['--config', file], cwd).values['external']).toEqual(['x', 'y']);
    expect(parseCommand(TRAIN, ['--config', file, '--external', 'z'], cwd).values['external']).toEqual(['z']);
    writeFileSync(file, JSON.stringify({ external: 'x' }));
    expect(parseCommand(TRAIN, ['--config', file], cwd).values['external']).toEqual(['x']);
    writeFileSync(file, JSON.stringify({ external: [3] }));
    expect(usageMessage(() => parseCommand(TRAIN, ['--config', file], cwd))).toMatch(/Setting "external" in .*external\.json must be a text value or an array of them \(got \[3\]\), e\.g\. "external": \[".*"\]\./);
    expect(usageMessage(() => parseCommand(TRAIN, ['--external'], cwd))).toContain('The flag --external needs a value');
    expect(commandHelp(TRAIN)).toMatch(/--external DIR[\s\S]*repeatable/);
  });

  it('checks choices', () => {
    expect(usageMessage(() => parseCommand(COMMANDS.find((c) => c.name === 'evaluate')!, ['--split', 'dev'], cwd))).toContain('--split must be one of train, val, test');
  });
});

describe('help', () => {
  it('lists every flag of every command with --config and --help', () => {
    for (const spec of COMMANDS) {
      const text = commandHelp(spec);
      expect(text).toContain(`Usage: cxr ${spec.name}`);
      for (const name of Object.keys(spec.flags)) expect(text).toContain(`--${name}`);
      expect(text).toContain('--config FILE');
      expect(text).toContain('--help');
    }
  });
});

describe('closest', () => {
  it('suggests only likely typos', () => {
    expect(closest('trian', ['scan', 'train'])).toBe('train');
    expect(closest('zzzzzz', ['scan', 'train'])).toBeUndefined();
  });
});
