import type { BackendChoice } from '@cxr/model';
import type { LayersModel } from '@tensorflow/tfjs';

/** "Backend: wasm (...)" and one line per faster engine that was skipped, with its reason. */
export function backendLines(choice: BackendChoice): string[] {
  return [
    `Backend: ${choice.name} (${choice.package}, ${choice.threads} thread${choice.threads === 1 ? '' : 's'}${choice.simd ? ', SIMD' : ''}): ${choice.reason}`,
    ...choice.skipped.map((s) => `  skipped ${s.name}: ${s.reason}`),
  ];
}

/** The model's layer table as lines (tfjs `summary`, captured instead of printed). */
export function modelSummary(model: LayersModel): string[] {
  const lines: string[] = [];
  model.summary(100, undefined, (line?: unknown) => {
    if (typeof line === 'string') lines.push(...line.split('\n').filter((l) => !/^[_=\s]*$/.test(l)).map((l) => l.trimEnd()));
  });
  return lines;
}
