/** Checks an integer option in [min, max]; throws TypeError/RangeError naming the stage, option and value. */
export function checkInteger(stage: string, name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${stage}: ${name} must be an integer, got ${String(value)}.`);
  }
  if (value < min || value > max) {
    throw new RangeError(`${stage}: ${name} must be between ${min} and ${max}, got ${value}.`);
  }
  return value;
}

/** Checks a seed: any safe integer. */
export function checkSeed(stage: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new TypeError(`${stage}: ${name} must be a safe integer (the seed), got ${String(value)}.`);
  }
  return value;
}

/** Checks a non-empty string option. */
export function checkString(stage: string, name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`${stage}: ${name} must be a non-empty string, got ${String(value)}.`);
  }
  return value;
}
