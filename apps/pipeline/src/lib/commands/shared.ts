import { initBackend, loadModel } from '@cxr/model';
import type { BackendChoice, BackendRequest, ModelMetadata } from '@cxr/model';
import type { LayersModel } from '@tensorflow/tfjs';
import type { ParsedCommand } from '../args.js';
import type { CommandContext } from '../context.js';
import { commandModelSettings, thresholdNote, type CommandModelSettings } from '../model-metadata.js';

/** "Backend: wasm (...)" and one line per faster engine that was skipped, with its reason. */
export function backendLines(choice: BackendChoice): string[] {
  return [
    `Backend: ${choice.name} (${choice.package}, ${choice.threads} thread${choice.threads === 1 ? '' : 's'}${choice.simd ? ', SIMD' : ''}): ${choice.reason}`,
    ...choice.skipped.map((s) => `  skipped ${s.name}: ${s.reason}`),
  ];
}

/** `--no-relaxed-simd` and `--xnnpack-conv` (from the command line or a config file) as initBackend's kernel options. */
export function kernelOptions(values: ParsedCommand['values']): { relaxedSimd: boolean; forwardConvolution: boolean } {
  return { relaxedSimd: values['no-relaxed-simd'] !== true, forwardConvolution: values['xnnpack-conv'] !== true };
}

/**
 * What `evaluate` and `predict` open before their work: the engine (`--backend`, `--no-relaxed-simd`,
 * `--xnnpack-conv`; its lines go to the
 * log), the model in `modelDir` and the settings it runs with (`--threshold` over the stored one; a
 * note about the threshold goes to stderr). The caller disposes the model; a bad model is disposed here.
 */
export async function openModelForCommand(
  command: string,
  modelDir: string,
  values: ParsedCommand['values'],
  { io, logger }: Pick<CommandContext, 'io' | 'logger'>,
): Promise<{ backend: BackendChoice; model: LayersModel; metadata: ModelMetadata; settings: CommandModelSettings }> {
  const backend = await initBackend({ backend: (values['backend'] ?? 'auto') as BackendRequest, ...kernelOptions(values) });
  for (const line of backendLines(backend)) logger.detail(line);
  const { model, metadata } = await loadModel(modelDir);
  try {
    const settings = commandModelSettings(model, metadata, { dir: modelDir, ...(typeof values['threshold'] === 'number' ? { threshold: values['threshold'] } : {}) });
    const note = thresholdNote(settings, modelDir);
    if (note) io.stderr.write(`cxr ${command}: ${note}\n`);
    return { backend, model, metadata, settings };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** The model's layer table as lines (tfjs `summary`, captured instead of printed). */
export function modelSummary(model: LayersModel): string[] {
  const lines: string[] = [];
  model.summary(100, undefined, (line?: unknown) => {
    if (typeof line === 'string') lines.push(...line.split('\n').filter((l) => !/^[_=\s]*$/.test(l)).map((l) => l.trimEnd()));
  });
  return lines;
}
