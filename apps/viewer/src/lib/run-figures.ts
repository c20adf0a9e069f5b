/** The validation (and test) figures of the run, read from its report.json. */
export interface SplitFigures {
  readonly split: string;
  readonly n: number;
  readonly auc: number | undefined;
  readonly aucLower: number | undefined;
  readonly aucUpper: number | undefined;
  readonly accuracy: number | undefined;
  readonly sensitivity: number | undefined;
  readonly specificity: number | undefined;
  readonly brier: number | undefined;
  readonly ece: number | undefined;
}

/** The run's settings worth showing beside its figures, read from its run.json. */
export interface RunSettings {
  readonly rows: readonly (readonly [string, string])[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * The figures of each split of a report.json (validation first), at the model's threshold.
 * Anything missing or malformed is left out (an empty list for a file that is not a report).
 */
export function splitFigures(report: unknown): SplitFigures[] {
  if (!isObject(report) || !isObject(report['splits'])) return [];
  const splits = report['splits'];
  const order = (name: string): number => (name === 'val' ? 0 : name === 'test' ? 1 : 2);
  return Object.keys(splits)
    .sort((a, b) => order(a) - order(b) || a.localeCompare(b))
    .flatMap((name) => {
      const s = splits[name];
      if (!isObject(s)) return [];
      const ci = isObject(s['aucCi']) ? s['aucCi'] : {};
      const metrics = isObject(s['metrics']) ? s['metrics'] : {};
      return [
        {
          split: name,
          n: num(s['n']) ?? 0,
          auc: num(s['auc']),
          aucLower: num(ci['lower']),
          aucUpper: num(ci['upper']),
          accuracy: num(metrics['accuracy']),
          sensitivity: num(metrics['sensitivity']),
          specificity: num(metrics['specificity']),
          brier: num(s['brier']),
          ece: num(s['ece']),
        },
      ];
    });
}

/** The training settings of a run.json, as label/value rows (empty for a file that is not one). */
export function runSettings(run: unknown): RunSettings {
  if (!isObject(run)) return { rows: [] };
  const s = isObject(run['settings']) ? run['settings'] : {};
  const backend = isObject(run['backend']) ? run['backend'] : {};
  const versions = isObject(run['versions']) ? run['versions'] : {};
  const rows: [string, string][] = [];
  const add = (label: string, value: unknown): void => {
    if (value !== undefined && value !== null && value !== '') rows.push([label, String(value)]);
  };
  add('architecture', s['architecture']);
  add('epochs', s['epochs']);
  add('batch size', s['batchSize']);
  add('learning rate', s['learningRate']);
  add('schedule', s['schedule']);
  add('threshold rule', s['thresholdRule']);
  add('seed', run['seed'] ?? s['seed']);
  add('trained on', typeof backend['name'] === 'string' ? `${backend['name']}${typeof backend['reason'] === 'string' ? ` (${backend['reason']})` : ''}` : undefined);
  add('cxr', versions['cxr']);
  add('TensorFlow.js', versions['tfjs']);
  add('status', run['status']);
  add('finished', run['finishedAt']);
  return { rows };
}
