import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { OutStream } from './io.js';

/**
 * Human-readable lines to a stream, and every line (plus details such as stack traces) to a log
 * file once one is attached. Lines written before `attach` are kept and flushed into the file.
 */
export class Logger {
  private file: string | undefined;
  private pending: string[] = [];

  constructor(
    private readonly out: OutStream,
    private readonly now: () => number = Date.now,
  ) {}

  /** The log file, once attached. */
  get path(): string | undefined {
    return this.file;
  }

  attach(file: string): void {
    mkdirSync(dirname(file), { recursive: true });
    this.file = file;
    const lines = this.pending;
    this.pending = [];
    if (lines.length) appendFileSync(file, lines.join(''));
  }

  /** A line for the user (and the log). */
  info(line: string): void {
    this.out.write(`${line}\n`);
    this.record(line);
  }

  /** A line for the log only. */
  detail(line: string): void {
    this.record(line);
  }

  private record(line: string): void {
    const stamped = `${new Date(this.now()).toISOString()} ${line}\n`;
    if (this.file) {
      try {
        appendFileSync(this.file, stamped);
      } catch {
        // The log is best effort: never fail a run because its log cannot be written.
      }
    } else this.pending.push(stamped);
  }
}
