/** Throws a RangeError unless `value` is an integer in [min, max]. */
export function checkInteger(stage: string, name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${stage}: ${name} must be an integer, got ${describe(value)}.`);
  }
  if (value < min || value > max) {
    throw new RangeError(`${stage}: ${name} must be between ${min} and ${max}, got ${value}.`);
  }
  return value;
}

/** Throws a TypeError unless `value` is one of `allowed`. */
export function checkOneOf<T extends string>(stage: string, name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new TypeError(`${stage}: ${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}.`);
  }
  return value as T;
}

/** Throws a TypeError unless `value` is a boolean. */
export function checkBoolean(stage: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${stage}: ${name} must be true or false, got ${describe(value)}.`);
  return value;
}

/** Throws a TypeError unless `value` is a function or undefined. */
export function checkFunction<F>(stage: string, name: string, value: unknown): F | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new TypeError(`${stage}: ${name} must be a function, got ${describe(value)}.`);
  }
  return value as F | undefined;
}

/** A short printable description of any value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
