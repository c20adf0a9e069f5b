import type { ImageRecord } from '@cxr/loader';
import { decodeImage } from '@cxr/loader';
import type { EvaluationReport } from '@cxr/eval';
import { auditSection, camExamples, trainingDataSections, writeReport } from '@cxr/report';
import type { CamExample, ReportCalibration, ReportData, ReportThreshold, RunInfo } from '@cxr/report';
import type { DatasetAudit } from '@cxr/loader';
import type { TrainEvent } from '@cxr/model';
import type { LayersModel } from '@tensorflow/tfjs';
import type { Logger } from './logger.js';

export interface RunReportInput {
  readonly dir: string;
  readonly model: LayersModel;
  readonly threshold: ReportThreshold;
  readonly splits: Readonly<Record<string, EvaluationReport>>;
  /** A plain sentence per split shown in its section (e.g. where an external set comes from). */
  readonly splitNotes?: Readonly<Record<string, string>>;
  readonly calibration?: ReportCalibration;
  readonly classNames: readonly [string, string];
  readonly decode: { readonly size: number; readonly fit: 'fill' | 'contain' };
  readonly training?: readonly TrainEvent[];
  readonly audit?: DatasetAudit;
  readonly records?: readonly ImageRecord[];
  readonly seed: number;
  readonly run: RunInfo;
  readonly title: string;
  readonly logger: Logger;
}

/**
 * Writes report.html, report.json and plots/ into `dir` (atomically, by the eval package): metrics
 * and curves per split, calibration, training curves, Grad-CAM examples of each outcome on every
 * evaluated split, and the data audit with example images.
 */
export async function writeRunReport(input: RunReportInput): Promise<{ html: string; json: string }> {
  const cams: CamExample[] = [];
  for (const [split, report] of Object.entries(input.splits)) {
    cams.push(
      ...(await camExamples({
        model: input.model,
        predictions: report.predictions,
        threshold: input.threshold.threshold,
        perOutcome: 2,
        split,
        loadImage: (id) => decodeImage(id, input.decode),
        onSkip: (id, reason) => input.logger.detail(`Grad-CAM skipped ${id} (${split}): ${reason}`),
      })),
    );
  }
  const sections = [
    ...(input.audit ? [await auditSection(input.audit, { seed: input.seed, examplesPerClass: 4, ...(input.records ? { records: input.records } : {}) })] : []),
    // A training run's pixel histograms and augmentation grid, from the model's own layers (none for evaluate).
    ...(input.training
      ? await trainingDataSections({
          model: input.model,
          ...(input.records ? { records: input.records } : {}),
          decode: input.decode,
          seed: input.seed,
          onNote: (message) => input.logger.detail(message),
        })
      : []),
  ];
  const data: ReportData = {
    title: input.title,
    classNames: input.classNames,
    threshold: input.threshold,
    splits: input.splits,
    ...(input.splitNotes ? { splitNotes: input.splitNotes } : {}),
    ...(input.calibration ? { calibration: input.calibration } : {}),
    ...(input.training ? { training: input.training } : {}),
    // The audit is shown by its own section (with charts and examples) and saved as audit.json next to the report.
    run: input.run,
    cams,
    sections,
  };
  const files = await writeReport(input.dir, data);
  return { html: files.html, json: files.json };
}
