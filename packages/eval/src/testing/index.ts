
// Metric test helpers (issue 5)
export { arbScored, bruteForceAuc, bruteForceConfusion, type ScoredSample } from './metrics.js';
