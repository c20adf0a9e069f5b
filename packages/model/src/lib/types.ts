/** What training reports while it runs. */
export type TrainEvent =
  | {
      readonly kind: 'step';
      readonly epoch: number;
      readonly step: number;
      readonly stepsPerEpoch: number | undefined;
      readonly loss: number;
      readonly imagesPerSecond: number;
      /** Seconds this step waited for its batch (input pipeline not ready). */
      readonly inputWaitSeconds: number;
    }
  | {
      readonly kind: 'epoch';
      readonly epoch: number;
      readonly loss: number;
      readonly valLoss: number | undefined;
      readonly valAccuracy: number | undefined;
      readonly valAuc: number | undefined;
      readonly learningRate: number;
      readonly imagesPerSecond: number;
      readonly seconds: number;
      /** Seconds the epoch's training steps waited for their batches, in all. */
      readonly inputWaitSeconds: number;
      /** Seconds of the epoch's training steps (waits included, validation not). */
      readonly trainSeconds: number;
      /** Training steps run in this epoch (skipped ones of a resumed epoch not counted). */
      readonly steps: number;
      /** True when this epoch's validation AUC is the best so far (and the checkpoint was written). */
      readonly improved: boolean;
    }
  | { readonly kind: 'stopped'; readonly epoch: number; readonly reason: string };

/** One model output for one image. */
export interface Prediction {
  readonly id: string;
  /** Probability of the positive class (PNEUMONIA). */
  readonly probability: number;
  /**
   * The model's raw output before the sigmoid (`probability = sigmoid(logit)`), when the producer
   * has it (`predict` always sets it). Calibration rescales it: `sigmoid(logit / temperature)`.
   */
  readonly logit?: number;
  /** The true label when known. */
  readonly label: 0 | 1 | undefined;
  /** The decision at the model's saved threshold (present when the model's metadata has one). */
  readonly predictedLabel?: 0 | 1;
}

/** Loss weight of class 0 (NORMAL) and class 1 (PNEUMONIA): `[w0, w1]` or `{ 0: w0, 1: w1 }`. */
export interface ClassWeights {
  readonly 0: number;
  readonly 1: number;
}
