// Metric test helpers
export { arbScored, bruteForceAuc, bruteForceConfusion, type ScoredSample } from './metrics.js';
export { samplePredictions } from './predictions.js';
