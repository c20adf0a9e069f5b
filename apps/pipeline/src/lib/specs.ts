import { ARCHITECTURES, BACKEND_NAMES, DEFAULT_TRAINING } from '@cxr/model';
import type { CommandSpec, FlagSpec } from './args.js';
import { DEFAULT_THRESHOLD_RULE } from './commands/train.js';
import { CACHE_BUILD_FLAGS, QUEUE_COMMANDS } from './queue-specs.js';
import { VIEW } from './commands/view.js';

const json: FlagSpec = { type: 'boolean', description: 'Print the result as JSON on stdout (messages go to stderr).' };
const data: FlagSpec = { type: 'string', placeholder: 'DIR', description: 'Dataset folder: DIR/{train,val,test}/{NORMAL,PNEUMONIA}/ with .jpeg, .jpg, .png or DICOM files. Default: $CXR_DATA, else ../shared/datasets/chest-xray next to the repository.' };
const backend: FlagSpec = { type: 'string', placeholder: 'NAME', choices: ['auto', ...BACKEND_NAMES], default: 'auto', description: 'TensorFlow.js engine: tensorflow-gpu (tfjs-node-gpu, CUDA), tensorflow (tfjs-node), wasm or cpu; auto takes the first that works, in that order (see `cxr doctor`).', example: 'wasm' };
const noRelaxedSimd: FlagSpec = {
  type: 'boolean',
  description:
    'WASM: multiply and add separately in the generated kernels (two roundings) instead of with fused multiply-add (relaxed SIMD, the default where the runtime has it); slower, and results differ in the last bits.',
};
const xnnpackConv: FlagSpec = {
  type: 'boolean',
  description: "WASM: run the forward convolutions on XNNPACK, the backend's own kernel, instead of the generated SIMD kernel (the default); slower, and results differ in the last bits.",
};
const batchSize: FlagSpec = { type: 'integer', placeholder: 'N', min: 1, max: 4096, description: 'Images per batch.', example: '32' };
const trainBatchSize: FlagSpec = { ...batchSize, default: DEFAULT_TRAINING.batchSize };
const threshold: FlagSpec = {
  type: 'number',
  placeholder: 'P',
  min: 0,
  max: 1,
  description: "Operating threshold to use instead of the model's own (chosen on validation); needed for a model that stores none (one from elsewhere).",
  example: '0.5',
};

const cache: FlagSpec = {
  type: 'string',
  placeholder: 'DIR',
  description:
    'Disk cache of decoded images, shared by runs and processes (a few large pack files; a second run on the same files and settings decodes nothing). Default: $CXR_CACHE_DIR, else $XDG_CACHE_HOME/cxr, else ~/.cache/cxr (~/Library/Caches/cxr on macOS, %LOCALAPPDATA%\\cxr\\cache on Windows). Put it on a fast local disk (`cxr cache info` shows it).',
  example: '/mnt/ssd/cxr-cache',
};
const noCache: FlagSpec = { type: 'boolean', description: 'Use no disk cache: decode every image in this run (and keep the set in memory).' };
const memoryCache: FlagSpec = {
  type: 'string',
  placeholder: 'MODE',
  choices: ['auto', 'on', 'off'],
  default: 'auto',
  description:
    'Keep the decoded images in memory (on) or stream them from the disk cache with read-ahead, memory flat whatever the dataset size (off); auto keeps them in memory when their estimated size fits min(1 GiB, 1/4 of the available memory). The run says which and why.',
  example: 'off',
};

export const SCAN: CommandSpec = {
  name: 'scan',
  summary: 'Scan and audit a dataset folder.',
  description:
    'Finds every image in a folder laid out as <dir>/{train,val,test}/{NORMAL,PNEUMONIA}/, decodes each one to check it, and prints counts per split and class, image modes and sizes per class, duplicates, patients shared across splits and the files that cannot be used. Exit 0 when the scan completes, even with rejected files.',
  positional: { name: 'dir', description: 'The dataset folder (default as for --data of train).', required: false, variadic: false },
  flags: {
    json,
    out: {
      type: 'string',
      placeholder: 'DIR',
      description:
        'Also write the audit as DIR/audit.json and as a page, DIR/audit.html (counts, size/aspect/mode charts per class, seeded example images per split and class, duplicate, shared-patient and rejected-file tables; self-contained), with its charts and example grids as DIR/audit/*.png.',
    },
    seed: { type: 'integer', placeholder: 'N', min: 0, max: 2 ** 32 - 1, default: 42, description: 'Seed choosing the example images of audit.html (same seed, same page).' },
  },
  examples: ['cxr scan ../shared/datasets/chest-xray', 'cxr scan ~/data/chest_xray --json > audit.json', 'cxr scan ../shared/datasets/chest-xray --out audit/   # audit.json + audit.html'],
};

export const TRAIN: CommandSpec = {
  name: 'train',
  summary: 'Train a model, choose its threshold on validation, evaluate it on test, and write a run folder.',
  description:
    'Runs the whole flow: picks the backend, scans and audits the data, re-splits train+val (stratified, patient-disjoint, seeded), decodes and caches the images, trains with validation every epoch (best weights kept, checkpoints written), chooses the operating threshold on validation, evaluates on test, and writes model/, checkpoints/, report.html, report.json, plots/, run.json, split.csv and cxr.log into the run folder. Ctrl-C stops after writing a checkpoint; --resume continues.',
  flags: {
    data,
    out: { type: 'string', placeholder: 'DIR', description: 'Run folder. Default: runs/<date-time> in the current folder.' },
    seed: { type: 'integer', placeholder: 'N', min: 0, max: 2 ** 32 - 1, default: 42, description: 'Root seed: same seed, data and backend give the same split, batches and metrics.' },
    'dry-run': { type: 'boolean', description: 'Scan, audit and split, print the plan (counts, class weights, backend, model summary), write run.json and split.csv, and stop.' },
    json,
    backend,
    'no-relaxed-simd': noRelaxedSimd,
    'xnnpack-conv': xnnpackConv,
    epochs: { type: 'integer', placeholder: 'N', min: 1, max: 1000, default: DEFAULT_TRAINING.epochs, description: 'Maximum number of epochs (early stopping may end sooner).', example: '10' },
    'image-size': { type: 'integer', placeholder: 'N', min: 16, max: 1024, default: DEFAULT_TRAINING.imageSize, description: 'Side of the square input images, in pixels.', example: '128' },
    'batch-size': trainBatchSize,
    architecture: { type: 'string', placeholder: 'NAME', choices: ARCHITECTURES, default: DEFAULT_TRAINING.architecture, description: 'Model architecture: compact-cnn for CPUs, inception-resnet-v2 (the network of the original Keras notebook) for GPUs.', example: 'compact-cnn' },
    weights: { type: 'string', placeholder: 'DIR', description: 'Fine-tune from a local tfjs-layers model (a folder with model.json).' },
    resume: { type: 'boolean', description: 'Continue the interrupted run in --out (default: the newest folder in runs/) from its last checkpoint, with its settings.' },
    'resume-from': {
      type: 'string',
      placeholder: 'NAME',
      choices: ['last', 'previous'],
      default: 'last',
      description: 'With --resume: continue from checkpoints/last, or from checkpoints/previous (the checkpoint written before it, kept in case last is damaged).',
    },
    external: {
      type: 'multiple',
      placeholder: 'DIR',
      description:
        'External test set, evaluated after training at the stored threshold and never used to train, pick a checkpoint or choose the threshold: its test/{NORMAL,PNEUMONIA}/, or its NORMAL/ and PNEUMONIA/ when it has no split folders. Default: $CXR_EXTERNAL (folders separated by the path delimiter), else ../shared/datasets/chest-xray-external next to the repository when it exists; none for no external set.',
      example: '../shared/datasets/chest-xray-external',
    },
    fold: {
      type: 'string',
      placeholder: 'I/K',
      description:
        'Cross-validation: validate on fold I of K stratified, patient-disjoint folds of train+val (drawn from --seed) instead of the 80/20 re-split; the K runs of one seed validate on disjoint sets that together cover train+val (`cxr sweep` runs them all).',
      example: '1/5',
    },
    'threshold-rule': {
      type: 'string',
      placeholder: 'RULE',
      default: DEFAULT_THRESHOLD_RULE,
      description: "How the threshold is chosen on validation (on calibrated probabilities): youden (the highest sensitivity + specificity) or sensitivity:T (the most specific point that keeps sensitivity >= T, e.g. sensitivity:0.95).",
      example: 'sensitivity:0.95',
    },
    'steps-per-epoch': {
      type: 'integer',
      placeholder: 'N',
      min: 1,
      description: "Train on at most N batches per epoch: the first N of the epoch's shuffled order (default: the whole training split), e.g. for a quick look at a large dataset.",
      example: '100',
    },
    cache,
    'no-cache': noCache,
    'memory-cache': memoryCache,
  },
  examples: [
    'cxr train                               # defaults, on $CXR_DATA or the embedded dataset',
    'cxr train --data ~/chest_xray --epochs 8 --image-size 128',
    'cxr train --dry-run --json --seed 7',
    'cxr train --resume --out runs/20261126-140000',
    'cxr train --external ~/other-hospital --external ~/third-site --threshold-rule sensitivity:0.95',
    'cxr train --cache /mnt/ssd/cxr-cache     # the decoded-image cache on a fast disk',
    'cxr train --config recipe.json         # {"epochs": 12, "augment": {"shift": 0.08, "gamma": 0.3}, "schedule": "cosine"}',
  ],
  configExample: '{"epochs": 12, "imageSize": 128}',
  configSettings: {
    augment: 'Augmentation ranges over the defaults: {"flip", "rotationDegrees", "zoom", "crop", "shift", "gamma", "contrast", "brightness", "noise"}.',
    compact: 'Shape of compact-cnn over the defaults: {"filters": [16, 32, 64, 128, 256], "convsPerStage", "stemStride", "dropout"}.',
    learningRate: 'Initial Adam learning rate.',
    schedule: 'Learning-rate schedule: "plateau" (halve after reduceLrPatience epochs without a better validation AUC) or "cosine".',
    patience: 'Epochs without a better validation AUC before early stopping (a number, or null for none).',
    reduceLrPatience: 'Epochs without improvement before the plateau schedule lowers the rate.',
    reduceLrFactor: 'Factor of each plateau reduction, in (0, 1).',
    minLearningRate: 'Lowest learning rate of either schedule.',
    labelSmoothing: 'Label smoothing of the loss, in [0, 0.5).',
    valFraction: 'Share of train+val held out for validation, in (0, 1).',
  },
};

export const EVALUATE: CommandSpec = {
  name: 'evaluate',
  summary: 'Evaluate a saved model on one split of a dataset.',
  description:
    "Loads a model folder written by `cxr train` (its metadata gives the image size, decode settings, calibration and threshold, and is checked), predicts every image of the split (or of the class folders, for a folder with NORMAL/ and PNEUMONIA/ and no split folders), and prints the metrics at the model's threshold, AUC with its 95% interval, Brier score and ECE. --out writes report.html, report.json and plots/.",
  flags: {
    model: { type: 'string', placeholder: 'DIR', description: 'Model folder (the model/ of a run folder).' },
    data: { ...data, description: 'Dataset folder: DIR/{train,val,test}/{NORMAL,PNEUMONIA}/, or DIR/{NORMAL,PNEUMONIA}/ (taken as the split). Default: $CXR_DATA, else ../shared/datasets/chest-xray next to the repository.' },
    threshold,
    split: { type: 'string', placeholder: 'SPLIT', choices: ['train', 'val', 'test'], default: 'test', description: 'Which split to evaluate.' },
    out: { type: 'string', placeholder: 'DIR', description: 'Write report.html, report.json and plots/ here.' },
    json,
    backend,
    'no-relaxed-simd': noRelaxedSimd,
    'xnnpack-conv': xnnpackConv,
    'batch-size': batchSize,
    cache,
    'no-cache': noCache,
    'memory-cache': memoryCache,
  },
  examples: ['cxr evaluate --model runs/20261126-140000/model --data ../shared/datasets/chest-xray', 'cxr evaluate --model my-model --split val --json'],
};

export const PREDICT: CommandSpec = {
  name: 'predict',
  summary: 'Predict PNEUMONIA for images or folders of images.',
  description: "Prints one row per image: file, probability of PNEUMONIA (calibrated with the model's temperature), label at the model's threshold, and the threshold. Folders are searched recursively for .jpeg/.jpg/.png and DICOM files (.dcm, or recognised by content). --cam DIR writes a Grad-CAM heatmap over each X-ray as a PNG.",
  positional: { name: 'file-or-folder', description: 'Images (.jpeg, .jpg, .png, DICOM) or folders of images.', required: true, variadic: true },
  flags: {
    model: { type: 'string', placeholder: 'DIR', description: 'Model folder (the model/ of a run folder).' },
    json,
    cam: { type: 'string', placeholder: 'DIR', description: 'Write Grad-CAM overlays as DIR/<image>.cam.png.' },
    threshold,
    backend,
    'no-relaxed-simd': noRelaxedSimd,
    'xnnpack-conv': xnnpackConv,
    'batch-size': batchSize,
    cache,
    'no-cache': noCache,
  },
  examples: ['cxr predict --model runs/20261126-140000/model xray1.jpeg xray2.png', 'cxr predict --model my-model scans/ --json --cam cams/'],
};

export const DOCTOR: CommandSpec = {
  name: 'doctor',
  summary: 'Show which TensorFlow.js engines work here, and why the others do not.',
  description: 'Checks the native binding (tfjs-node, tfjs-node-gpu with the CUDA and cuDNN versions it expects against those installed), WASM with SIMD and threads, and the pure-JS cpu backend.',
  flags: { json },
  examples: ['cxr doctor', 'cxr doctor --json'],
};

export const CACHE: CommandSpec = {
  name: 'cache',
  summary: 'Fill, show or free the disk cache of decoded images.',
  description:
    '`cxr cache build` decodes every image of --data that is not yet in the cache, at the size and fit `cxr train` uses with the same --image-size, so a training run afterwards decodes nothing: the images are split into shards of --shard-size, decoded here (as many shards at once as there are cores), or with --queue as jobs that `cxr worker` runs on every machine that sees the cache folder at the same path; it reports the throughput per worker and in total. `cxr cache info` shows the cache folder (the one train, evaluate and predict use with the same --cache and environment), where that choice came from, its packs, images and size on disk, the images per decode setting, and packs left unfinished. `cxr cache clear` deletes its packs (and those left by processes that are gone; a pack a live process is writing is kept) and says how much it freed.',
  positional: { name: 'action', description: 'build, info or clear.', required: true, variadic: false },
  flags: { cache, json, ...CACHE_BUILD_FLAGS },
  examples: [
    'cxr cache build --data ~/chest_xray',
    'cxr cache build --data /shared/chexpert --cache /shared/cxr-cache --queue redis://127.0.0.1:6379',
    'cxr cache info',
    'cxr cache info --cache /mnt/ssd/cxr-cache --json',
    'cxr cache clear',
  ],
  configExample: '{"cache": "/mnt/ssd/cxr-cache"}',
};

export const COMMANDS: readonly CommandSpec[] = [SCAN, TRAIN, EVALUATE, PREDICT, CACHE, DOCTOR, VIEW, ...QUEUE_COMMANDS];
