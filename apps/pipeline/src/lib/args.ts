import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '@cxr/loader';

/**
 * How a flag's value is read. `multiple`: a text flag that may be given several times
 * (`--external A --external B`), read as a list; a config file gives it as an array or one text.
 */
export type FlagType = 'string' | 'boolean' | 'integer' | 'number' | 'multiple';

export interface FlagSpec {
  readonly type: FlagType;
  readonly description: string;
  /** Shown in help after the flag, e.g. `DIR`. */
  readonly placeholder?: string;
  /** Documented default (the command fills defaults it must compute itself). */
  readonly default?: string | number | boolean;
  readonly min?: number;
  readonly max?: number;
  readonly choices?: readonly string[];
  /** False for flags a config file may not set (`config`, `help`). */
  readonly configurable?: boolean;
  /** An example value used in error messages. */
  readonly example?: string;
}

export interface PositionalSpec {
  readonly name: string;
  readonly description: string;
  readonly required: boolean;
  readonly variadic: boolean;
}

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly description: string;
  readonly positional?: PositionalSpec;
  readonly flags: Readonly<Record<string, FlagSpec>>;
  readonly examples: readonly string[];
  /**
   * Settings a config file may hold besides the flags (camelCase name -> description), read as
   * raw JSON into {@link ParsedCommand.settings} and validated by the command (e.g. train's
   * `augment` object).
   */
  readonly configSettings?: Readonly<Record<string, string>>;
  /** An example `--config` file for this command's help and errors, e.g. `{"seed": 7}`; derived from its flags when absent. */
  readonly configExample?: string;
}

export type FlagValue = string | number | boolean | readonly string[];

export interface ParsedCommand {
  /** Effective values by flag name (kebab-case): flags over config file over defaults. */
  readonly values: Readonly<Record<string, FlagValue | undefined>>;
  readonly positionals: readonly string[];
  readonly help: boolean;
  /** The config file used, if any (absolute). */
  readonly configFile: string | undefined;
  /** Flag names given explicitly on the command line. */
  readonly explicit: ReadonlySet<string>;
  /** Config-only settings from the config file (see {@link CommandSpec.configSettings}), raw JSON by name. */
  readonly settings?: Readonly<Record<string, unknown>>;
}

/**
 * A config file for this command: its own `configExample`, else its first flag with a value (its
 * example or default) as camelCase JSON, else its first switch set to true.
 */
export function configExample(spec: CommandSpec): string {
  if (spec.configExample !== undefined) return spec.configExample;
  const entries = Object.entries(spec.flags).filter(([, flag]) => flag.configurable !== false);
  const key = (name: string): string => name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
  const valued = entries.find(([, flag]) => flag.type !== 'boolean' && (flag.example ?? flag.default) !== undefined);
  if (valued) {
    const [name, flag] = valued;
    const raw = flag.example ?? flag.default;
    const value = flag.type === 'integer' || flag.type === 'number' ? Number(raw) : flag.type === 'multiple' ? [String(raw)] : raw;
    return JSON.stringify({ [key(name)]: value }).replace(/":/g, '": ');
  }
  const toggle = entries.find(([, flag]) => flag.type === 'boolean');
  return toggle ? `{"${key(toggle[0])}": true}` : '{}';
}

/** All flags of a command, including the common `--config` (its help shows an example for this command). */
export function allFlags(spec: CommandSpec): Readonly<Record<string, FlagSpec>> {
  const config: FlagSpec = {
    type: 'string',
    placeholder: 'FILE',
    description: `JSON file of settings (keys as the flags, e.g. ${configExample(spec)}); flags given on the command line win.`,
    configurable: false,
  };
  return { ...spec.flags, config };
}

/**
 * `--batch-size -1`: node's parser takes `-1` for a flag and reports a missing value. A number-valued
 * flag followed by a negative number is rewritten as `--batch-size=-1`, so the value is read and
 * checked like any other (and the error says what the value must be).
 */
function attachNegativeNumbers(argv: readonly string[], flags: Readonly<Record<string, FlagSpec>>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    const flag = arg.startsWith('--') && !arg.includes('=') ? flags[arg.slice(2)] : undefined;
    if (flag !== undefined && (flag.type === 'integer' || flag.type === 'number') && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/**
 * Parses a command's arguments strictly: unknown flags, missing or malformed values and unexpected
 * arguments become usage errors naming the flag and the fix.
 */
export function parseCommand(spec: CommandSpec, argv: readonly string[], cwd: string): ParsedCommand {
  const flags = allFlags(spec);
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, flag] of Object.entries(flags)) options[name] = flag.type === 'multiple' ? { type: 'string', multiple: true } : { type: flag.type === 'boolean' ? 'boolean' : 'string' };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: attachNegativeNumbers(argv, flags), options, strict: true, allowPositionals: spec.positional !== undefined, allowNegative: false });
  } catch (error) {
    throw translateParseError(spec, flags, error);
  }
  const help = parsed.values['help'] === true;
  if (help) return { values: {}, positionals: parsed.positionals, help, configFile: undefined, explicit: new Set() };

  const explicit = new Set<string>();
  const values: Record<string, FlagValue | undefined> = {};
  for (const [name, flag] of Object.entries(flags)) {
    if (flag.default !== undefined) values[name] = flag.default;
  }
  const configArg = parsed.values['config'];
  let configFile: string | undefined;
  const settings: Record<string, unknown> = {};
  if (typeof configArg === 'string') {
    configFile = resolve(cwd, configArg);
    Object.assign(values, readConfig(spec, flags, configFile, settings));
  }
  for (const [name, raw] of Object.entries(parsed.values)) {
    if (name === 'help' || raw === undefined) continue;
    const flag = flags[name];
    if (!flag) continue;
    if (Array.isArray(raw) && flag.type !== 'multiple') continue;
    values[name] = convert(spec, name, flag, raw, `--${name}`);
    explicit.add(name);
  }

  const positionals = parsed.positionals;
  const pos = spec.positional;
  if (pos?.required && positionals.length === 0) {
    throw new UsageError(`cxr ${spec.name} needs ${pos.variadic ? 'at least one ' : ''}${pos.name}; run \`cxr ${spec.name} --help\` for an example.`);
  }
  if (pos && !pos.variadic && positionals.length > 1) {
    throw new UsageError(`cxr ${spec.name} takes one ${pos.name} but got ${positionals.length} (${positionals.map((p) => `"${p}"`).join(', ')}); quote a path that contains spaces.`);
  }
  return { values, positionals, help, configFile, explicit, settings };
}

function translateParseError(spec: CommandSpec, flags: Readonly<Record<string, FlagSpec>>, error: unknown): Error {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /'([^']+)'/.exec(message)?.[1] ?? '';
  const helpHint = `run \`cxr ${spec.name} --help\` to see the flags`;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const name = quoted.replace(/^-+/, '').split('=')[0] ?? quoted;
    const guess = closest(name, [...Object.keys(flags), 'help']);
    return new UsageError(`Unknown flag ${quoted} for \`cxr ${spec.name}\`; ${guess ? `did you mean --${guess}? Or ` : ''}${helpHint}.`);
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const flagName = quoted.split(' ')[0] ?? quoted;
    const flag = flags[flagName.replace(/^-+/, '')];
    if (flag?.type === 'boolean' || /does not take an argument/.test(message)) {
      return new UsageError(`The flag ${flagName} is a switch and takes no value; write just ${flagName}.`);
    }
    const example = flag ? exampleValue(flag) : 'VALUE';
    return new UsageError(`The flag ${flagName} needs a value, e.g. ${flagName} ${example}.`);
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    return new UsageError(`\`cxr ${spec.name}\` takes no argument "${quoted}"; give values with their flag (${helpHint}).`);
  }
  return new UsageError(`Could not read the arguments of \`cxr ${spec.name}\` (${message.split('\n')[0] ?? ''}); ${helpHint}.`);
}

function exampleValue(flag: FlagSpec): string {
  if (flag.example) return flag.example;
  if (flag.choices?.[0]) return flag.choices[0];
  if (flag.type === 'integer' || flag.type === 'number') return String(flag.default ?? flag.min ?? 1);
  return flag.placeholder ?? 'VALUE';
}

/** Converts one raw value (from the command line or a config file) to the flag's type, or throws a usage error. */
function convert(spec: CommandSpec, name: string, flag: FlagSpec, raw: unknown, where: string): FlagValue {
  const configExample = flag.type === 'string' ? JSON.stringify(exampleValue(flag)) : flag.type === 'multiple' ? `[${JSON.stringify(exampleValue(flag))}]` : flag.type === 'boolean' ? 'true' : exampleValue(flag);
  const configKey = name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
  const fix = (what: string): Error => new UsageError(`${where} ${what} (got ${JSON.stringify(raw)}), e.g. ${where.startsWith('--') ? `${where} ${exampleValue(flag)}` : `"${configKey}": ${configExample}`}.`);
  switch (flag.type) {
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      throw fix('must be true or false');
    case 'multiple': {
      const list: unknown[] = Array.isArray(raw) ? raw : [raw];
      if (list.some((x) => typeof x !== 'string' || x === '')) throw fix(where.startsWith('--') ? 'must be a non-empty text value' : 'must be a text value or an array of them');
      return list as string[];
    }
    case 'string': {
      if (typeof raw !== 'string' || raw === '') throw fix('must be a non-empty text value');
      if (flag.choices && !flag.choices.includes(raw)) {
        throw new UsageError(`${where} must be one of ${flag.choices.join(', ')} (got ${JSON.stringify(raw)}); see \`cxr ${spec.name} --help\`.`);
      }
      return raw;
    }
    case 'integer':
    case 'number': {
      const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
      const pattern = flag.type === 'integer' ? /^[+-]?\d+$/ : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
      const value = Number(text);
      if (!pattern.test(text) || !Number.isFinite(value)) {
        throw fix(flag.type === 'integer' ? 'must be a whole number' : 'must be a number');
      }
      if (flag.min !== undefined && value < flag.min && flag.min === 1 && flag.type === 'integer') {
        throw fix(`must be a positive whole number${flag.max === undefined ? '' : `, at most ${flag.max}`}`);
      }
      if ((flag.min !== undefined && value < flag.min) || (flag.max !== undefined && value > flag.max)) {
        const range = flag.max === undefined ? `at least ${flag.min}` : flag.min === undefined ? `at most ${flag.max}` : `between ${flag.min} and ${flag.max}`;
        throw fix(`must be ${range}`);
      }
      return value;
    }
  }
}

function readConfig(spec: CommandSpec, flags: Readonly<Record<string, FlagSpec>>, file: string, settings: Record<string, unknown>): Record<string, FlagValue> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new UsageError(code === 'ENOENT' ? `The config file ${file} does not exist; check the path given to --config.` : `Cannot read the config file ${file} (${String(code ?? error)}); check its permissions.`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`The config file ${file} is not valid JSON (${error instanceof Error ? error.message : String(error)}); fix it or leave out --config.`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new UsageError(`The config file ${file} must hold one JSON object of settings, e.g. ${configExample(spec)}.`);
  }
  const out: Record<string, FlagValue> = {};
  for (const [key, raw] of Object.entries(data as Record<string, unknown>)) {
    const name = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const flag = flags[name];
    const setting = key.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
    if (!flag && spec.configSettings?.[setting] !== undefined) {
      if (raw !== null) settings[setting] = raw;
      continue;
    }
    if (!flag || flag.configurable === false) {
      const guess = closest(name, [...Object.keys(flags), ...Object.keys(spec.configSettings ?? {})]);
      throw new UsageError(`The config file ${file} has an unknown setting "${key}" for \`cxr ${spec.name}\`; ${guess ? `did you mean "${guess}"? Or ` : ''}remove it.`);
    }
    if (raw === null) continue;
    out[name] = convert(spec, name, flag, raw, `Setting "${key}" in ${file}`);
  }
  return out;
}

/** The candidate closest to `word` by edit distance, if close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/** Edit distance counting a swap of two neighbours as one edit (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => d[i]?.[j] ?? Infinity;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i]![j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The `--help` text of a command. */
export function commandHelp(spec: CommandSpec): string {
  const flags = allFlags(spec);
  const pos = spec.positional;
  const posText = pos ? ` ${pos.required ? '' : '['}<${pos.name}>${pos.variadic ? '...' : ''}${pos.required ? '' : ']'}` : '';
  const lines = [`Usage: cxr ${spec.name}${posText} [flags]`, '', spec.summary, '', ...wrap(spec.description, 80), ''];
  if (pos) lines.push('Arguments:', `  <${pos.name}>${pos.variadic ? '...' : ''}`.padEnd(28) + pos.description, '');
  lines.push('Flags:');
  const rows: [string, string][] = Object.entries(flags).map(([name, flag]) => {
    const left = `  --${name}${flag.type === 'boolean' ? '' : ` ${flag.placeholder ?? (flag.type === 'string' ? 'VALUE' : 'N')}`}`;
    const extras = [
      flag.choices ? `one of: ${flag.choices.join(', ')}` : undefined,
      flag.type === 'multiple' ? 'repeatable' : undefined,
      flag.default !== undefined && flag.type !== 'boolean' ? `default: ${String(flag.default)}` : undefined,
    ].filter(Boolean);
    return [left, `${flag.description}${extras.length ? ` (${extras.join('; ')})` : ''}`];
  });
  rows.push(['  -h, --help', 'Show this help.']);
  const width = Math.min(30, Math.max(...rows.map(([l]) => l.length)) + 2);
  for (const [left, right] of rows) {
    const text = wrap(right, 80 - width);
    lines.push(left.length >= width ? `${left}\n${' '.repeat(width)}${text[0] ?? ''}` : left.padEnd(width) + (text[0] ?? ''));
    for (const more of text.slice(1)) lines.push(' '.repeat(width) + more);
  }
  if (spec.configSettings) {
    lines.push('', 'Config-file settings (in the --config JSON only):');
    for (const [name, description] of Object.entries(spec.configSettings)) {
      const text = wrap(description, 80 - 20);
      lines.push(`  ${name}`.padEnd(20) + (text[0] ?? ''));
      for (const more of text.slice(1)) lines.push(' '.repeat(20) + more);
    }
  }
  lines.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`), '');
  return lines.join('\n');
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(line);
  }
  return out;
}
