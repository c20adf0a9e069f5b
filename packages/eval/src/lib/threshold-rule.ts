import type { ThresholdMethod } from './types.js';

const SENSITIVITY = /^sensitivity:(\d+(?:\.\d*)?|\.\d+)$/;

/**
 * Reads a threshold rule written as text: `youden`, or `sensitivity:T` with a target sensitivity
 * T in (0, 1] (`sensitivity:0.95`), into the method `chooseThreshold` takes. The inverse of
 * {@link formatThresholdRule}. Surrounding spaces and letter case are ignored.
 *
 * @example
 * ```ts
 * parseThresholdRule('youden');            // { method: 'youden' }
 * parseThresholdRule('sensitivity:0.95');  // { method: 'sensitivity', target: 0.95 }
 * ```
 * @throws RangeError naming the text and the two accepted forms when it is neither.
 */
export function parseThresholdRule(text: string): ThresholdMethod {
  const rule = typeof text === 'string' ? text.trim().toLowerCase() : '';
  if (rule === 'youden') return { method: 'youden' };
  const match = SENSITIVITY.exec(rule);
  const target = match ? Number(match[1]) : Number.NaN;
  if (match && target > 0 && target <= 1) return { method: 'sensitivity', target };
  throw new RangeError(`parseThresholdRule: a threshold rule is "youden" or "sensitivity:T" with T above 0 and at most 1 (e.g. "sensitivity:0.95"), got ${JSON.stringify(text)}.`);
}

/**
 * Writes a threshold method as the text {@link parseThresholdRule} reads: `youden` or `sensitivity:0.95`.
 *
 * @example
 * ```ts
 * formatThresholdRule({ method: 'sensitivity', target: 0.9 }); // 'sensitivity:0.9'
 * ```
 */
export function formatThresholdRule(method: ThresholdMethod): string {
  return method.method === 'youden' ? 'youden' : `sensitivity:${method.target}`;
}

/**
 * The rule and what it promises, in plain words, for reports and logs:
 * `youden` -> "chosen on validation where sensitivity + specificity is highest (Youden's J)";
 * `sensitivity:0.95` -> "chosen on validation as the most specific point that keeps sensitivity >= 95%".
 *
 * @example
 * ```ts
 * `Threshold ${t.toFixed(4)}, ${describeThresholdRule({ method: 'sensitivity', target: 0.95 })}.`
 * ```
 */
export function describeThresholdRule(method: ThresholdMethod, on = 'validation'): string {
  if (method.method === 'youden') return `chosen on ${on} where sensitivity + specificity is highest (Youden's J), a balance of the two with no promise on either`;
  return `chosen on ${on} as the most specific point that keeps sensitivity >= ${percent(method.target)}`;
}

function percent(x: number): string {
  const p = 100 * x;
  return `${Number.isInteger(p) ? p.toFixed(0) : Number(p.toFixed(2)).toString()}%`;
}
