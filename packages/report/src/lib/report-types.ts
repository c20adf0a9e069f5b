import type { TrainEvent } from '@cxr/model';
import type { ClassNames } from './plots/plot-specs.js';
import type { EvaluationReport, Outcome, ThresholdChoice } from '@cxr/eval';

/** How the operating threshold was set: chosen on a split (see `chooseThreshold`), or fixed by the user. */
export type ReportThreshold =
  | (ThresholdChoice & {
      /** The split it was chosen on, e.g. `val`. Default `val`. */
      readonly chosenOn?: string;
    })
  | { readonly threshold: number; readonly method: 'fixed'; /** Where it came from, e.g. `--threshold` or `model metadata`. */ readonly source?: string };

/** How the probabilities were calibrated (temperature scaling fitted on a split, see `fitTemperature`). */
export interface ReportCalibration {
  readonly method: 'temperature';
  /** Calibrated probability = sigmoid(logit / temperature). */
  readonly temperature: number;
  /** The split it was fitted on, e.g. `val`. */
  readonly fittedOn: string;
  /** Mean negative log-likelihood there before (T = 1) and after. */
  readonly valNllBefore: number;
  readonly valNllAfter: number;
}

/** Facts about the run, shown in the report and copied to report.json. All optional. */
export interface RunInfo {
  /** The root seed every random stage derived its seed from. */
  readonly seed?: number;
  /** The tfjs backend used, e.g. `wasm`, and why (if there was a fallback). */
  readonly backend?: string;
  readonly command?: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** The run's configuration (flags and defaults), any JSON object. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Versions of the tools and libraries, e.g. `{ node: '20.20.2', '@tensorflow/tfjs': '4.22.0' }`. */
  readonly versions?: Readonly<Record<string, string>>;
  /** Wall-clock seconds per phase, e.g. `{ scan: 1.2, train: 300 }`. */
  readonly timings?: Readonly<Record<string, number>>;
}

/** One Grad-CAM picture for the report's gallery. */
export interface CamExample {
  /** The image's file path (or id). */
  readonly id: string;
  readonly outcome: Outcome;
  readonly probability: number;
  readonly label: 0 | 1;
  /** The overlay PNG (from `gradCamOverlayPng`). */
  readonly png: Uint8Array;
  /** The split it comes from; default `test`. */
  readonly split?: string;
  /** The layer the heatmap was taken from. */
  readonly layerName?: string;
}

/** A file that goes with a report section (a PNG), named relative to the folder it is written to. */
export interface ReportFile {
  /** File name, e.g. `pixel-histograms.png`; no directories. */
  readonly name: string;
  readonly data: Uint8Array;
}

/**
 * A self-contained part of a report page: an already-escaped HTML fragment (a `<section>`, with its
 * own styles where it needs them; images and charts inlined as data URIs, so it needs no other file),
 * and the files of the same pictures for people who want them as files. The data views
 * (`auditSection`, `pixelHistogramSection`, `augmentationGridSection`, `noteSection`) make them;
 * `writeReport` inserts them as they are and writes their files to `plots/`, `writeAuditReport` makes
 * a page of one.
 */
export interface ReportSection {
  /** The section's element id, usable as a link anchor (`#pixel-histograms`). */
  readonly id: string;
  /** The heading shown at the top of the section (and in the report's navigation). */
  readonly title: string;
  /** The `<section>...</section>` fragment (a fragment without `<section>` gets one around it). */
  readonly html: string;
  readonly files: readonly ReportFile[];
}

/** Everything {@link writeReport} puts in a report. Only `threshold` and `splits` are required. */
export interface ReportData {
  /** Default `cxr evaluation report`. */
  readonly title?: string;
  /** `[negative, positive]`; default `['NORMAL', 'PNEUMONIA']`. */
  readonly classNames?: ClassNames;
  readonly threshold: ReportThreshold;
  /**
   * Evaluation per split, e.g. `{ val, test, external }` (from `evaluate`), in the order to show
   * them. Splits named `test` or starting with `external` get headline cards.
   */
  readonly splits: Readonly<Record<string, EvaluationReport>>;
  /** A plain-text sentence per split, shown at the top of its section and kept in report.json (e.g. where an external set comes from). */
  readonly splitNotes?: Readonly<Record<string, string>>;
  /** The calibration applied to every split's probabilities, when there is one. */
  readonly calibration?: ReportCalibration;
  /** Training events; the `epoch` ones make the training curves. */
  readonly training?: readonly TrainEvent[];
  /** The loader's data audit (any JSON object, rendered generically). */
  readonly audit?: unknown;
  readonly run?: RunInfo;
  readonly cams?: readonly CamExample[];
  readonly sections?: readonly ReportSection[];
}

/** Paths of the files {@link writeReport} wrote. */
export interface ReportFiles {
  readonly html: string;
  readonly json: string;
  /** Every file under `plots/`. */
  readonly plots: readonly string[];
}
