// The usage error alone, for code that must not load the rest of the package (a browser bundle: no sharp, no node:fs).
export { isUsageError, USAGE_ERROR_CODE, UsageError } from './lib/usage-error.js';
