/** Option checks shared by the stages: each throws a TypeError/RangeError naming the stage, the option and the value. */

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null) {
    return String(value);
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Requires a plain options object (or undefined, when `optional`). */
export function requireObject(stage: string, value: unknown): void {
  if (value === null || typeof value !== 'object') {
    throw new TypeError(`${stage}: options must be an object, got ${show(value)}.`);
  }
}

/** Requires a finite number in [min, max]. */
export function requireNumber(stage: string, name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${stage}: ${name} must be a number, got ${show(value)}.`);
  }
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(`${stage}: ${name} must be between ${min} and ${max}, got ${show(value)}.`);
  }
  return value;
}

/** Requires an integer in [min, max]. */
export function requireInteger(stage: string, name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${stage}: ${name} must be an integer, got ${show(value)}.`);
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${stage}: ${name} must be an integer between ${min} and ${max}, got ${show(value)}.`);
  }
  return value;
}

/** Requires a seed: any safe integer (negative values are allowed and folded to 32 bits). */
export function requireSeed(stage: string, value: unknown, name = 'seed'): number {
  return requireInteger(stage, name, value, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
}

/** Requires a boolean. */
export function requireBoolean(stage: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${stage}: ${name} must be true or false, got ${show(value)}.`);
  return value;
}

/** Requires a non-empty string. */
export function requireString(stage: string, name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`${stage}: ${name} must be a non-empty string, got ${show(value)}.`);
  }
  return value;
}

/** Requires a function. */
export function requireFunction(stage: string, name: string, value: unknown): void {
  if (typeof value !== 'function') throw new TypeError(`${stage}: ${name} must be a function, got ${show(value)}.`);
}
