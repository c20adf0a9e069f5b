/**
 * A metric that can be undefined for a given split: `null` instead of a number, never a silent 0.
 * Where a function returns `null`, the reason is given next to it (see {@link BinaryMetrics.undefinedReasons}).
 */
export type MaybeNumber = number | null;

/** Counts of a binary classifier at one threshold. An image is called positive (PNEUMONIA) when `probability >= threshold`. */
export interface Confusion {
  readonly threshold: number;
  /** PNEUMONIA called PNEUMONIA. */
  readonly tp: number;
  /** NORMAL called PNEUMONIA. */
  readonly fp: number;
  /** NORMAL called NORMAL. */
  readonly tn: number;
  /** PNEUMONIA called NORMAL. */
  readonly fn: number;
}

/** Names of the threshold-dependent metrics. */
export type MetricName = 'accuracy' | 'sensitivity' | 'specificity' | 'precision' | 'npv' | 'f1';

/** The usual rates at one threshold. Each is `null` when its denominator is 0, with the reason in `undefinedReasons`. */
export interface BinaryMetrics {
  /** (TP + TN) / n. */
  readonly accuracy: MaybeNumber;
  /** Recall of PNEUMONIA: TP / (TP + FN). */
  readonly sensitivity: MaybeNumber;
  /** Recall of NORMAL: TN / (TN + FP). */
  readonly specificity: MaybeNumber;
  /** Positive predictive value: TP / (TP + FP). */
  readonly precision: MaybeNumber;
  /** Negative predictive value: TN / (TN + FN). */
  readonly npv: MaybeNumber;
  /** Harmonic mean of precision and sensitivity: 2TP / (2TP + FP + FN). */
  readonly f1: MaybeNumber;
  /** For every metric that is `null`, one sentence saying why. */
  readonly undefinedReasons: Readonly<Partial<Record<MetricName, string>>>;
}

/** One point of a ROC curve: the rates when calling positive every probability `>= threshold`. */
export interface RocPoint {
  /** `Infinity` for the first point (nothing called positive). */
  readonly threshold: number;
  /** False positive rate, 1 - specificity. */
  readonly fpr: number;
  /** True positive rate, sensitivity. */
  readonly tpr: number;
}

/** A ROC curve with one point per distinct probability, and its area. */
export interface RocCurve {
  /** From (0, 0) at threshold `Infinity` to (1, 1) at the lowest probability. Empty when undefined. */
  readonly points: readonly RocPoint[];
  /** Area under the curve (ties counted half: equals the Mann-Whitney U / (P * N)); `null` with a one-class split. */
  readonly auc: MaybeNumber;
  /** Why `auc` is `null`, when it is. */
  readonly undefinedReason?: string;
}

/** One point of a precision-recall curve. */
export interface PrPoint {
  /** `Infinity` for the first point (recall 0, precision 1 by convention). */
  readonly threshold: number;
  readonly recall: number;
  readonly precision: number;
}

/** A precision-recall curve, one point per distinct probability, and its average precision. */
export interface PrCurve {
  readonly points: readonly PrPoint[];
  /** Sum over thresholds of (recall step) x precision; `null` when the split has no positives. */
  readonly averagePrecision: MaybeNumber;
  /** The precision of a classifier that calls everything positive: P / n (the no-skill line). */
  readonly baseline: MaybeNumber;
  readonly undefinedReason?: string;
}

/** A confidence interval of the AUC. */
export interface AucInterval {
  readonly auc: number;
  readonly lower: number;
  readonly upper: number;
  /** e.g. 0.95. */
  readonly level: number;
  readonly method: 'delong';
  /** DeLong standard error of the AUC. */
  readonly standardError: number;
}

/** One bin of a reliability diagram. */
export interface CalibrationBin {
  /** Bin edges: probabilities in `[lower, upper)` (the last bin includes 1). */
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  /** Mean predicted probability in the bin; `null` when the bin is empty. */
  readonly meanProbability: MaybeNumber;
  /** Fraction of PNEUMONIA in the bin; `null` when the bin is empty. */
  readonly fractionPositive: MaybeNumber;
}

/** How well probabilities match frequencies. */
export interface Calibration {
  readonly bins: readonly CalibrationBin[];
  /** Mean squared difference between probability and label (0 is perfect); `null` when there are no predictions. */
  readonly brier: MaybeNumber;
  /** Expected calibration error: bin-weighted mean |meanProbability - fractionPositive|. */
  readonly ece: MaybeNumber;
  readonly undefinedReason?: string;
}

/** How to choose the operating threshold on validation data. */
export type ThresholdMethod =
  | { readonly method: 'youden' }
  | { readonly method: 'sensitivity'; readonly target: number };

/** The chosen threshold and what it achieved on the data it was chosen on. */
export interface ThresholdChoice {
  readonly threshold: number;
  readonly method: 'youden' | 'sensitivity';
  /** Target sensitivity, for `method: 'sensitivity'`. */
  readonly target?: number;
  readonly sensitivity: number;
  readonly specificity: MaybeNumber;
  /** Youden's J = sensitivity + specificity - 1. */
  readonly youdenJ: MaybeNumber;
  /** How many images the choice was made on. */
  readonly n: number;
}

/** Metrics at one named threshold. */
export interface OperatingPoint {
  /** e.g. `default 0.5`, `notebook 0.75`, `chosen`. */
  readonly name: string;
  readonly threshold: number;
  readonly confusion: Confusion;
  readonly metrics: BinaryMetrics;
}

/** A prediction with its label known, as kept in a report. */
export interface LabelledPrediction {
  readonly id: string;
  /** The probability the metrics used (calibrated when the report has a `temperature`). */
  readonly probability: number;
  readonly label: 0 | 1;
  /** The model's raw output, when the prediction carried it. */
  readonly logit?: number;
}

/** Threshold-free calibration figures of one set of probabilities. */
export interface CalibrationFigures {
  readonly brier: MaybeNumber;
  /** Expected calibration error over the report's `eceBins` bins. */
  readonly ece: MaybeNumber;
}

/** Everything {@link evaluate} computes for one split. */
export interface EvaluationReport {
  /** The split's name when given (e.g. `test`). */
  readonly split: string | undefined;
  /** Labelled predictions used for the metrics. */
  readonly n: number;
  readonly positives: number;
  readonly negatives: number;
  /** Predictions without a label: not used in any metric. */
  readonly unlabeled: number;
  /** The operating threshold (chosen on validation). */
  readonly threshold: number;
  readonly auc: MaybeNumber;
  readonly aucCi: AucInterval | null;
  readonly averagePrecision: MaybeNumber;
  readonly brier: MaybeNumber;
  /** Expected calibration error over `eceBins` equal-width bins (see `expectedCalibrationError`); `null` without labelled images. */
  readonly ece: MaybeNumber;
  /** Bins of `ece` (default 15). */
  readonly eceBins: number;
  /** The temperature the probabilities were computed with (`sigmoid(logit / temperature)`), or `null` when they were used as given. */
  readonly temperature: number | null;
  /**
   * With a `temperature`: the Brier score and ECE of the raw probabilities `sigmoid(logit)`, so the
   * effect of calibration is visible; `null` otherwise.
   */
  readonly uncalibrated: CalibrationFigures | null;
  /** Counts and metrics at `threshold`. */
  readonly confusion: Confusion;
  readonly metrics: BinaryMetrics;
  /** Metrics at each named threshold: by default `default 0.5`, `notebook 0.75` (the original Keras notebook's threshold), then `chosen`. */
  readonly operatingPoints: readonly OperatingPoint[];
  readonly roc: RocCurve;
  readonly pr: PrCurve;
  readonly calibration: Calibration;
  /** For every threshold-free figure (`auc`, `aucCi`, `averagePrecision`, `brier`) that is `null`, why. */
  readonly undefinedReasons: Readonly<Record<string, string>>;
  /** The labelled predictions, in input order. */
  readonly predictions: readonly LabelledPrediction[];
}
