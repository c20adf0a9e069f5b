import type { OutStream } from '../io.js';
import { duration } from '../progress.js';
import type { RunOutcome } from './comparison.js';
import { figuresOf } from './comparison.js';

/**
 * Progress over all runs of a sweep: on a terminal one bar redrawn in place (runs done, running
 * with their epoch, failed, ETA); otherwise a line per change of a run (started, retrying, done,
 * failed) and an overall line at most every 30 s. Lines about runs also go to `log`.
 */
export class SweepProgress {
  private readonly tty: boolean;
  private readonly states = new Map<string, { outcome: RunOutcome; fraction: number; epoch?: string }>();
  /** The sweep's fraction and the time when the first run started here (runs done before count for neither). */
  private baseline: { fraction: number; at: number } | undefined;
  private lastOverall = 0;
  private drawn = false;

  constructor(
    private readonly stream: OutStream,
    private readonly total: number,
    private readonly log: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.tty = stream.isTTY === true;
  }

  /** Records where a run stands; prints a line when its status (or its attempt) changed. */
  update(name: string, outcome: RunOutcome, fraction = 0, epoch?: { epoch?: number; epochs?: number }): void {
    if (outcome.status === 'running' && this.baseline === undefined) this.baseline = { fraction: this.fraction(), at: this.now() };
    const before = this.states.get(name);
    const epochText = epoch?.epoch !== undefined ? `epoch ${epoch.epoch}/${epoch.epochs ?? '?'}` : undefined;
    this.states.set(name, { outcome, fraction: outcome.status === 'done' || outcome.status === 'failed' ? 1 : fraction, ...(epochText ? { epoch: epochText } : {}) });
    const changed = before === undefined ? outcome.status !== 'queued' || outcome.error !== undefined : before.outcome.status !== outcome.status || before.outcome.attempts !== outcome.attempts || before.outcome.error !== outcome.error;
    if (changed) {
      const line = describe(name, outcome);
      if (line) this.line(line);
    }
    this.draw();
  }

  /** Writes a line above the bar. */
  line(text: string): void {
    this.clear();
    this.log(text);
    this.draw();
  }

  /** Fraction of the whole sweep done (finished runs count whole, running ones by their epochs). */
  fraction(): number {
    let sum = 0;
    for (const s of this.states.values()) sum += s.fraction;
    return this.total === 0 ? 1 : sum / this.total;
  }

  draw(): void {
    const counts = { done: 0, failed: 0, running: 0 };
    const running: string[] = [];
    for (const [name, s] of this.states) {
      if (s.outcome.status === 'done') counts.done++;
      else if (s.outcome.status === 'failed') counts.failed++;
      else if (s.outcome.status === 'running') {
        counts.running++;
        running.push(`${name}${s.epoch ? ` ${s.epoch}` : ''}`);
      }
    }
    const fraction = this.fraction();
    const base = this.baseline;
    const gained = base ? fraction - base.fraction : 0;
    const eta = base && gained > 0.01 && fraction < 1 ? ` ETA ${duration((((this.now() - base.at) / 1000) / gained) * (1 - fraction))}` : '';
    const text = `${counts.done}/${this.total} runs done, ${counts.running} running${running.length ? ` (${running.slice(0, 2).join(', ')}${running.length > 2 ? ', ...' : ''})` : ''}, ${counts.failed} failed${eta}`;
    if (this.tty) {
      const width = 24;
      const filled = Math.round(fraction * width);
      this.stream.write(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}`.slice(0, Math.max(40, (this.stream.columns ?? 120) - 1)));
      this.drawn = true;
    } else if (this.now() - this.lastOverall > 30_000) {
      this.lastOverall = this.now();
      this.stream.write(`sweep: ${text}\n`);
    }
  }

  clear(): void {
    if (this.tty && this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}

/** One line about a run's new status. */
function describe(name: string, outcome: RunOutcome): string | undefined {
  switch (outcome.status) {
    case 'running':
      return `run ${name}: running${outcome.worker ? (outcome.worker === 'this process' ? ' in this process' : ` on ${outcome.worker}`) : ''}${outcome.attempts && outcome.attempts > 1 ? ` (attempt ${outcome.attempts})` : ''}`;
    case 'queued':
      return outcome.error ? `run ${name}: attempt ${outcome.attempts ?? '?'} failed (${outcome.error}); it will be retried` : undefined;
    case 'done': {
      const figures = figuresOf(outcome.results);
      const auc = Object.entries(figures)
        .filter(([, f]) => f.auc !== undefined)
        .map(([split, f]) => `${split} AUC ${(f.auc as number).toFixed(4)}`)
        .join(', ');
      return `run ${name}: done${outcome.seconds ? ` in ${duration(outcome.seconds)}` : ''}${outcome.worker && outcome.worker !== 'this process' ? ` on ${outcome.worker}` : ''}${outcome.resumed ? ' (continued from the checkpoint of an attempt cut short)' : ''}${auc ? `: ${auc}` : ''}`;
    }
    case 'failed':
      return `run ${name}: FAILED${outcome.attempts ? ` after ${outcome.attempts} attempt${outcome.attempts > 1 ? 's' : ''}` : ''}: ${outcome.error ?? 'unknown error'}`;
    case 'interrupted':
      return `run ${name}: stopped with a checkpoint; \`--resume\` continues it`;
  }
}
