import { describe, expect, it } from 'vitest';
import { duration, Progress } from './progress.js';

function capture(isTTY: boolean): { stream: { write: (t: string) => void; isTTY: boolean; columns: number }; text: () => string } {
  let out = '';
  return { stream: { write: (t: string) => void (out += t), isTTY, columns: 100 }, text: () => out };
}

describe('Progress', () => {
  it('draws one bar in place on a TTY, with images/s, ETA and loss', () => {
    const { stream, text } = capture(true);
    let now = 0;
    const progress = new Progress(stream, 3, () => now);
    for (let step = 1; step <= 4; step++) {
      now = step * 1000;
      progress.step({ epoch: 1, step, stepsPerEpoch: 10, loss: 0.5, imagesPerSecond: 32 });
    }
    const frames = text().split('\r\x1b[2K').filter(Boolean);
    expect(frames).toHaveLength(4);
    expect(frames.every((f) => !f.includes('\n'))).toBe(true);
    expect(frames[3]).toMatch(/^epoch 1\/3 \[#+\.+\] 4\/10  loss 0\.5000  32\.0 img\/s  ETA 6s$/);
    progress.clear();
    expect(text().endsWith('\r\x1b[2K')).toBe(true);
  });

  it('writes plain lines about every 10% of an epoch otherwise', () => {
    const { stream, text } = capture(false);
    const progress = new Progress(stream, 1, () => 0);
    for (let step = 1; step <= 100; step++) progress.step({ epoch: 1, step, stepsPerEpoch: 100, loss: 0.25, imagesPerSecond: 10 });
    const lines = text().trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(9);
    expect(lines.length).toBeLessThanOrEqual(11);
    expect(lines.every((l) => l.startsWith('epoch 1/1 step '))).toBe(true);
  });

  it('times a resumed epoch from its first step seen, not from step 1', () => {
    const { stream, text } = capture(false);
    let now = 0;
    const progress = new Progress(stream, 2, () => now);
    progress.step({ epoch: 2, step: 50, stepsPerEpoch: 100, loss: 1, imagesPerSecond: 1 });
    now = 10_000;
    progress.step({ epoch: 2, step: 60, stepsPerEpoch: 100, loss: 1, imagesPerSecond: 1 });
    expect(text()).toContain('ETA 40s');
  });
});

describe('duration', () => {
  it('reads like a clock', () => {
    expect(duration(5)).toBe('5s');
    expect(duration(75)).toBe('1m15s');
    expect(duration(3720)).toBe('1h02m');
  });
});
