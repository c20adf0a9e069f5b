import type { OutStream } from './io.js';

export interface StepProgress {
  readonly epoch: number;
  readonly step: number;
  readonly stepsPerEpoch: number | undefined;
  readonly loss: number;
  readonly imagesPerSecond: number;
}

/**
 * Shows training progress: on a TTY one bar per epoch redrawn in place (images/s, ETA, loss);
 * otherwise a plain line now and then (about every 10% of an epoch, at most every 30 s apart).
 */
export class Progress {
  private readonly tty: boolean;
  private epochStart = 0;
  private epoch = -1;
  private firstStep = 0;
  private lastLine = 0;
  private lastDecile = -1;
  private drawn = false;

  constructor(
    private readonly stream: OutStream,
    private readonly epochs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tty = stream.isTTY === true;
  }

  step(event: StepProgress): void {
    const t = this.now();
    if (event.epoch !== this.epoch) {
      // A new epoch (or the first one seen after --resume, which may start mid-epoch).
      this.epoch = event.epoch;
      this.firstStep = event.step;
      this.epochStart = t;
      this.lastDecile = -1;
    }
    const total = event.stepsPerEpoch;
    const fraction = total ? Math.min(1, event.step / total) : undefined;
    const stepsTimed = event.step - this.firstStep;
    const perStep = stepsTimed > 0 ? (t - this.epochStart) / 1000 / stepsTimed : undefined;
    const eta = total && perStep !== undefined ? perStep * Math.max(0, total - event.step) : undefined;
    const stats = `loss ${event.loss.toFixed(4)}  ${event.imagesPerSecond.toFixed(1)} img/s${eta !== undefined ? `  ETA ${duration(eta)}` : ''}`;
    const head = `epoch ${event.epoch}/${this.epochs}`;
    if (this.tty) {
      const width = Math.max(10, Math.min(30, (this.stream.columns ?? 80) - head.length - stats.length - 16));
      const filled = fraction === undefined ? 0 : Math.round(fraction * width);
      const bar = fraction === undefined ? '' : ` [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${event.step}/${total}`;
      this.stream.write(`\r\x1b[2K${head}${bar}  ${stats}`);
      this.drawn = true;
      return;
    }
    const decile = fraction === undefined ? -1 : Math.floor(fraction * 10);
    if ((decile > this.lastDecile && decile < 10) || t - this.lastLine > 30_000) {
      this.lastDecile = decile;
      this.lastLine = t;
      this.stream.write(`${head} step ${event.step}${total ? `/${total}` : ''}  ${stats}\n`);
    }
  }

  /** Clears the bar (TTY) so a normal line can follow. */
  clear(): void {
    if (this.tty && this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}

/** `75` -> `1m15s`. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
