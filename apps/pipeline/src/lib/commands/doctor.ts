import { doctor, formatDoctor } from '@cxr/model';
import type { ParsedCommand } from '../args.js';
import type { CommandContext } from '../context.js';

/** `cxr doctor [--json]`: which engines work here and why the others do not. */
export async function runDoctor(parsed: ParsedCommand, { io }: CommandContext): Promise<number> {
  const report = await doctor();
  if (parsed.values['json'] === true) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else io.stdout.write(formatDoctor(report).replace(/\n?$/, '\n'));
  return 0;
}
